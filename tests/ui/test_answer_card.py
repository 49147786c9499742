"""Answer cards, offscreen, as the student sees them: quotes first, the model's explanation labelled below."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from studyteddy_desktop.domain.tutor_dto import (
    GENERAL_KNOWLEDGE_LABEL,
    NOT_IN_DOCUMENTS,
    CUT_FOR_REPETITION,
    EXPLANATION_NOTE,
    EXPLANATION_TITLE,
    InteractionDTO,
    QuoteDTO,
    SourceDTO,
    support_text,
)
from studyteddy_desktop.ui.tutor.answer_card import GENERAL_KNOWLEDGE_REFUSED, RENDER_INTERVAL_MS, AnswerCard
from studyteddy_desktop.ui.tutor.quote_list import QUOTES_HEADING
from studyteddy_desktop.ui.tutor.tutor_style import TUTOR_STYLE

NOTES = uuid.uuid4()
SKRIPT = uuid.uuid4()
RESPIRATION = "Mitochondria are the site of aerobic respiration."
DNA = "Die Mitochondrien besitzen eine eigene, ringförmige DNA."
SOURCE_NOTES = SourceDTO(1, NOTES, "Biology notes, chapter 3", uuid.uuid4(), 12, 40, 140,
                         f"{RESPIRATION} They produce most of the cell's ATP.", 0.81)
SOURCE_SKRIPT = SourceDTO(2, SKRIPT, "Zellbiologie Skript", uuid.uuid4(), 14, 300, 360, DNA, 0.74)
HOSTILE = ["<b>x</b><script>alert(1)</script>", "[link](javascript:alert(1))", "<img src='file:///etc/passwd'> & co"]


def _interaction(**values) -> InteractionDTO:
    fields = dict(id=uuid.uuid4(), thread_id=uuid.uuid4(), mode="explain", question="What do mitochondria do?",
                  answer="", sources=(), grounded=True, status="done", error=None, model_name="small-model",
                  prompt_tokens=300, completion_tokens=42, latency_ms=4_800, first_token_ms=2_300,
                  feedback_rating=None, created_at=datetime.now(timezone.utc))
    fields.update(values)
    return InteractionDTO(**fields)


ANSWERABLE = dict(sources=(SOURCE_NOTES, SOURCE_SKRIPT), quotes=(QuoteDTO(1, RESPIRATION), QuoteDTO(2, DNA)),
                  answer="They release energy from food [1]. They carry their own DNA [2].",
                  checked_sentences=4, supported_sentences=3, first_shown_ms=700)
PARTLY = dict(sources=(SOURCE_NOTES,), quotes=(QuoteDTO(1, RESPIRATION),), answer="They make ATP [1].",
              checked_sentences=5, supported_sentences=1, first_shown_ms=650)
UNANSWERABLE = dict(question="Who painted the Mona Lisa?", grounded=False, model_name=None, completion_tokens=0,
                    first_token_ms=None, checked_sentences=0, supported_sentences=0)
GENERAL = dict(question="Who painted the Mona Lisa?", grounded=False, general_knowledge=True,
               answer="Leonardo da Vinci painted it in the early sixteenth century.")
CUT = dict(sources=(SOURCE_NOTES,), quotes=(QuoteDTO(1, RESPIRATION),), answer="They respire [1].",
           checked_sentences=2, supported_sentences=2, cut_for_repetition=True)


@pytest.fixture()
def show(qtbot):
    def shown(dto: InteractionDTO) -> AnswerCard:
        card = AnswerCard(dto)
        card.setStyleSheet(TUTOR_STYLE)
        qtbot.addWidget(card)
        card.resize(700, 600)
        card.show()
        qtbot.waitExposed(card)
        return card

    return shown


def _visible(card: AnswerCard, widget) -> bool:
    return widget.isVisibleTo(card)


def _top(card: AnswerCard, widget) -> int:
    return widget.mapTo(card, widget.rect().topLeft()).y()


def test_an_answerable_question_opens_with_its_quotes_then_the_labelled_explanation(show):
    card = show(_interaction(**ANSWERABLE))
    quotes = card.quote_list
    assert _visible(card, quotes) and quotes.heading.text() == f"<b>{QUOTES_HEADING}</b>"
    assert [label.text() for label in quotes.quote_labels] == [RESPIRATION, DNA], "verbatim, in their language"
    assert [button.text() for button in quotes.source_buttons] == ["— Biology notes, chapter 3, p. 12",
                                                                   "— Zellbiologie Skript, p. 14"]
    assert all(label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
               for label in quotes.quote_labels)
    label = card.explanation_label.text()
    assert _visible(card, card.explanation_label) and EXPLANATION_TITLE in label and EXPLANATION_NOTE in label
    assert _visible(card, card.view) and "They release energy" in card.view.toPlainText()
    assert _top(card, quotes) < _top(card, card.explanation_label) < _top(card, card.view)
    assert _top(card, card.view) < _top(card, card.sources_box) < _top(card, card.support_label)
    assert card.support_label.text() == "3 of 4 sentences checked were supported by your documents · 1 left out"
    assert "first word after 0.7 s" in card.stats_label.text(), "timed to the first quote shown"
    for hidden in (card.banner, card.general_label, card.cut_label):
        assert not _visible(card, hidden)


def test_a_partly_answerable_question_says_how_many_sentences_were_left_out(show):
    card = show(_interaction(**PARTLY))
    assert [label.text() for label in card.quote_list.quote_labels] == [RESPIRATION]
    assert _visible(card, card.view) and _visible(card, card.explanation_label)
    assert card.support_label.text() == "1 of 5 sentences checked was supported by your documents · 4 left out"


def test_an_unanswerable_question_shows_the_banner_and_nothing_else(show):
    card = show(_interaction(**UNANSWERABLE))
    assert _visible(card, card.banner) and NOT_IN_DOCUMENTS in card.banner.text()
    for hidden in (card.quote_list, card.explanation_label, card.view, card.general_label, card.sources_box,
                   card.status_label, card.support_label, card.cut_label):
        assert not _visible(card, hidden), hidden.objectName()
    assert "0 tokens" not in card.stats_label.text()


def test_an_unanswerable_question_asked_with_general_knowledge_says_why_the_model_kept_quiet(show):
    card = show(_interaction(**UNANSWERABLE, general_knowledge=True))
    assert _visible(card, card.banner) and not _visible(card, card.view)
    assert _visible(card, card.status_label) and card.status_label.text() == GENERAL_KNOWLEDGE_REFUSED


def test_general_knowledge_is_labelled_as_not_from_the_documents(show):
    card = show(_interaction(**GENERAL))
    assert _visible(card, card.banner) and _visible(card, card.general_label)
    assert GENERAL_KNOWLEDGE_LABEL in card.general_label.text()
    assert _top(card, card.banner) < _top(card, card.general_label) < _top(card, card.view)
    assert not _visible(card, card.explanation_label), "never called checked against the documents"
    assert not _visible(card, card.quote_list)


def test_an_answer_cut_for_repetition_says_so(show):
    card = show(_interaction(**CUT))
    assert _visible(card, card.cut_label) and CUT_FOR_REPETITION in card.cut_label.text()
    assert card.support_label.text() == "2 of 2 sentences checked were supported by your documents"


def test_clicking_a_quote_opens_its_own_passage(qtbot, show):
    card = show(_interaction(**ANSWERABLE))
    link = card.quote_list.source_buttons[1]
    assert "Zellbiologie Skript" in link.accessibleName() and "page 14" in link.accessibleName()
    assert link.focusPolicy() & Qt.FocusPolicy.TabFocus, "reachable with the keyboard"
    with qtbot.waitSignal(card.source_clicked, timeout=2_000) as clicked:
        qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert clicked.args == [SOURCE_SKRIPT]
    link.setFocus()
    with qtbot.waitSignal(card.source_clicked, timeout=2_000) as pressed:
        qtbot.keyClick(link, Qt.Key.Key_Space)
    assert pressed.args == [SOURCE_SKRIPT]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_document_text_is_shown_literally_never_as_markup(show, hostile):
    source = SourceDTO(1, NOTES, f"R&D {hostile}", uuid.uuid4(), 3, 0, 50, hostile, 0.9)
    card = show(_interaction(sources=(source,), quotes=(QuoteDTO(1, hostile),), answer="See [1].",
                             checked_sentences=1, supported_sentences=1))
    (quote,) = card.quote_list.quote_labels
    assert quote.textFormat() == Qt.TextFormat.PlainText
    quote.setSelection(0, len(hostile))
    assert quote.selectedText() == hostile, "a rich-text label would have swallowed the tags"
    (link,) = card.quote_list.source_buttons
    doubled = f"R&D {hostile}".replace("&", "&&")
    assert link.text() == f"— {doubled}, p. 3", "& doubled, so it is shown and never a shortcut"
    for button in (link, *card.sources_box.findChildren(QPushButton, "sourceLink")):
        assert "<script" not in button.toolTip() and "<img" not in button.toolTip()


def test_a_quote_whose_source_is_unknown_is_not_shown_as_one(show):
    card = show(_interaction(sources=(SOURCE_NOTES,), quotes=(QuoteDTO(7, "Unattributed claim."),),
                             answer="Text [1].", checked_sentences=1, supported_sentences=1))
    assert not _visible(card, card.quote_list)
    assert "Unattributed claim." not in [label.text() for label in card.findChildren(QLabel)]


def test_an_answer_from_before_checking_renders_as_it_always_did(show):
    card = show(_interaction(sources=(SOURCE_NOTES,), answer="They respire [1]."))
    assert card.explanation_label.text() == "<b>Teddy</b>", "never claimed to be checked"
    assert _visible(card, card.view) and _visible(card, card.sources_box)
    assert not _visible(card, card.quote_list) and not _visible(card, card.support_label)
    old_general = show(_interaction(grounded=False, answer="From memory."))
    assert _visible(old_general, old_general.banner) and _visible(old_general, old_general.general_label)


def test_while_streaming_the_quotes_show_before_any_word_of_the_model(qtbot, show):
    card = show(_interaction(status="generating", grounded=None, completion_tokens=None, latency_ms=None,
                             first_token_ms=None, model_name=None))
    assert card.status_label.text().startswith("Looking through your documents")
    card.set_sources(True, [SOURCE_NOTES, SOURCE_SKRIPT], [QuoteDTO(2, DNA)])
    qtbot.wait(RENDER_INTERVAL_MS * 3)
    assert [label.text() for label in card.quote_list.quote_labels] == [DNA]
    assert _visible(card, card.quote_list) and not _visible(card, card.view)
    first_label = card.quote_list.quote_labels[0]
    card.append_tokens("They carry DNA [2].")
    qtbot.waitUntil(lambda: _visible(card, card.view) and "carry DNA" in card.view.toPlainText(), timeout=2_000)
    assert card.quote_list.quote_labels[0] is first_label, "re-rendering the text leaves the quotes alone"
    assert not _visible(card, card.support_label)
    card.finish("done", "They carry DNA [2].", "", checked_sentences=2, supported_sentences=1,
                cut_for_repetition=True, first_shown_ms=500)
    assert card.support_label.text() == "1 of 2 sentences checked was supported by your documents · 1 left out"
    assert _visible(card, card.cut_label) and "first word after 0.5 s" in card.stats_label.text()


@pytest.mark.parametrize(("checked", "supported", "text"), [
    (None, None, ""), (0, 0, ""), (1, 1, "1 of 1 sentence checked was supported by your documents"),
    (3, 0, "0 of 3 sentences checked were supported by your documents · 3 left out"),
    (1, 0, "0 of 1 sentence checked was supported by your documents · 1 left out"),
])
def test_the_support_line_counts_what_was_checked(checked, supported, text):
    assert support_text(checked, supported) == text
