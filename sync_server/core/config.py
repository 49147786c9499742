"""The server's settings: where its data and servers are, its limits, and the key that signs tokens."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

# Every setting can come from the environment, so uvicorn's worker processes and a school's
# container replicas all read one configuration.
ENV_PREFIX = "STUDYTEDDY_SERVER_"
DEFAULT_PORT = 8765
PROTOCOL_VERSION = 1
# Clients older than this get "update needed" instead of a merge they would get wrong.
MIN_PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class ServerLimits:
    max_body_bytes: int = 2 * 1024 * 1024
    max_changes_per_push: int = 500
    max_field_bytes: int = 64 * 1024
    max_pull_page: int = 500
    max_blob_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path
    database_url: str
    redis_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = 1
    allow_self_registration: bool = False
    access_token_seconds: int = 15 * 60
    session_days: int = 30
    audience: str = "studyteddy-sync"
    limits: ServerLimits = field(default_factory=ServerLimits)
    # Document files go to this S3-compatible bucket instead of the data directory when set; the
    # credentials come from the usual AWS_* variables.
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def to_environment(self) -> dict[str, str]:
        """What a worker process needs to rebuild these settings with `from_environment`."""
        return {
            f"{ENV_PREFIX}DATA_DIR": str(self.data_dir), f"{ENV_PREFIX}DATABASE_URL": self.database_url,
            f"{ENV_PREFIX}REDIS_URL": self.redis_url, f"{ENV_PREFIX}SECRET_KEY": self.secret_key,
            f"{ENV_PREFIX}SELF_REGISTRATION": "1" if self.allow_self_registration else "0",
            f"{ENV_PREFIX}ACCESS_TOKEN_SECONDS": str(self.access_token_seconds),
            f"{ENV_PREFIX}S3_BUCKET": self.s3_bucket or "", f"{ENV_PREFIX}S3_ENDPOINT_URL": self.s3_endpoint_url or "",
        }

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> ServerSettings:
        env = os.environ if environ is None else environ

        def value(name: str) -> str:
            found = env.get(ENV_PREFIX + name)
            if not found:
                raise RuntimeError(f"{ENV_PREFIX}{name} is not set; start the server with `studyteddy-server`.")
            return found

        data_dir = Path(value("DATA_DIR"))
        settings = cls(data_dir=data_dir, database_url=value("DATABASE_URL"), redis_url=value("REDIS_URL"),
                       secret_key=env.get(ENV_PREFIX + "SECRET_KEY") or load_or_create_secret(data_dir),
                       allow_self_registration=env.get(ENV_PREFIX + "SELF_REGISTRATION") == "1",
                       s3_bucket=env.get(ENV_PREFIX + "S3_BUCKET") or None,
                       s3_endpoint_url=env.get(ENV_PREFIX + "S3_ENDPOINT_URL") or None)
        seconds = env.get(ENV_PREFIX + "ACCESS_TOKEN_SECONDS")
        return replace(settings, access_token_seconds=int(seconds)) if seconds else settings


def load_or_create_secret(data_dir: Path) -> str:
    """The signing key kept in the data directory (0600), made on first start.

    Replicas on other machines must share it: give them STUDYTEDDY_SERVER_SECRET_KEY instead.
    """
    path = data_dir / "server-secret"
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text("ascii").strip()  # another worker made it a moment ago
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
