"""`studyteddy doctor`'s verdict and lines, the Display row above all, on reports built here."""

from __future__ import annotations

import contextlib
import json
from types import SimpleNamespace

import pytest

from studyteddy_desktop.commands import doctor
from studyteddy_desktop.domain.dto import ComponentHealth, HealthReport

_DATABASE = ComponentHealth("PostgreSQL", True, "PostgreSQL 18.1", "18.1")


@pytest.fixture()
def run_doctor(monkeypatch, capsys):
    def invoke(*components: ComponentHealth, as_json: bool = False) -> tuple[int, str]:
        services = SimpleNamespace(health=SimpleNamespace(report=lambda: HealthReport(components)))
        monkeypatch.setattr(doctor, "running_services",
                            lambda _settings: contextlib.nullcontext(services))
        code = doctor.run(None, SimpleNamespace(json=as_json))
        return code, capsys.readouterr().out
    return invoke


def test_no_display_is_a_note_not_a_failure(run_doctor):
    headless = ComponentHealth("Display", True, "no display: DISPLAY/WAYLAND_DISPLAY unset",
                               informational=True)
    code, out = run_doctor(_DATABASE, headless)
    assert code == 0
    assert "[info] Display     no display: DISPLAY/WAYLAND_DISPLAY unset" in out.splitlines()
    assert out.splitlines()[-1] == "All parts are healthy."


def test_a_missing_qt_library_fails_and_is_named(run_doctor):
    broken = ComponentHealth("Display", False, "the window cannot open: Qt's xcb plugin needs "
                             "libxcb-icccm.so.4")
    code, out = run_doctor(_DATABASE, broken)
    assert code == 1
    assert any(line.startswith("[FAIL] Display") and "libxcb-icccm.so.4" in line
               for line in out.splitlines())
    assert out.splitlines()[-1] == "Unhealthy: Display."


def test_json_marks_informational_rows(run_doctor):
    headless = ComponentHealth("Display", True, "no display", informational=True)
    code, out = run_doctor(_DATABASE, headless, as_json=True)
    report = json.loads(out)
    assert code == 0 and report["healthy"] is True
    assert [c["informational"] for c in report["components"]] == [False, True]
