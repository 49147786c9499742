"""`studyteddy cards import|export|decks` as a student runs them in a terminal."""

from __future__ import annotations

import json
import subprocess
import sys

from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.flashcard_service import FlashcardService
from tests.anki_samples import build_apkg


def studyteddy(data_dir, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "studyteddy_desktop", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=timeout)


def test_import_list_export_and_refuse(session_runtime, session_data_dir, tmp_path):
    package = build_apkg(tmp_path / "cli deck.apkg", deck_name="CLI Biology::CLI Cells")
    imported = studyteddy(session_data_dir, "cards", "import", str(package))
    assert imported.returncode == 0, imported.stderr
    assert "3 new" in imported.stdout and "cloze deletions are not supported" in imported.stdout
    again = studyteddy(session_data_dir, "cards", "import", str(package))
    assert "0 new" in again.stdout and "3 already there" in again.stdout

    listed = studyteddy(session_data_dir, "cards", "decks", "--json")
    assert listed.returncode == 0, listed.stderr
    cells = next(deck for deck in json.loads(listed.stdout) if deck["path"] == "CLI Biology::CLI Cells")
    assert (cells["cards"], cells["new_due"], cells["due"]) == (3, 3, 3)
    plain = studyteddy(session_data_dir, "cards", "decks")
    assert "CLI Biology::CLI Cells: 3 cards, 3 due (3 new, 0 reviews)" in plain.stdout

    exported = studyteddy(session_data_dir, "cards", "export", "CLI Cells", str(tmp_path / "out.csv"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("front,back,tags")

    missing = studyteddy(session_data_dir, "cards", "export", "No such deck", str(tmp_path / "x.apkg"))
    assert missing.returncode == 2 and "studyteddy: No deck is called “No such deck”" in missing.stderr
    (tmp_path / "bad.apkg").write_text("not a zip")
    bad = studyteddy(session_data_dir, "cards", "import", str(tmp_path / "bad.apkg"))
    assert bad.returncode == 2 and "not a zip file" in bad.stderr


def test_import_again_reports_the_cards_it_restored(session_runtime, session_data_dir, committing_database, tmp_path):
    package = build_apkg(tmp_path / "restore deck.apkg", deck_name="CLI Restore")
    assert studyteddy(session_data_dir, "cards", "import", str(package)).returncode == 0
    flashcards = FlashcardService(committing_database, LocalStudent(committing_database), ActivityCache(None),
                                  tmp_path / "media")
    deck = next(deck for deck in flashcards.list_decks() if deck.name == "CLI Restore")
    flashcards.delete_cards([flashcards.cards(deck.id)[0].id])
    again = studyteddy(session_data_dir, "cards", "import", str(package))
    assert again.returncode == 0, again.stderr
    assert "0 new, 1 restored, 0 updated, 2 already there" in again.stdout
    assert len(flashcards.cards(deck.id)) == 3
