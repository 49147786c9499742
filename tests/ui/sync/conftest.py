"""Devices for the sync UI, each with its own data folder and new database; real sync servers."""

from __future__ import annotations

import contextlib
import dataclasses
import socket

import pytest

from studyteddy_desktop.assembly import open_services
from tests.conftest import DATA_DIR_NAME
from tests.scratch_database import migrated_database


@pytest.fixture()
def make_device(engine, endpoints, tmp_path):
    """`make_device(name)` -> AppServices of a fresh device; signing it in touches no other test's data."""
    with contextlib.ExitStack() as stack:

        def make(name: str = "laptop"):
            fresh = stack.enter_context(migrated_database(engine, "syncui"))
            data_dir = tmp_path / name / DATA_DIR_NAME
            data_dir.mkdir(parents=True)
            database_url = fresh.url.render_as_string(hide_password=False)
            services = open_services(dataclasses.replace(endpoints, data_dir=str(data_dir),
                                                         database_url=database_url))
            stack.callback(services.close)
            return services

        yield make


def closed_port_url() -> str:
    """An address on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
