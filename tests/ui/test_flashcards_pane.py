"""The Flashcards pane on the real services: decks with due counts, browsing, and a keyboard review."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.ui.flashcards.markdown_view import MarkdownView
from studyteddy_desktop.ui.panes.flashcards_pane import FlashcardsPane
from tests.anki_samples import PNG


@pytest.fixture()
def services(endpoints):
    services = open_services(endpoints)
    yield services
    services.close()


def _settled(qtbot):
    from studyteddy_desktop.ui import background_op

    qtbot.waitUntil(lambda: not background_op._live_ops, timeout=10_000)


@pytest.fixture()
def deck(services):
    deck = services.flashcards.create_deck(f"Pane deck {uuid.uuid4().hex[:6]}")
    for number in range(3):
        services.flashcards.add_card(deck.id, CardDraft(f"Question **{number}**", f"Answer {number}", ("ui",)))
    yield deck
    services.flashcards.delete_deck(deck.id)


def _select(qtbot, pane, deck):
    qtbot.waitUntil(lambda: deck.id in pane.decks, timeout=10_000)
    item = next(pane.deck_tree.topLevelItem(row) for row in range(pane.deck_tree.topLevelItemCount())
                if pane.deck_tree.topLevelItem(row).text(0) == deck.name)
    pane.deck_tree.setCurrentItem(item)
    return item


def test_deck_list_shows_due_counts_and_the_browser_sorts_and_searches(qtbot, services, deck, session_data_dir):
    pane = FlashcardsPane(services, Settings(data_dir=session_data_dir))
    qtbot.addWidget(pane)
    item = _select(qtbot, pane, deck)
    assert (item.text(1), item.text(2), item.text(3)) == ("3", "0", "3")
    questions = {f"Question **{number}**" for number in range(3)}
    # Another deck with three cards may still be on show until this deck's cards arrive.
    qtbot.waitUntil(lambda: {pane.proxy.index(row, 0).data() for row in range(pane.proxy.rowCount())}
                    == questions, timeout=10_000)
    pane.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert pane.proxy.index(0, 0).data() == "Question **2**"
    pane.search.setText("Question **1")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=10_000)
    pane.search.setText("tag:ui")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3, timeout=10_000)
    _settled(qtbot)


def test_review_with_space_numbers_undo_and_a_double_press(qtbot, services, deck, session_data_dir):
    pane = FlashcardsPane(services, Settings(data_dir=session_data_dir))
    qtbot.addWidget(pane)
    pane.show()
    _select(qtbot, pane, deck)
    pane.study()
    review = pane.review
    qtbot.waitUntil(lambda: review.current is not None, timeout=10_000)
    first = review.current.card.id
    assert not review.back.isVisible() and "3 cards left" in review.progress.text()
    qtbot.keyClick(review, Qt.Key.Key_3)  # before the answer shows, a rating does nothing
    assert review.current.card.id == first
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert review.back.isVisible() and review.rating_buttons[2].text().endswith("10m")
    qtbot.keyClick(review, Qt.Key.Key_3)
    qtbot.keyClick(review, Qt.Key.Key_3)  # the double press lands on the next card's front
    second = review.current.card.id
    assert second != first and not review.revealed
    qtbot.waitUntil(lambda: not review.in_flight and len(review.undo_stack) == 1, timeout=10_000)
    assert services.flashcards.get_card(first).state == "learning"
    assert services.flashcards.get_card(second).state == "new"
    qtbot.keyClick(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not review.undo_stack and review.current.card.id == first, timeout=10_000)
    assert services.flashcards.get_card(first).state == "new"
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert pane.pages.currentIndex() == 0
    _settled(qtbot)


def test_undo_pressed_while_the_rating_is_written_takes_back_that_rating(qtbot, services, deck,
                                                                          session_data_dir):
    pane = FlashcardsPane(services, Settings(data_dir=session_data_dir))
    qtbot.addWidget(pane)
    pane.show()
    _select(qtbot, pane, deck)
    pane.study()
    review = pane.review
    qtbot.waitUntil(lambda: review.current is not None, timeout=10_000)
    first = review.current.card.id
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_3)
    # No event is processed between the two presses, so the rating is still being written.
    assert review.in_flight and not review.undo_stack
    qtbot.keyClick(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not review.in_flight and review.current is not None
                    and review.current.card.id == first, timeout=10_000)
    _settled(qtbot)
    assert services.flashcards.get_card(first).state == "new" and not review.undo_stack
    # Leaving and starting again is a new session: what the last one answered stays history.
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: not review.in_flight and len(review.undo_stack) == 1, timeout=10_000)
    earlier_session = review.review_session_id
    pane.study()
    qtbot.waitUntil(lambda: review.current is not None, timeout=10_000)
    assert review.review_session_id != earlier_session and not review.undo_stack
    _settled(qtbot)


def test_markdown_view_loads_local_media_only(qtbot, tmp_path):
    (tmp_path / "dot.png").write_bytes(PNG)
    view = MarkdownView(tmp_path)
    qtbot.addWidget(view)
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    image = QTextDocument.ResourceType.ImageResource
    assert view.loadResource(image, QUrl("dot.png")) is not None
    assert view.loadResource(image, QUrl("https://example.com/dot.png")) is None
    assert view.loadResource(image, QUrl("../../etc/passwd")) is None
