"""Our .apkg against the real Anki (the `anki` package): Anki imports our exports, we import Anki's."""

from __future__ import annotations

import random
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.flashcard_dto import CardDraft, CardDTO
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.anki_export import write_package
from studyteddy_desktop.services.flashcards.card_exchange import CardExchange
from studyteddy_desktop.services.flashcards.flashcard_service import FlashcardService
from tests.anki_samples import PNG, build_apkg
from tests.services.flashcards.real_anki import assert_real_anki_takes, stored_by_anki


@pytest.fixture()
def services(database, tmp_path):
    # Real time: Anki stamps its own reviews with the machine's clock.
    student = LocalStudent(database, zone=ZoneInfo("UTC"))
    cache = ActivityCache(None)
    media = tmp_path / "media"
    return FlashcardService(database, student, cache, media), CardExchange(database, student, cache, media)


@pytest.mark.parametrize("with_scheduling", [True, False])
def test_real_anki_imports_our_export_with_its_cards_media_and_suspension(services, tmp_path, with_scheduling):
    flashcards, exchange = services
    exchange.import_file(build_apkg(tmp_path / "bio.apkg"))
    cells = next(deck for deck in flashcards.list_decks() if deck.name == "Cells")
    extra = flashcards.add_card(cells.id, CardDraft("Größe & <Maß> *kursiv*", "Zeile 1\nZeile 2", ("de",)))
    flashcards.set_suspended([extra.id])
    cards = flashcards.cards(cells.id)
    assert exchange.export_deck(cells.id, tmp_path / "out.apkg").media_copied == 1
    found = assert_real_anki_takes(tmp_path / "out.apkg", cards, "Cells", with_scheduling=with_scheduling)
    assert PNG in next(iter(found.values()))["media"].values()


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("*_\n<>&\"'"),
                min_size=1, max_size=40).filter(lambda text: text.strip())
_TAG = st.text(st.characters(min_codepoint=0x30, max_codepoint=0x17f, exclude_categories=("Zs",)),
               min_size=1, max_size=8).filter(lambda tag: "::" not in tag)


@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(sides=st.lists(st.tuples(_TEXT, _TEXT, st.lists(_TAG, max_size=3, unique=True), st.booleans()),
                      min_size=1, max_size=6, unique_by=lambda side: stored_by_anki(side[0])))
def test_real_anki_takes_every_export(sides):
    now = datetime.now(UTC)
    cards = [CardDTO(id=uuid.uuid4(), deck_id=uuid.uuid4(), front=front, back=back, tags=tuple(tags), state="new",
                     due_at=now, suspended=suspended, needs_review_flag=False, stability=None, difficulty=None,
                     last_review_at=None, created_at=now) for front, back, tags, suspended in sides]
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        package = Path(folder) / "deck.apkg"
        write_package(package, "Generated", cards, Path(folder))
        assert_real_anki_takes(package, cards, "Generated")


def anki_made_package(folder: Path, *, legacy: bool, whole_collection: bool, extra_notes: int = 0) -> Path:
    """A package the real Anki exports: a reviewed card, a suspended one, a reversed note, an image, a cloze."""
    collection = Collection(str(folder / "anki-made.anki2"))
    try:
        image = folder / "cell.png"
        image.write_bytes(PNG)
        image_name = collection.media.add_file(str(image))
        deck_id = collection.decks.id("Anki Made::Chapter 1")
        basic = collection.models.by_name("Basic")
        reversed_type = collection.models.by_name("Basic (and reversed card)")
        for front, back, note_type, tags in [("Q <b>1</b>", f'A <img src="{image_name}">', basic, ["anki", "x"]),
                                             ("Mito", "Power", reversed_type, []),
                                             ("Reviewed", "Once", basic, []), ("Suspended", "Paused", basic, [])]:
            note = collection.new_note(note_type)
            note["Front"], note["Back"], note.tags = front, back, tags
            collection.add_note(note, deck_id)
        cloze = collection.new_note(collection.models.by_name("Cloze"))
        cloze["Text"] = "{{c1::Ribosomes}} make proteins"
        collection.add_note(cloze, deck_id)
        words = random.Random(7).choices(["cell", "membrane", "nucleus", "Zelle", "kern", "ATP", "Mitose"], k=4000)
        for index in range(extra_notes):
            note = collection.new_note(basic)
            note["Front"] = f"Extra {index}: " + " ".join(words[index % 3000:index % 3000 + 12])
            note["Back"] = " ".join(words[index % 2000:index % 2000 + 30])
            collection.add_note(note, deck_id)
        reviewed = collection.get_card(collection.find_cards('"Front:Reviewed"')[0])
        reviewed.start_timer()
        collection.sched.answerCard(reviewed, 3)
        collection.sched.suspend_cards(collection.find_cards('"Front:Suspended"'))
        if whole_collection:
            target = folder / "anki-made.colpkg"
            collection.export_collection_package(str(target), include_media=True, legacy=legacy)
        else:
            target = folder / "anki-made.apkg"
            collection.export_anki_package(out_path=str(target), limit=None, options=ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True, with_media=True, legacy=legacy))
    finally:
        collection.close()
    return target


@pytest.mark.parametrize("legacy, whole_collection", [(True, False), (False, False), (True, True), (False, True)],
                         ids=["legacy apkg", "current apkg", "legacy colpkg", "current colpkg"])
def test_packages_real_anki_exported_arrive_with_reviews_suspension_and_images(services, tmp_path, legacy,
                                                                               whole_collection):
    flashcards, exchange = services
    package = anki_made_package(tmp_path, legacy=legacy, whole_collection=whole_collection)
    assert ("collection.anki21" if legacy else "collection.anki21b") in zipfile.ZipFile(package).namelist()
    report = exchange.import_file(package)
    assert (report.added, report.reviews_added, report.media_copied) == (5, 1, 1)
    assert len(report.skipped) == 1 and "cloze deletions are not supported" in report.skipped[0]
    chapter = next(deck for deck in flashcards.list_decks() if deck.name == "Chapter 1")
    assert next(deck for deck in flashcards.list_decks() if deck.name == "Anki Made").id == chapter.parent_id
    by_front = {card.front: card for card in flashcards.cards(chapter.id)}
    assert set(by_front) == {"Q **1**", "Mito", "Power", "Reviewed", "Suspended"}
    assert by_front["Mito"].back == "Power" and by_front["Power"].back == "Mito"
    assert by_front["Q **1**"].tags == ("anki", "x") and by_front["Q **1**"].back.startswith("A ![")
    stored_image = by_front["Q **1**"].back.split("(")[1].rstrip(")")
    assert (tmp_path / "media" / stored_image).read_bytes() == PNG
    assert by_front["Reviewed"].state != "new" and by_front["Reviewed"].last_review_at is not None
    assert by_front["Suspended"].suspended and not by_front["Mito"].suspended
    again = exchange.import_file(package)
    assert (again.added, again.unchanged, again.reviews_added) == (0, 5, 0)


def test_a_large_current_format_package_arrives_whole(services, tmp_path):
    flashcards, exchange = services
    # Enough notes that the collection spans many compressed blocks with their own Huffman and FSE tables.
    package = anki_made_package(tmp_path, legacy=False, whole_collection=False, extra_notes=1500)
    assert exchange.import_file(package).added == 1505
    chapter = next(deck for deck in flashcards.list_decks() if deck.name == "Chapter 1")
    fronts = {card.front for card in flashcards.cards(chapter.id)}
    assert {f"Extra {index}" for index in range(1500)} == {front.split(":")[0] for front in fronts
                                                          if front.startswith("Extra")}


def _with_member(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as changed:
        for name in original.namelist():
            changed.writestr(name, replace.get(name, original.read(name)))
    return target


@pytest.mark.parametrize("replace, message", [
    ({"meta": b"\x08\x04"}, "newer Anki package format"),
    ({"collection.anki21b": b"\x28\xb5\x2f\xfd\x00\x58"}, "damaged"),
    ({"media": b"\x28\xb5\x2f\xfd\x00\x58\x11\x00\x00\xff\xff"}, "media list .* is damaged"),
])
def test_damaged_or_future_current_format_packages_are_refused_clearly(services, tmp_path, replace, message):
    flashcards, exchange = services
    package = anki_made_package(tmp_path, legacy=False, whole_collection=False)
    before = {deck.name for deck in flashcards.list_decks()}
    with pytest.raises(InvalidInputError, match=message):
        exchange.import_file(_with_member(package, tmp_path / "changed.apkg", replace))
    assert {deck.name for deck in flashcards.list_decks()} == before
