"""AI-made cards in the GUI with the real services, worker and model: request, review, accept, source link."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.models import DocumentChunk, Flashcard
from studyteddy_desktop.domain.card_draft_dto import PASSAGE_ORIGIN, CardDraftsDTO, DraftedCard
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.ui.change_broadcast import broadcaster_for
from studyteddy_desktop.ui.documents.card_making import CardRequestDialog
from studyteddy_desktop.ui.flashcards.card_source_bar import CardSourceBar
from studyteddy_desktop.ui.flashcards.draft_review_dialog import DraftReviewDialog
from studyteddy_desktop.ui.panes.documents_pane import DocumentsPane
from tests.document_samples import text_pdf
from tests.job_support import delete_when_idle
from tests.ui.live_documents_pane import live_documents_pane

# Words found in no other test document: the session database is shared.
TIDEPOOL_PAGES = [
    "Tidepool survey notes for the morvethic reef, written after the spring field trip.",
    "The morvethic anemone closes its tentacles when the tide goes out, keeping water inside its body.",
    "Morvethic crabs shelter under rocks during the day and hunt small snails at night.",
]


@pytest.fixture()
def world(qtbot, endpoints: RuntimeEndpoints, session_data_dir) -> Iterator[tuple[DocumentsPane, AppServices]]:
    def delete_mine(services: AppServices) -> None:
        delete_when_idle(services, "morvethic tidepools.pdf", deck_prefix="Morvethic")

    with live_documents_pane(qtbot, endpoints, session_data_dir, clean_up=delete_mine) as pane:
        yield pane, pane.services


def _ready_document(qtbot, pane: DocumentsPane, tmp_path):
    pane.import_paths([text_pdf(tmp_path / "morvethic tidepools.pdf", TIDEPOOL_PAGES)])

    def ready():
        row = next((r for r in range(pane.model.rowCount())
                    if pane.model.document_at(r).title == "morvethic tidepools"), -1)
        return row >= 0 and pane.model.document_at(row).status == "ready"

    qtbot.waitUntil(ready, timeout=240_000)
    document = next(pane.model.document_at(r) for r in range(pane.model.rowCount())
                    if pane.model.document_at(r).title == "morvethic tidepools")
    pane.select_document(document.id)
    qtbot.waitUntil(lambda: pane.detail.detail is not None and pane.detail.detail.document.id == document.id,
                    timeout=10_000)
    return document


def test_a_selected_passage_becomes_drafts_shown_for_review(qtbot, world, tmp_path):
    pane, _services = world
    document = _ready_document(qtbot, pane, tmp_path)
    assert pane.actions["cards"].isEnabled()
    shown = pane.detail.text.toPlainText()
    cursor = pane.detail.text.textCursor()
    cursor.setPosition(shown.index("The morvethic anemone"))
    cursor.setPosition(shown.index("inside its body.") + len("inside its body."), cursor.MoveMode.KeepAnchor)
    pane.detail.text.setTextCursor(cursor)
    selection = pane.detail.selected_range()
    page_two = pane.detail.detail.pages[1]
    assert selection is not None
    assert page_two.text[selection[0] - page_two.char_start:selection[1] - page_two.char_start] == TIDEPOOL_PAGES[1]

    dialog = CardRequestDialog(document, selection, pane, cursor.selectedText())
    qtbot.addWidget(dialog)
    assert dialog.passage.isChecked() and dialog.pages.isEnabled()
    dialog.count.setValue(2)
    assert dialog.request() == {"count": 2, "char_start": selection[0], "char_end": selection[1]}
    dialog.pages.setChecked(True)
    dialog.page_from.setValue(3)
    dialog.page_to.setValue(2)
    assert dialog.request() == {"count": 2, "page_from": 2, "page_to": 3}

    pane.card_maker.request(document, count=2, char_start=selection[0], char_end=selection[1])
    qtbot.waitUntil(lambda: "Asking for cards" not in pane.status_line.text(), timeout=30_000)
    assert "cards from" in pane.status_line.text() or pane.card_maker.review is not None, pane.status_line.text()
    qtbot.waitUntil(lambda: pane.card_maker.review is not None or "No cards" in pane.status_line.text()
                    or "could not write" in pane.status_line.text(), timeout=600_000)
    review = pane.card_maker.review
    assert review is not None, pane.status_line.text()
    assert review.isVisible() and review.rows
    assert all(row.draft.page == 2 and "anemone" in row.draft.quote for row in review.rows)
    review.reject()
    assert "Discarded" in pane.status_line.text()


def test_drafts_worded_from_the_passage_are_labelled_with_the_notice(qtbot, world):
    _pane, services = world
    document_id = uuid.uuid4()
    worded = DraftedCard("Fill in the blank: Anemones close at low _____.", "tide", document_id, None, 2,
                         "Anemones close at low tide.", origin=PASSAGE_ORIGIN)
    asked = DraftedCard("What closes at low tide?", "Anemones.", document_id, None, 2, "Anemones close at low tide.")
    notice = "The language model wrote no usable cards for this text, so these are made from its own sentences."
    for drafts, shown in ((CardDraftsDTO(uuid.uuid4(), "done", 1.0, None, None, (worded,), "Tides", notice), True),
                          (CardDraftsDTO(uuid.uuid4(), "done", 1.0, None, None, (asked,), "Tides"), False)):
        dialog = DraftReviewDialog(services, drafts)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.notice.isVisible() is shown and (notice in dialog.notice.text()) is shown
        assert ("own sentence" in dialog.rows[0].source.text()) is shown


def test_the_review_dialog_edits_rejects_one_and_adds_the_rest(qtbot, world, tmp_path):
    pane, services = world
    document = _ready_document(qtbot, pane, tmp_path)
    with services.database.unit_of_work() as session:
        chunk = session.execute(sa.select(DocumentChunk.id, DocumentChunk.text, DocumentChunk.char_start)
                                .where(DocumentChunk.document_id == document.id)).first()
    drafts = CardDraftsDTO(job_id=uuid.uuid4(), state="done", progress=1.0, message=None, error=None,
                           document_title=document.title, drafts=tuple(
                               DraftedCard(front, back, document.id, chunk.id, page, chunk.text[:100])
                               for front, back, page in (("What closes its tentacles?", "The anemone", 2),
                                                         ("When do morvethic crabs hunt?", "At night.", 3),
                                                         ("What is a tide?", "what is a tide", 1))))
    dialog = DraftReviewDialog(services, drafts)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.add_button.text() == "Add 3 cards"
    dialog.rows[0].back.setPlainText("The morvethic anemone, at low tide.")
    dialog.rows[2].keep.setChecked(False)
    assert dialog.add_button.text() == "Add 2 cards" and not dialog.rows[2].front.isEnabled()
    assert dialog.deck_choice.currentData() == "new" and dialog.new_deck_name.text() == "morvethic tidepools"
    dialog.new_deck_name.setText("Morvethic reef")
    with qtbot.waitSignal(dialog.saved, timeout=30_000) as saved:
        dialog.add_button.click()
    assert saved.args == [2, "Morvethic reef"]
    deck = services.flashcards.find_deck("Morvethic reef")
    cards = sorted(services.flashcards.cards(deck.id), key=lambda card: card.front)
    assert [(card.front, card.back) for card in cards] == [
        ("What closes its tentacles?", "The morvethic anemone, at low tide."),
        ("When do morvethic crabs hunt?", "At night.")]
    assert [card.source_page for card in cards] == [2, 3]
    with services.database.unit_of_work() as session:
        rows = session.scalars(sa.select(Flashcard).where(Flashcard.deck_id == deck.id)).all()
        assert {row.source_chunk_id for row in rows} == {chunk.id} and all(row.source_fingerprint for row in rows)

    # The card browser's source line names the document and page; flagged cards offer "Looks fine".
    bar = CardSourceBar(services)
    qtbot.addWidget(bar)
    bar.show()
    with services.database.unit_of_work() as session:
        session.execute(sa.update(Flashcard).where(Flashcard.id == cards[0].id).values(needs_review_flag=True))
    flagged = services.flashcards.get_card(cards[0].id)
    bar.show_card(flagged)
    qtbot.waitUntil(lambda: "morvethic tidepools, p. 2" in bar.label.text(), timeout=10_000)
    assert "Needs a look" in bar.label.text() and bar.looks_fine.isVisible()
    with qtbot.waitSignal(broadcaster_for(services).changed, timeout=10_000,
                          check_params_cb=lambda changes: changes.cards and changes.initiator is bar):
        bar.looks_fine.click()
    assert not services.flashcards.get_card(cards[0].id).needs_review_flag
