"""Settings: where user data lives and which servers the app talks to."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "studyteddy"
DATA_DIR_ENV = "STUDYTEDDY_DATA_DIR"
DATABASE_URL_ENV = "STUDYTEDDY_DATABASE_URL"
REDIS_URL_ENV = "STUDYTEDDY_REDIS_URL"


def default_data_dir() -> Path:
    """The per-user data directory the platform recommends."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Where the data lives and, when set, the external servers that replace the bundled ones."""

    data_dir: Path
    database_url: str | None = None
    redis_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser().absolute())

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> Settings:
        """Combine an explicit data directory (the --data-dir option) with the environment."""
        chosen = data_dir or os.environ.get(DATA_DIR_ENV) or default_data_dir()
        return cls(
            data_dir=Path(chosen).expanduser().absolute(),
            database_url=os.environ.get(DATABASE_URL_ENV) or None,
            redis_url=os.environ.get(REDIS_URL_ENV) or None,
        )

    @property
    def uses_bundled_postgres(self) -> bool:
        return self.database_url is None

    @property
    def uses_bundled_redis(self) -> bool:
        return self.redis_url is None
