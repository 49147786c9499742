"""How the app hands the worker its server URLs: through an inherited pipe, never on its command line.

A command line is visible to every account on the machine (`ps`), and an external database's URL
carries its password. Only json and os are imported: the worker reads this before its lock.
"""

from __future__ import annotations

import json
import os

ENDPOINTS_FD_OPTION = "--endpoints-fd"


def send_endpoints(write_fd: int, *, database_url: str, redis_url: str | None) -> None:
    """Write both URLs into the pipe and close it (no Redis URL: the queue is on PostgreSQL)."""
    payload = json.dumps({"database_url": database_url, "redis_url": redis_url}).encode("utf-8")
    with os.fdopen(write_fd, "wb") as pipe:
        pipe.write(payload)


def receive_endpoints(read_fd: int) -> tuple[str, str | None]:
    """The database and Redis URLs the app sent, read to the end of the pipe, which is then closed."""
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            payload = json.loads(pipe.read().decode("utf-8"))
        redis_url = payload["redis_url"]
        return str(payload["database_url"]), None if redis_url is None else str(redis_url)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SystemExit(f"the worker got no server addresses on descriptor {read_fd}: {error}") from error
