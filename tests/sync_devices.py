"""Desktop profiles for sync tests: each its own database and data folder, signed in to a real server."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.scratch_database import migrated_database


# The bundled Redis has four databases; the app uses the first.
DEVICE_REDIS_DB = 3


@dataclasses.dataclass
class Device:
    name: str
    services: AppServices
    engine: sa.Engine

    @property
    def sync(self):
        return self.services.sync

    def sign_in(self, server_url: str, student, **options):
        return self.sync.sign_in(server_url, student.login, student.password, self.name, **options)

    def scalar(self, query: str, **parameters):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(query), parameters).scalar()

    def rows(self, query: str, **parameters) -> list:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(query), parameters).all()


@contextlib.contextmanager
def device_template(engine: sa.Engine) -> Iterator[str]:
    """A migrated database to copy devices from: a copy takes a fraction of a second, a migration seconds."""
    with migrated_database(engine, "device_template", poolclass=sa.NullPool) as template:
        template.dispose()
        yield template.url.database


@contextlib.contextmanager
def _cloned_database(engine: sa.Engine, template: str) -> Iterator[sa.Engine]:
    with migrated_database(engine, "device", template=template) as fresh:
        with fresh.begin() as connection:
            # A copy is another device: its own clock id.
            connection.execute(sa.text("UPDATE sync_device SET node_id = substr(md5(gen_random_uuid()::text), 1, 16)"))
        yield fresh


def device_redis_url(runtime_redis_url: str | None) -> str | None:
    """Where a device keeps its queue: a Redis database of its own, or (None) its own PostgreSQL database."""
    # Jobs for a device's rows must not reach the session's worker; without Redis the device's database
    # holds its queue tables, which no worker reads.
    if runtime_redis_url is None:
        return None
    return runtime_redis_url + ("&" if "?" in runtime_redis_url else "?") + f"db={DEVICE_REDIS_DB}"


@contextlib.contextmanager
def desktop_device(engine: sa.Engine, endpoints, data_dir: Path, name: str, *,
                   template: str | None = None) -> Iterator[Device]:
    """A fresh profile: its own migrated database and data folder, and a queue no worker of the session reads."""
    data_dir.mkdir(parents=True, exist_ok=True)
    source = _cloned_database(engine, template) if template else migrated_database(engine, "device")
    with source as fresh:
        url = fresh.url.render_as_string(hide_password=False)
        device_endpoints = dataclasses.replace(endpoints, data_dir=str(data_dir), database_url=url,
                                               redis_url=device_redis_url(endpoints.redis_url))
        services = AppServices(device_endpoints, HueyJobQueue.for_endpoints(device_endpoints),
                               database=Database(url))
        try:
            yield Device(name, services, fresh)
        finally:
            services.close()


def closed_port_url() -> str:
    """A loopback address where nothing listens: a server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
