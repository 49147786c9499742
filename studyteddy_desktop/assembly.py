"""Builds the service layer with the worker's job queue: the one place that knows both sides of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studyteddy_desktop.domain.dto import RuntimeEndpoints
    from studyteddy_desktop.services.app_services import AppServices


def open_services(endpoints: RuntimeEndpoints) -> AppServices:
    """The services of one process, wired to the huey queue on the runtime's Redis (or its database)."""
    # Imported here: `studyteddy` hands this function to the window, which must paint before
    # the database libraries load.
    from studyteddy_desktop.services.app_services import AppServices
    from studyteddy_desktop.worker.queue import HueyJobQueue

    return AppServices(endpoints, HueyJobQueue.for_endpoints(endpoints))
