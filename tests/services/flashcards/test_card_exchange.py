"""Anki and CSV import/export: real packages, media, re-import without duplicates, and bad files."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.flashcards.anki_package import read_package
from studyteddy_desktop.services.flashcards.card_exchange import CardExchange
from studyteddy_desktop.services.flashcards.flashcard_service import FlashcardService
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.review_service import ReviewService
from tests.anki_samples import PNG, build_apkg
from tests.planner_support import SteppedClock
from tests.services.flashcards.real_anki import assert_real_anki_takes


@pytest.fixture()
def services(database, tmp_path):
    student = LocalStudent(database, zone=ZoneInfo("UTC"), clock=SteppedClock(datetime(2026, 3, 2, 9, tzinfo=UTC)))
    cache = ActivityCache(None)
    media = tmp_path / "media"
    return (FlashcardService(database, student, cache, media), ReviewService(database, student, cache),
            CardExchange(database, student, cache, media))


def _deck(flashcards, name):
    return next(deck for deck in flashcards.list_decks() if deck.name == name)


@pytest.mark.parametrize("member", ["collection.anki21", "collection.anki2"])
def test_anki_import_cleans_html_keeps_images_lists_cloze_and_is_idempotent(services, tmp_path, member):
    flashcards, reviews, exchange = services
    package = build_apkg(tmp_path / "bio.apkg", member=member,
                         revlog=[(1_767_225_600_000, 10, 3, 5000), (1_767_830_400_000, 10, 3, 4000)])
    report = exchange.import_file(package)
    assert (report.added, report.reviews_added, report.media_copied) == (3, 2, 1)
    assert report.skipped == ("note guidCloze03 (Cloze): cloze deletions are not supported yet",)
    cells = _deck(flashcards, "Cells")
    assert _deck(flashcards, "Biology").id == cells.parent_id
    by_front = {card.front: card for card in flashcards.cards(cells.id)}
    atp = by_front["What is **ATP**?"]
    assert atp.back == "Energy currency  \nof the cell" and atp.tags == ("cells", "energy")
    assert atp.state == "review" and atp.last_review_at == datetime(2026, 1, 8, tzinfo=UTC)
    replayed = reviews.replayed_state(atp.id)
    assert (replayed.due_at, replayed.stability) == (atp.due_at, pytest.approx(atp.stability))
    image = [card for front, card in by_front.items() if front.startswith("Powerhouse")][0]
    stored_name = image.front.split("(")[1].rstrip(")")
    assert (tmp_path / "media" / stored_name).read_bytes() == PNG
    assert by_front["Mitochondrion"].back == image.front
    again = exchange.import_file(package)
    assert (again.added, again.unchanged, again.reviews_added) == (0, 3, 0)
    assert len(flashcards.cards(cells.id)) == 3


def test_export_round_trips_through_apkg_and_csv(services, tmp_path):
    flashcards, _reviews, exchange = services
    exchange.import_file(build_apkg(tmp_path / "bio.apkg"))
    cells = _deck(flashcards, "Cells")
    with pytest.raises(InvalidInputError, match="no cards to export"):
        exchange.export_deck(flashcards.create_deck("Empty").id, tmp_path / "empty.apkg")
    exported = exchange.export_deck(cells.id, tmp_path / "out.apkg")
    assert (exported.added, exported.media_copied) == (3, 1)
    assert_real_anki_takes(tmp_path / "out.apkg", flashcards.cards(cells.id), "Cells")
    package = read_package(tmp_path / "out.apkg")
    assert {card.front_html for card in package.cards} >= {"What is <b>ATP</b>?", "Mitochondrion"}
    assert len(package.media) == 1 and not package.skipped
    exchange.export_deck(cells.id, tmp_path / "out.csv")
    header, *rows = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert header == "front,back,tags" and len(rows) >= 3
    report = exchange.import_file(tmp_path / "out.csv", deck_name="From CSV")
    assert report.added == 3 and exchange.import_file(tmp_path / "out.csv", deck_name="From CSV").added == 0


def test_csv_import_with_header_semicolons_and_tags(services, tmp_path):
    flashcards, _reviews, exchange = services
    source = tmp_path / "French words.csv"
    source.write_text("front;back;tags\nchat;cat;animals\nchien;dog;animals pets\n", encoding="utf-8")
    assert exchange.import_file(source).added == 2
    deck = _deck(flashcards, "French words")
    assert {card.front: card.tags for card in flashcards.cards(deck.id)} == {"chat": ("animals",),
                                                                            "chien": ("animals", "pets")}


def _bad(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _zip(tmp_path, name, members: dict[str, bytes]):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as package:
        for member, data in members.items():
            package.writestr(member, data)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda tmp: _bad(tmp, "notes.apkg", b"just some text"), "not a zip file"),
    (lambda tmp: _zip(tmp, "empty.apkg", {"readme.txt": b"hi"}), "holds no Anki collection"),
    (lambda tmp: _zip(tmp, "new.apkg", {"collection.anki21b": b"\x28\xb5\x2f\xfd", "collection.anki2": b"x",
                                        "meta": b"\x08\x03"}), "new.apkg is damaged"),
    (lambda tmp: _zip(tmp, "future.apkg", {"collection.anki21b": b"\x28\xb5\x2f\xfd", "collection.anki2": b"x",
                                           "meta": b"\x08\x07"}), "Support older Anki versions"),
    (lambda tmp: _zip(tmp, "broken.apkg", {"collection.anki21": b"SQLite format 3\x00" + b"\x00" * 90}),
     "damaged"),
    (lambda tmp: _bad(tmp, "ragged.csv", b"a,b\nc\nd,e,f,g\n"), "line 2 has 1 column; line 3 has 4 columns"),
    (lambda tmp: _bad(tmp, "latin.csv", "caf\xe9,coffee\n".encode("latin-1")), "not UTF-8"),
])
def test_bad_files_are_refused_clearly_and_nothing_is_imported(services, tmp_path, make, message):
    flashcards, _reviews, exchange = services
    before = {deck.name for deck in flashcards.list_decks()}
    with pytest.raises(InvalidInputError, match=message):
        exchange.import_file(make(tmp_path))
    assert {deck.name for deck in flashcards.list_decks()} == before


def test_a_failure_midway_leaves_no_half_import(services, tmp_path):
    flashcards, _reviews, exchange = services
    notes = [(1, "ok", 1001, "", ["Fine", "Yes"]), (2, "long", 1001, "", ["x" * 30_000, "too long"])]
    path = build_apkg(tmp_path / "mixed.apkg", notes=notes, deck_name="Mixed")
    report = exchange.import_file(path)
    assert report.added == 1 and "longer than" in report.skipped[0]
    broken = tmp_path / "broken-deck.apkg"
    collection = tmp_path / "c.sqlite"
    with zipfile.ZipFile(path) as package:
        collection.write_bytes(package.read("collection.anki21"))
    connection = sqlite3.connect(collection)
    # The second deck's name is refused only after the first deck's cards were written.
    decks = {"2001": {"id": 2001, "name": "Mixed"}, "2002": {"id": 2002, "name": "x" * 300}}
    connection.execute("UPDATE col SET decks = ?", (json.dumps(decks),))
    connection.execute("UPDATE notes SET guid = 'other' || guid, flds = 'Short\x1fback' WHERE id = 2")
    connection.execute("UPDATE cards SET did = 2002 WHERE nid = 2")
    connection.execute("UPDATE notes SET guid = 'fresh' WHERE id = 1")
    connection.commit()
    connection.close()
    with zipfile.ZipFile(broken, "w") as package:
        package.write(collection, "collection.anki21")
    mixed = next(deck for deck in flashcards.list_decks() if deck.name == "Mixed")
    with pytest.raises(InvalidInputError, match="at most 200"):
        exchange.import_file(broken)
    assert [card.front for card in flashcards.cards(mixed.id)] == ["Fine"]


def test_a_deleted_card_comes_back_with_the_files_content_when_imported_again(services, tmp_path):
    flashcards, _reviews, exchange = services
    source = tmp_path / "French words.csv"
    source.write_text("front;back\nchat;cat\nchien;dog\n", encoding="utf-8")
    exchange.import_file(source)
    deck = _deck(flashcards, "French words")
    chat = next(card for card in flashcards.cards(deck.id) if card.front == "chat")
    flashcards.delete_cards([chat.id])
    source.write_text("front;back\nchat;a cat\nchien;dog\n", encoding="utf-8")
    report = exchange.import_file(source)
    # The same card, not a copy: it keeps its schedule and review history.
    by_front = {card.front: (card.id, card.back) for card in flashcards.cards(deck.id)}
    assert by_front.get("chat") == (chat.id, "a cat")
    assert len(flashcards.cards(deck.id)) == 2
    assert (report.added, report.restored, report.updated, report.unchanged) == (0, 1, 0, 1)
    again = exchange.import_file(source)
    assert (again.added, again.restored, again.updated, again.unchanged) == (0, 0, 0, 2)
