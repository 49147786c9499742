"""Fixtures for the worker tests: a real worker process on the session's servers, and services to drive it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.runtime.worker_process import WorkerProcess
from studyteddy_desktop.services.app_services import AppServices
from tests.worker_support import session_worker


@pytest.fixture()
def worker(endpoints: RuntimeEndpoints) -> Iterator[WorkerProcess]:
    process = session_worker(endpoints)
    process.ensure_running()
    yield process
    process.stop()


@pytest.fixture()
def services(endpoints: RuntimeEndpoints) -> Iterator[AppServices]:
    services = open_services(endpoints)
    yield services
    services.close()
