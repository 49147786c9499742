"""Runs a CLI command inside a started runtime, and leaves it the way it found it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyteddy_desktop.config import Settings

if TYPE_CHECKING:
    from studyteddy_desktop.runtime.worker_watch import WorkerWatch
    from studyteddy_desktop.services.app_services import AppServices


@dataclass(frozen=True)
class ServiceSession:
    services: AppServices
    # Present when the command runs with the worker: a command that waits on its work asks it.
    worker_watch: WorkerWatch | None


@contextlib.contextmanager
def running_services(settings: Settings, *, with_worker: bool = True) -> Iterator[AppServices]:
    """Start or attach to the servers (and the worker), yield the services, then detach.

    The servers stop afterwards only if no app window or other command still uses them.
    """
    with running_session(settings, with_worker=with_worker) as session:
        yield session.services


@contextlib.contextmanager
def running_session(settings: Settings, *, with_worker: bool = True) -> Iterator[ServiceSession]:
    """`running_services`, with a watch on the worker for commands that wait on it."""
    # Imported here: `studyteddy` with no subcommand opens the window, and that path must not
    # wait for the database libraries to load.
    from studyteddy_desktop.assembly import open_services
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
    from studyteddy_desktop.runtime.worker_watch import WorkerWatch
    from studyteddy_desktop.services.backups.pre_upgrade import back_up_before_schema_upgrade

    runtime = ServiceRuntime(settings, with_worker=with_worker,
                             before_schema_upgrade=back_up_before_schema_upgrade)
    endpoints = runtime.start()
    services = open_services(endpoints)
    try:
        yield ServiceSession(services, WorkerWatch(runtime.worker) if runtime.worker is not None else None)
    finally:
        services.close()
        runtime.stop()
