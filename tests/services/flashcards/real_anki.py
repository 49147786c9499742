"""Imports a package with the real Anki's own importer (the `anki` package) and says what arrived."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

from anki import collection as anki_collection

from studyteddy_desktop.domain.flashcard_dto import CardDTO
from studyteddy_desktop.services.flashcards.card_markup import markdown_to_html


def cards_in_real_anki(package: Path, *, with_scheduling: bool = True) -> dict[str, dict]:
    """Import the package with Anki's own importer into a fresh collection; each card by its note's front."""
    with tempfile.TemporaryDirectory(prefix="real-anki-") as folder:
        collection = anki_collection.Collection(str(Path(folder) / "collection.anki2"))
        try:
            collection.import_anki_package(anki_collection.ImportAnkiPackageRequest(
                package_path=str(package),
                options=anki_collection.ImportAnkiPackageOptions(with_scheduling=with_scheduling,
                                                                 with_deck_configs=with_scheduling)))
            media_dir = Path(collection.media.dir())
            found = {}
            for card_id in collection.find_cards(""):
                card = collection.get_card(card_id)
                note = card.note()
                found[note["Front"]] = {
                    "back": note["Back"], "deck": collection.decks.name(card.did), "tags": sorted(note.tags),
                    "suspended": card.queue == -1, "question": card.question(), "answer": card.answer(),
                    "media": {path.name: path.read_bytes() for path in media_dir.iterdir() if path.is_file()}}
            return found
        finally:
            collection.close()


def stored_by_anki(markdown: str) -> str:
    # Anki keeps note text in Unicode NFC, whatever the package holds.
    return unicodedata.normalize("NFC", markdown_to_html(markdown))


def assert_real_anki_takes(package: Path, cards: list[CardDTO], deck_name: str, *,
                           with_scheduling: bool = True) -> dict[str, dict]:
    found = cards_in_real_anki(package, with_scheduling=with_scheduling)
    assert set(found) == {stored_by_anki(card.front) for card in cards}
    for card in cards:
        arrived = found[stored_by_anki(card.front)]
        assert arrived["back"] == stored_by_anki(card.back)
        assert arrived["deck"] == deck_name and arrived["tags"] == sorted(card.tags)
        assert stored_by_anki(card.front) in arrived["question"]
        assert stored_by_anki(card.back) in arrived["answer"]
        if with_scheduling:
            assert arrived["suspended"] == card.suspended
    return found
