"""Reading the school's policy: good files, broken files and hostile values never crash and are named."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, time
from pathlib import Path

import pytest

from studyteddy_desktop.services.policy.machine_policy import DAYS, KNOWN_KEYS, ExamWindow, MachinePolicy
from studyteddy_desktop.services.policy.policy_sources import (
    MAX_POLICY_BYTES,
    JsonFileSource,
    PlistSource,
    load_policy,
    standard_sources,
)

PACKAGING = Path(__file__).resolve().parents[3] / "packaging"


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "policy.json"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _policy(tmp_path: Path, values) -> MachinePolicy:
    return load_policy([_write(tmp_path, json.dumps(values))])


def test_no_policy_anywhere_is_the_normal_app(tmp_path):
    policy = load_policy([tmp_path / "absent.json"])
    assert policy == MachinePolicy() and not policy.in_effect and policy.fixed_items() == []


def test_the_example_file_is_read_whole(tmp_path):
    policy = load_policy([PACKAGING / "policy.example.json"])
    assert policy.problems == ()
    assert policy.sync_server_url == "https://sync.example-school.org"
    assert policy.require_sign_in and not policy.model_adding_enabled and policy.max_document_mb == 50
    assert len(policy.exam_windows) == 2 and policy.exam_windows[0].days == (0, 1, 2, 3, 4)
    assert len(policy.fixed_items()) == 6


def test_the_schema_lists_exactly_the_keys_the_loader_knows():
    schema = json.loads((PACKAGING / "policy.schema.json").read_text())
    assert schema["$schema"].endswith("2020-12/schema") and schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(KNOWN_KEYS)
    window = schema["properties"]["exam_mode"]["properties"]["windows"]["items"]
    assert set(window["properties"]) == {"days", "from", "to"}
    assert window["properties"]["days"]["items"]["enum"] == list(DAYS)
    booleans = {key for key, spec in schema["properties"].items() if spec.get("type") == "boolean"}
    assert {key for key in booleans if schema["properties"][key]["default"]} == {
        "tutor_enabled", "ai_cards_enabled", "model_adding_enabled", "document_import_enabled"}
    example = json.loads((PACKAGING / "policy.example.json").read_text())
    assert set(example) <= set(schema["properties"])
    for key, value in example.items():
        kind = schema["properties"][key]["type"]
        assert isinstance(value, {"string": str, "boolean": bool, "number": (int, float), "object": dict}[kind])


@pytest.mark.parametrize("text, said", [
    ("{\"tutor_enabled\": false,", "not valid JSON"),
    ("", "it is empty"),
    ("   \n", "it is empty"),
    (b"\xff\xfe{}", "not UTF-8"),
    ("[1, 2, 3]", "not hold a set of settings"),
    ("\"tutor_enabled\"", "not hold a set of settings"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("{\"max_document_mb\": 1" + "0" * 5000 + "}", "number far too long"),
])
def test_a_broken_file_gives_safe_defaults_and_a_message(tmp_path, caplog, text, said):
    with caplog.at_level(logging.WARNING):
        policy = load_policy([_write(tmp_path, text)])
    assert policy.in_effect and policy.tutor_enabled and policy.sync_server_url is None
    assert len(policy.problems) == 1 and said in policy.problems[0] and policy.unusable
    assert said in caplog.text and "could not be used" in policy.problem_summary()


def test_a_huge_file_is_not_read(tmp_path):
    path = _write(tmp_path, "{\"x\": \"" + "a" * (MAX_POLICY_BYTES + 10) + "\"}")
    policy = load_policy([path])
    assert "far too large" in policy.problems[0] and policy.document_import_enabled


def test_a_folder_in_place_of_the_file_is_named(tmp_path):
    folder = tmp_path / "policy.json"
    folder.mkdir()
    policy = load_policy([folder])
    assert "a folder, not a file" in policy.problems[0]


def _first_problem_as_nobody(path: Path) -> str:
    """load_policy's first problem, read by a child that dropped root: root may read every file."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(read_end)
            os.setgid(65534)
            os.setuid(65534)
            policy = load_policy([path])
            os.write(write_end, f"{policy.problems[0]}|{policy.tutor_enabled}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(child, 0)
    return answer


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX file modes")
def test_an_unreadable_file_is_named(tmp_path):
    path = _write(tmp_path, "{\"tutor_enabled\": false}")
    path.chmod(0)
    try:
        if os.geteuid() == 0:
            problem, tutor_enabled = _first_problem_as_nobody(path).split("|")
            tutor_enabled = tutor_enabled == "True"
        else:
            policy = load_policy([path])
            problem, tutor_enabled = policy.problems[0], policy.tutor_enabled
    finally:
        path.chmod(0o600)
    assert "not allowed to read it" in problem and tutor_enabled


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_a_file_that_fails_while_being_read_is_named():
    # /proc/self/mem opens but refuses to be read from its start: an I/O error, as a failing disk gives.
    policy = load_policy([Path("/proc/self/mem")])
    assert "it cannot be read" in policy.problems[0] and policy.tutor_enabled


def test_a_broken_first_place_is_not_replaced_by_a_later_one(tmp_path):
    broken = _write(tmp_path, "{oops")
    later = tmp_path / "later.json"
    later.write_text("{\"tutor_enabled\": false}")
    policy = load_policy([broken, later])
    assert policy.source == str(broken) and policy.tutor_enabled
    assert load_policy([tmp_path / "absent.json", later]).tutor_enabled is False


def test_hostile_values_are_left_out_key_by_key(tmp_path):
    policy = _policy(tmp_path, {
        "sync_server_url": "ftp://example.org", "max_document_mb": -5, "language_model_file": 12,
        "exam_mode": {"windows": [{"days": ["mon"], "from": "08:00", "to": "12:00"},
                                  {"days": ["someday"], "from": "08:00", "to": "09:00"},
                                  {"from": "25:00", "to": "26:00"}, {"from": "10:00", "to": "10:00"},
                                  "08:00-12:00"]},
        "tutor_enabled": "false", "ai_cards_enabled": 0, "require_sign_in": "yes", "colour": "pink",
        "document_import_enabled": True})
    assert policy.sync_server_url is None and policy.max_document_mb is None and policy.language_model_file is None
    # Switches fail closed: a school only writes them to restrict.
    assert not policy.tutor_enabled and not policy.ai_cards_enabled and policy.require_sign_in
    assert policy.document_import_enabled and policy.model_adding_enabled
    assert [(w.days, w.start, w.end) for w in policy.exam_windows] == [((0,), time(8), time(12))]
    text = "\n".join(policy.problems)
    for said in ("sync_server_url", "max_document_mb: should be a number of megabytes above 0, not -5",
                 "language_model_file", "window 2 has days", "window 3 has a time '25:00'",
                 "window 4 starts and ends at the same time", "window 5 should look like",
                 "tutor_enabled: should be true or false, not 'false', so to be safe it counts as false",
                 "“colour” is not a policy setting"):
        assert said in text
    assert len(policy.problems) == 8 and not policy.unusable
    assert policy.problem_summary().endswith("is ignored. The rest of it applies.")


@pytest.mark.parametrize("size", [0, float("inf"), True, "10", None, [5]])
def test_sizes_that_are_not_a_positive_number_are_ignored(tmp_path, size):
    policy = load_policy([_write(tmp_path, json.dumps({"max_document_mb": size}).replace("Infinity", "1e999"))])
    assert policy.max_document_mb is None and "max_document_mb" in policy.problems[0]


def test_exam_windows_cover_their_hours_run_past_midnight_and_chain():
    morning = ExamWindow((0,), time(8), time(12))
    follow_on = ExamWindow((0,), time(12), time(13, 30))
    night = ExamWindow((4,), time(22), time(2))
    policy = MachinePolicy(exam_windows=(morning, follow_on, night))
    monday = datetime(2026, 11, 30)  # a Monday
    assert policy.exam_ends_at(monday.replace(hour=9)) == monday.replace(hour=13, minute=30)
    assert policy.exam_ends_at(monday.replace(hour=13, minute=30)) is None
    assert policy.exam_ends_at(monday.replace(hour=7, minute=59)) is None
    assert policy.exam_ends_at(datetime(2026, 12, 1, 9)) is None  # Tuesday
    assert policy.exam_ends_at(datetime(2026, 12, 5, 1)) == datetime(2026, 12, 5, 2)  # Saturday 01:00
    assert "from Saturday at 02:00" in policy.tutor_refusal(datetime(2026, 12, 4, 23))
    assert "from 13:30" in policy.tutor_refusal(monday.replace(hour=8))


def test_managed_preferences_plist_is_read_like_the_json(tmp_path):
    import plistlib

    path = tmp_path / "org.studyteddy.desktop.plist"
    path.write_bytes(plistlib.dumps({"tutor_enabled": False, "max_document_mb": 20}))
    policy = load_policy([PlistSource(path)])
    assert not policy.tutor_enabled and policy.max_document_mb == 20 and policy.problems == ()
    path.write_bytes(b"not a plist")
    assert "not a readable property list" in load_policy([PlistSource(path)]).problems[0]


def test_the_standard_places_are_machine_wide_and_ignore_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("STUDYTEDDY_POLICY", str(tmp_path / "mine.json"))
    assert standard_sources("linux") == [JsonFileSource(Path("/etc/studyteddy/policy.json"))]
    mac = [source.describe() for source in standard_sources("darwin")]
    assert mac == ["/Library/Managed Preferences/org.studyteddy.desktop.plist",
                   "/Library/Application Support/StudyTeddy/policy.json"]
    monkeypatch.setenv("ProgramData", str(tmp_path))
    windows = [source.describe() for source in standard_sources("win32")]
    assert windows[0] == "HKLM\\Software\\Policies\\StudyTeddy" and str(tmp_path) not in windows[1]


def test_registry_values_become_the_json_form():
    from studyteddy_desktop.services.policy.machine_policy import policy_from_values
    from studyteddy_desktop.services.policy.policy_sources import _registry_value

    raw = {"tutor_enabled": (0, True), "require_sign_in": (1, True), "max_document_mb": (40, True),
           "ai_cards_enabled": (2, True), "sync_server_url": ("sync.example-school.org", False),
           "exam_mode": ('{"windows": [{"days": ["mon"], "from": "08:00", "to": "10:00"}]}', False)}
    policy = policy_from_values({name: _registry_value(name, value, dword) for name, (value, dword) in raw.items()},
                                source="HKLM\\Software\\Policies\\StudyTeddy")
    assert not policy.tutor_enabled and policy.require_sign_in and policy.max_document_mb == 40
    assert policy.sync_server_url == "https://sync.example-school.org" and len(policy.exam_windows) == 1
    # A DWORD of 2 is no switch: it fails closed and is named.
    assert not policy.ai_cards_enabled and policy.problems == (
        "ai_cards_enabled: should be true or false, not 2, so to be safe it counts as false",)
    broken = policy_from_values({"exam_mode": _registry_value("exam_mode", "{not json", False)}, source="reg")
    assert broken.exam_windows == () and "exam_mode: should be an object" in broken.problems[0]
