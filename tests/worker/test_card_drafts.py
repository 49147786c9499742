"""AI-made cards through the real worker and model: drafting, accepting with provenance, changed re-imports."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.models import DocumentChunk, Flashcard
from studyteddy_desktop.domain.card_draft_dto import PASSAGE_ORIGIN, DraftedCard, text_fingerprint
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.services.app_services import AppServices
from tests.job_support import delete_when_idle
from tests.worker_support import session_worker

# Unique words (the session database is shared): "brakvolt" and "quillomere" appear nowhere else.
_PARAGRAPHS = [
    ("The brakvolt turbine spins when steam from the quillomere boiler pushes its blades. Each blade is "
    "forged from nickel alloy so it survives temperatures above nine hundred degrees. Engineers inspect "
    "the blades every spring because cracks grow slowly and are invisible at first. The turbine drives "
    "a generator that feeds the town grid with forty megawatts at its peak. Cooling water comes from the "
    "river and returns to it two degrees warmer. The plant opened in nineteen seventy two."),
    ("The quillomere boiler burns wood pellets made from sawmill waste. A conveyor feeds the pellets into "
    "the furnace at a steady rate that the operators set from the control room. Ash falls through a grate "
    "and is collected for use as a garden fertiliser. Flue gas passes a filter that removes fine dust "
    "before it leaves the chimney. The boiler reaches full pressure about forty minutes after a cold start."),
    ("The control room of the brakvolt plant has three desks facing a wall of screens. One operator watches "
    "the boiler, one watches the turbine and the grid, and a supervisor signs every change to the settings. "
    "Shifts last eight hours and overlap by a quarter of an hour so that the handover is never rushed. "
    "Every alarm is written into a paper logbook as well as the computer, because the logbook survives a "
    "power cut. Visitors may watch from a glass gallery above the desks but may not enter the room."),
    ("Safety drills at the quillomere boiler happen four times a year. The whole crew leaves the building "
    "through marked exits and gathers at the car park, where the supervisor counts everyone by name. "
    "Fire doors close by themselves when the alarm sounds. Breathing sets hang beside every stairway and "
    "are checked each month. New staff shadow an experienced operator for six weeks before they work alone."),
    ("Brakvolt maintenance follows a strict calendar kept by the chief engineer. Bearings are greased every "
    "week and replaced every three years. Vibration sensors alert the night shift when a bearing begins "
    "to wear. The oil in the gearbox is sampled monthly and sent to a laboratory for analysis. A spare "
    "rotor is stored in the warehouse so a failure never stops the plant for long."),
]


def _notes(paragraphs: list[str]) -> str:
    return "# Brakvolt plant notes\n\n" + "\n\n".join(paragraphs) + "\n"


def _wait_ready(services: AppServices, document_id: uuid.UUID) -> None:
    deadline = time.monotonic() + 240
    while (status := services.documents.get(document_id).status) != "ready":
        assert status not in {"failed", "no_text", "cancelled"} and time.monotonic() < deadline, status
        time.sleep(0.1)


def _wait_drafts(services: AppServices, job_id: uuid.UUID):
    deadline = time.monotonic() + 600  # the model shares two cores with everything else
    while not (drafts := services.card_drafts.drafts(job_id)).finished:
        assert time.monotonic() < deadline, drafts
        time.sleep(0.2)
    return drafts


def _chunks(services: AppServices, document_id: uuid.UUID) -> list:
    with services.database.unit_of_work() as session:
        return list(session.execute(sa.select(DocumentChunk.id, DocumentChunk.text, DocumentChunk.page_start,
                                              DocumentChunk.char_start, DocumentChunk.char_end)
                                    .where(DocumentChunk.document_id == document_id)
                                    .order_by(DocumentChunk.ordinal)))


@pytest.fixture(scope="module")
def world(endpoints: RuntimeEndpoints, tmp_path_factory) -> Iterator[tuple[AppServices, uuid.UUID, object]]:
    services = open_services(endpoints)
    worker = session_worker(endpoints)
    worker.ensure_running()
    folder = tmp_path_factory.mktemp("cards")
    notes = folder / "brakvolt plant notes.md"
    notes.write_text(_notes(_PARAGRAPHS), encoding="utf-8")
    document_id = services.documents.import_file(notes).document.id
    _wait_ready(services, document_id)
    yield services, document_id, notes
    delete_when_idle(services, notes.name, deck_prefix="Brakvolt")
    worker.stop()
    services.close()


def test_a_document_gives_parseable_drafts_linked_to_its_passages(world):
    services, document_id, _notes_path = world
    job_id = services.card_drafts.request(document_id, count=3)
    result = _wait_drafts(services, job_id)
    assert result.state == "done", result.error
    assert result.document_title == "brakvolt plant notes"
    assert 1 <= len(result.drafts) <= 3
    chunks = {chunk.id: chunk for chunk in _chunks(services, document_id)}
    for draft in result.drafts:
        assert draft.front.strip() and draft.back.strip() and draft.front.casefold() != draft.back.casefold()
        assert draft.document_id == document_id and draft.chunk_id in chunks
        assert draft.quote and draft.quote[:40] in " ".join(chunks[draft.chunk_id].text.split())
    assert len({draft.front.casefold() for draft in result.drafts}) == len(result.drafts)


def test_a_selected_passage_drafts_only_from_the_passages_it_touches(world):
    services, document_id, _notes_path = world
    chunks = _chunks(services, document_id)
    assert len(chunks) >= 2, "the notes must span several passages for this test to mean anything"
    last = chunks[-1]
    job_id = services.card_drafts.request(document_id, char_start=last.char_end - 120, char_end=last.char_end,
                                          count=2)
    result = _wait_drafts(services, job_id)
    assert result.state == "done", result.error
    touching = {chunk.id for chunk in chunks if chunk.char_end > last.char_end - 120}
    assert result.drafts and all(draft.chunk_id in touching for draft in result.drafts)
    assert all("spare rotor" in draft.quote or "laboratory" in draft.quote for draft in result.drafts)


def test_a_finished_drafting_job_always_has_drafts_and_says_whose_words_they_are(world):
    """Whatever the model writes on this CPU: drafts come back, and those built from the passage's own
    sentences say so and answer with the passage's own words."""
    services, document_id, _notes_path = world
    chunks = _chunks(services, document_id)
    for chunk in (chunks[0], chunks[len(chunks) // 2]):
        job_id = services.card_drafts.request(document_id, char_start=chunk.char_start,
                                              char_end=chunk.char_start + 160, count=2)
        result = _wait_drafts(services, job_id)
        assert result.state == "done", result.error
        assert 1 <= len(result.drafts) <= 2
        start, end = chunk.char_start, chunk.char_start + 160
        touching = [other for other in chunks if other.char_end > start and other.char_start < end]
        passage_words = set(re.findall(r"\w+", " ".join(other.text for other in touching).casefold()))
        for draft in result.drafts:
            assert draft.chunk_id in {other.id for other in touching} and draft.front.strip() and draft.back.strip()
            if draft.from_passage:
                assert "own sentences" in result.notice
                assert set(re.findall(r"\w+", draft.back.casefold())) <= passage_words, draft


def test_cards_worded_from_the_passage_are_tagged_apart_from_ai_made_ones(world):
    services, document_id, _notes_path = world
    first = _chunks(services, document_id)[0]
    worded = DraftedCard("Fill in the blank: The brakvolt _____ spins.", "turbine", document_id, first.id,
                         first.page_start, first.text[:80], origin=PASSAGE_ORIGIN)
    asked = DraftedCard("What spins?", "The brakvolt turbine.", document_id, first.id, first.page_start,
                        first.text[:80])
    from_passage, from_model = services.card_drafts.accept([worded, asked], new_deck_name="Brakvolt origins")
    assert "from-passage" in from_passage.tags and "ai-made" not in from_passage.tags
    assert "ai-made" in from_model.tags and "from-passage" not in from_model.tags


def test_bad_requests_are_refused_with_a_reason(world):
    services, document_id, _notes_path = world
    with pytest.raises(InvalidInputError, match="Choose at least one"):
        services.card_drafts.accept([], new_deck_name="Brakvolt empty")
    job_id = services.card_drafts.request(document_id, char_start=50, char_end=50)
    result = _wait_drafts(services, job_id)
    assert result.state == "failed" and "Select some text" in (result.error or "")


def test_accepting_keeps_provenance_and_a_changed_reimport_flags_only_changed_cards(world, tmp_path):
    services, document_id, notes = world
    chunks = _chunks(services, document_id)
    first, last = chunks[0], chunks[-1]
    drafts = [DraftedCard("What spins the brakvolt turbine?", "Steam from the quillomere boiler.", document_id,
                          first.id, first.page_start, first.text[:80]),
              DraftedCard("What warns of brakvolt bearing wear?", "Vibration sensors.", document_id,
                          last.id, last.page_start, last.text[:80])]
    kept, changed = services.card_drafts.accept(drafts, new_deck_name="Brakvolt provenance")
    with services.database.unit_of_work() as session:
        rows = {row.id: row for row in session.scalars(sa.select(Flashcard).where(
            Flashcard.id.in_([kept.id, changed.id])))}
    assert rows[kept.id].source_chunk_id == first.id and rows[kept.id].source_document_id == document_id
    assert rows[kept.id].source_fingerprint == text_fingerprint(first.text)
    assert rows[changed.id].source_fingerprint == text_fingerprint(last.text)
    assert not rows[kept.id].needs_review_flag and "ai-made" in kept.tags

    # The student edits the file's last paragraph and imports it again: a new document.
    edited = _PARAGRAPHS[:-1] + [_PARAGRAPHS[-1].replace("for long.", "for more than a day.")]
    notes.write_text(_notes(edited), encoding="utf-8")
    outcome = services.documents.import_file(notes)
    assert not outcome.duplicate
    _wait_ready(services, outcome.document.id)
    new_chunks = {chunk.id: chunk for chunk in _chunks(services, outcome.document.id)}
    deadline = time.monotonic() + 30  # the re-link runs in the indexing job, just before it reports ready
    while not services.flashcards.get_card(changed.id).needs_review_flag:
        assert time.monotonic() < deadline, "the card whose passage changed was never flagged"
        time.sleep(0.1)
    with services.database.unit_of_work() as session:
        kept_row = session.get(Flashcard, kept.id)
        assert kept_row.source_document_id == outcome.document.id and kept_row.source_chunk_id in new_chunks
        assert not kept_row.needs_review_flag
    source = services.card_drafts.source_of(kept.id)
    assert source is not None and source.document_id == outcome.document.id
    assert source.char_start == new_chunks[kept_row.source_chunk_id].char_start

    # Editing the flagged card, or saying it looks fine, clears the flag.
    services.flashcards.update_card(changed.id, CardDraft("What warns of brakvolt bearing wear?",
                                                          "Vibration sensors alert the night shift."))
    assert not services.flashcards.get_card(changed.id).needs_review_flag
    with services.database.unit_of_work() as session:
        session.execute(sa.update(Flashcard).where(Flashcard.id == kept.id).values(needs_review_flag=True))
    services.card_drafts.looks_fine([kept.id])
    assert not services.flashcards.get_card(kept.id).needs_review_flag
