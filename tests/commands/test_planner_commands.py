"""`studyteddy tasks|calendar|stats` against the real services: output, JSON and one-line errors."""

from __future__ import annotations

import json
import uuid

import pytest

from studyteddy_desktop.cli import main


@pytest.fixture()
def run(session_runtime, session_data_dir, capsys):
    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(session_data_dir), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return invoke


def test_tasks_add_list_done_and_stats(run, tmp_path):
    title = f"CLI essay {uuid.uuid4().hex[:6]}"
    code, out, _err = run("tasks", "add", title, "--subject", "History", "--due", "2030-05-01T14:30",
                          "--priority", "high", "--estimate", "45")
    assert code == 0 and out.startswith("Added ") and "2030-05-01 14:30" in out
    short_id = out.split()[1]
    code, out, _err = run("tasks", "list", "--json", "--subject", "history", "--open")
    listed = [task for task in json.loads(out)["tasks"] if task["title"] == title]
    assert code == 0 and len(listed) == 1
    assert (listed[0]["priority"], listed[0]["estimated_minutes"], listed[0]["status"]) == ("high", 45, "open")
    assert listed[0]["id"].startswith(short_id)
    code, out, _err = run("tasks", "done", short_id)
    assert code == 0 and title in out
    code, out, _err = run("tasks", "list", "--open")
    assert title not in out
    code, out, _err = run("stats", "--json")
    figures = json.loads(out)
    assert code == 0 and figures["completed_this_week"] >= 1 and "streak_days" in figures
    export = tmp_path / "planner.ics"
    code, out, _err = run("calendar", "export", str(export))
    assert code == 0 and title in export.read_text()
    code, out, _err = run("calendar", "import", str(export))
    assert code == 0 and "0 task(s) added" in out


@pytest.mark.parametrize("args, message", [
    (("tasks", "add", "X", "--due", "next tuesday"), "Cannot read the due date 'next tuesday'"),
    (("tasks", "add", "X", "--due", "2026-02-30"), "Cannot read the due date"),
    (("tasks", "add", "X", "--estimate", "-5"), "cannot be negative"),
    (("tasks", "add", "X", "--estimate", "99999"), "too big"),
    (("tasks", "add", "X", "--estimate", "lots"), "not a whole number"),
    (("tasks", "add", "X", "--priority", "asap"), "Unknown priority"),
    (("tasks", "add", "   "), "needs a title"),
    (("tasks", "done", "zz"), "is not a task id"),
    (("tasks", "done", "ffffffff-fff"), "No task has an id"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(run, args, message):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err.startswith("studyteddy: ") and message in err and err.count("\n") == 1


def test_importing_a_file_that_is_not_icalendar(run, tmp_path):
    bogus = tmp_path / "notes.ics"
    bogus.write_text("Dear diary, today I studied.")
    code, _out, err = run("calendar", "import", str(bogus))
    assert code == 2 and "not an iCalendar" in err
    code, _out, err = run("calendar", "import", str(tmp_path / "missing.ics"))
    assert code == 2 and "no file" in err
