"""Health checks against the real bundled servers."""

from __future__ import annotations

import _ctypes
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from studyteddy_desktop.services.core.display_check import chosen_platform, check_display, qt_platforms_dir
from studyteddy_desktop.services.core.health_service import HealthService
from studyteddy_desktop.services.core.postgres_shared_store import PostgresSharedStore
from studyteddy_desktop.services.core.shared_store import SharedStore, open_shared_store

# A database on a socket directory nobody serves: every connection fails as it would with PostgreSQL gone.
DEAD_DATABASE_URL = "postgresql+psycopg://nobody@/studyteddy?host=%2Fnonexistent%2Fst"


@pytest.fixture()
def shared_store(endpoints) -> Iterator[SharedStore]:
    store = open_shared_store(endpoints.redis_url, endpoints.database_url)
    yield store
    store.close()


def test_reports_versions_and_how_the_queue_keeps_its_jobs(database, endpoints, shared_store):
    report = HealthService(database, shared_store, None, Path(endpoints.data_dir)).report(include_worker=False)
    assert report.healthy, report
    assert report.component("PostgreSQL").version.startswith("18.")
    assert report.component("pgvector").version.startswith("0.8")
    if endpoints.redis_url is None:
        assert report.component("Queue").detail == "in PostgreSQL (this install runs without Redis)"
        assert "Redis" not in {component.name for component in report.components}
    else:
        assert "append-only file" in report.component("Redis").detail
    assert "SmolLM2" in report.component("Language model").detail


def _unreachable_store(kind: str, tmp_path: Path) -> SharedStore:
    if kind == "redis":
        return redis.Redis(unix_socket_path=str(tmp_path / "nowhere.sock"), socket_connect_timeout=0.2)
    return PostgresSharedStore(DEAD_DATABASE_URL, timeout_s=1)


@pytest.mark.parametrize("kind, component", [("redis", "Redis"), ("postgres", "Queue")])
def test_an_unreachable_queue_store_is_reported_not_raised(database, tmp_path, kind, component):
    store = _unreachable_store(kind, tmp_path)
    health = HealthService(database, store, None, tmp_path).check_queue()
    store.close()
    assert health.name == component and not health.healthy
    assert health.detail.startswith("not reachable: ")


def test_a_missing_data_directory_is_unhealthy(database, shared_store, tmp_path):
    health = HealthService(database, shared_store, None, tmp_path / "gone").check_data_dir()
    assert not health.healthy


def test_the_report_has_a_display_row(database, endpoints, shared_store):
    report = HealthService(database, shared_store, None, Path(endpoints.data_dir)).report(include_worker=False)
    # The suite runs Qt offscreen, whose plugin needs no display and no X libraries.
    assert report.component("Display").healthy, report.component("Display")


def _platforms_with(tmp_path: Path, binary: Path) -> Path:
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    shutil.copy(binary, platforms / "libqxcb.so")
    return platforms


def test_a_plugin_whose_libraries_are_missing_is_unhealthy_and_names_them(tmp_path):
    # Moved out of PySide6, the real plugin's $ORIGIN run path no longer finds Qt's own libraries.
    real = qt_platforms_dir()
    assert real is not None and (real / "libqxcb.so").is_file()
    platforms = _platforms_with(tmp_path, real / "libqxcb.so")
    health = check_display({"DISPLAY": ":0"}, platforms_dir=platforms)
    assert not health.healthy and not health.informational
    assert "libQt6XcbQpa.so.6" in health.detail and "cannot open" in health.detail


def test_a_missing_plugin_is_unhealthy(tmp_path):
    (tmp_path / "platforms").mkdir()
    health = check_display({"DISPLAY": ":0"}, platforms_dir=tmp_path / "platforms")
    assert not health.healthy
    assert "libqxcb.so" in health.detail


def test_no_display_is_informational_when_the_libraries_are_complete(tmp_path):
    # Any binary whose every library resolves stands in for a complete plugin.
    platforms = _platforms_with(tmp_path, Path(_ctypes.__file__))
    headless = check_display({}, platforms_dir=platforms)
    assert headless.healthy and headless.informational
    assert headless.detail.startswith("no display: DISPLAY/WAYLAND_DISPLAY unset")
    desktop = check_display({"DISPLAY": ":0"}, platforms_dir=platforms)
    assert desktop.healthy and not desktop.informational and "DISPLAY=:0" in desktop.detail


def test_the_platform_follows_qt_qpa_platform_and_wayland():
    assert chosen_platform({"QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    assert chosen_platform({"QT_QPA_PLATFORM": "wayland;xcb"}) == "wayland"
    assert chosen_platform({"WAYLAND_DISPLAY": "wayland-0"}) == "wayland"
    assert chosen_platform({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == "xcb"
    assert chosen_platform({}) == "xcb"
