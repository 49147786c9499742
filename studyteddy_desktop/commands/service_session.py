"""Runs a CLI command inside a started runtime, and leaves it the way it found it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from typing import TYPE_CHECKING

from studyteddy_desktop.config import Settings

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices


@contextlib.contextmanager
def running_services(settings: Settings, *, with_worker: bool = True) -> Iterator[AppServices]:
    """Start or attach to the servers (and the worker), yield the services, then detach.

    The servers stop afterwards only if no app window or other command still uses them.
    """
    # Imported here: `studyteddy` with no subcommand opens the window, and that path must not
    # wait for the database libraries to load.
    from studyteddy_desktop.assembly import open_services
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime

    runtime = ServiceRuntime(settings, with_worker=with_worker)
    endpoints = runtime.start()
    services = open_services(endpoints)
    try:
        yield services
    finally:
        services.close()
        runtime.stop()
