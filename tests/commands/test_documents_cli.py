"""`studyteddy import`, `search` and `documents` as a student runs them in a terminal."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.document_samples import BIOLOGY_PAGES, png_renamed_pdf, text_pdf


def studyteddy(data_dir, *args, timeout=240):
    return subprocess.run([sys.executable, "-m", "studyteddy_desktop", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def imported(session_runtime, session_data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("to import")
    text_pdf(folder / "photosynthesis notes.pdf", BIOLOGY_PAGES)
    (folder / "nested").mkdir()
    (folder / "nested" / "glossary.md").write_text("# Glossary\n\nOsmosis: water crossing a membrane.\n")
    png_renamed_pdf(folder / "holiday.pdf", folder)
    (folder / ".hidden.txt").write_text("secret")
    result = studyteddy(session_data_dir, "import", str(folder), "--subject", "Biology")
    result.folder = folder
    return result


def test_import_reports_one_line_per_file_and_fails_when_one_failed(imported):
    assert imported.returncode == 1, imported.stderr
    lines = [line for line in imported.stdout.splitlines() if line.startswith(("✓", "✗"))]
    assert len(lines) == 3, imported.stdout
    assert any(line.startswith("✓") and "photosynthesis notes.pdf: ready: 3 pages" in line for line in lines)
    assert any(line.startswith("✓") and "glossary.md: ready" in line for line in lines)
    assert any(line.startswith("✗") and "holiday.pdf" in line and "PNG image" in line for line in lines)
    assert "0% photosynthesis notes.pdf" in imported.stdout and "100% photosynthesis notes.pdf" in imported.stdout


def test_importing_again_says_already_imported(imported, session_data_dir, tmp_path):
    copy = tmp_path / "same bytes.pdf"
    copy.write_bytes((imported.folder / "photosynthesis notes.pdf").read_bytes())
    result = studyteddy(session_data_dir, "import", str(copy))
    assert result.returncode == 0, result.stderr
    assert "already imported" in result.stdout


def test_search_prints_ranked_hits_with_page_and_json(imported, session_data_dir):
    result = studyteddy(session_data_dir, "search", "Where does the Krebs cycle run?", "--limit", "3", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["document"] == "photosynthesis notes" and hits[0]["page"] == 3
    plain = studyteddy(session_data_dir, "search", "osmosis", "--doc", "glossary")
    assert plain.returncode == 0 and plain.stdout.startswith(" 1. glossary")


def test_search_for_an_unknown_document_or_an_empty_query_is_a_clear_error(imported, session_data_dir):
    unknown = studyteddy(session_data_dir, "search", "cells", "--doc", "no such thing")
    assert unknown.returncode == 2 and "No document is called" in unknown.stderr
    empty = studyteddy(session_data_dir, "search", "   ")
    assert empty.returncode == 2 and "Type something" in empty.stderr
    assert "Traceback" not in unknown.stderr + empty.stderr


def test_documents_lists_states_and_json(imported, session_data_dir):
    result = studyteddy(session_data_dir, "documents", "--json")
    rows = {row["title"]: row for row in json.loads(result.stdout)}
    assert rows["photosynthesis notes"]["status"] == "ready" and rows["photosynthesis notes"]["pages"] == 3


def test_import_of_nothing_importable_exits_2(session_runtime, session_data_dir, tmp_path):
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = studyteddy(session_data_dir, "import", str(tmp_path))
    assert result.returncode == 2 and "no importable files" in result.stderr


def _locked_pdf(tmp_path, password: str):
    # Unique text per test: the library refuses a second copy of the same bytes as a duplicate.
    pages = [*BIOLOGY_PAGES, f"Checksum page {tmp_path.name}."]
    return text_pdf(tmp_path / "locked.pdf", pages, user_password=password)


def test_a_protected_pdf_imports_with_the_password_from_a_file_or_stdin(session_runtime, session_data_dir,
                                                                        tmp_path):
    (tmp_path / "password.txt").write_text("pw-4711\n")
    from_file = studyteddy(session_data_dir, "import", str(_locked_pdf(tmp_path, "pw-4711")),
                           "--password-file", str(tmp_path / "password.txt"))
    assert from_file.returncode == 0, from_file.stdout + from_file.stderr
    assert "locked.pdf: ready: 4 pages" in from_file.stdout

    other = tmp_path / "other"
    other.mkdir()
    from_stdin = subprocess.run([sys.executable, "-m", "studyteddy_desktop", "--data-dir", str(session_data_dir),
                                 "import", str(_locked_pdf(other, "s3cret")), "--password-file", "-"],
                                input="s3cret\n", capture_output=True, text=True, timeout=240)
    assert from_stdin.returncode == 0, from_stdin.stdout + from_stdin.stderr
    assert "locked.pdf: ready" in from_stdin.stdout


def test_a_missing_or_empty_password_file_is_a_clear_error_and_imports_nothing(session_runtime, session_data_dir,
                                                                               tmp_path):
    (tmp_path / "empty.txt").write_text("")
    pdf = str(_locked_pdf(tmp_path, "pw"))
    empty = studyteddy(session_data_dir, "import", pdf, "--password-file", str(tmp_path / "empty.txt"))
    missing = studyteddy(session_data_dir, "import", pdf, "--password-file", str(tmp_path / "nowhere.txt"))
    assert empty.returncode == 2 and "is empty" in empty.stderr
    assert missing.returncode == 2 and "could not be read" in missing.stderr
    assert "Traceback" not in empty.stderr + missing.stderr
    listing = studyteddy(session_data_dir, "documents", "--json")
    assert not any(row["title"] == "locked" and row["status"] == "queued" for row in json.loads(listing.stdout))


def test_the_password_option_warns_that_it_is_visible_to_other_accounts(session_runtime, session_data_dir,
                                                                        tmp_path):
    result = studyteddy(session_data_dir, "import", str(_locked_pdf(tmp_path, "pw")), "--password", "pw")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--password-file" in result.stderr
