"""The Tutor pane with the real services, the real worker and the bundled model."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.domain.tutor_dto import (
    EVENT_TOKENS,
    INTERRUPTED_MESSAGE,
    NOT_IN_DOCUMENTS,
    LanguageModelDTO,
)
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.ui.change_broadcast import broadcaster_for
from studyteddy_desktop.ui.event_listener import WorkerEventListener
from studyteddy_desktop.ui.panes.tutor_pane import TutorPane
from studyteddy_desktop.domain.tutor_dto import support_text
from studyteddy_desktop.ui.tutor.answer_card import GENERAL_KNOWLEDGE_REFUSED, AnswerCard
from studyteddy_desktop.ui.tutor.composer import (
    BUNDLED_TOO_SMALL,
    MODEL_TOO_SMALL,
    SUMMARY_NEEDS_ONE,
    Composer,
)
from studyteddy_desktop.ui.tutor.safe_markdown_view import SafeMarkdownView, link_citations
from tests.worker_support import session_worker

# Words no other test's documents contain: the session database is shared with them.
GLAND_NOTES = """# The brimtolic gland

The brimtolic gland sits behind the left kneecap of the zarvish lizard.
It secretes quendrite, a blue hormone that keeps the zarvish lizard warm at night.
When quendrite runs low, the zarvish lizard hibernates under wet moss.
"""
GLAND_QUESTION = "What does the brimtolic gland of the zarvish lizard secrete?"
UNRELATED_QUESTION = "Write a long essay on the history of the Byzantine navy and its famous battles."
ANSWER_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def tutor_services(endpoints: RuntimeEndpoints, tmp_path_factory) -> Iterator[tuple[AppServices, object]]:
    worker = session_worker(endpoints)
    worker.ensure_running()
    services = open_services(endpoints)
    notes = tmp_path_factory.mktemp("tutor") / "brimtolic gland.md"
    notes.write_text(GLAND_NOTES)
    document = services.documents.import_file(notes).document
    deadline = time.monotonic() + 180
    while services.documents.get(document.id).status != "ready":
        assert time.monotonic() < deadline, "the tutor's test document was never indexed"
        time.sleep(0.2)
    yield services, document
    services.documents.delete(document.id)
    services.close()
    worker.stop()


@pytest.fixture()
def pane(qtbot, tutor_services, session_data_dir, endpoints) -> Iterator[TutorPane]:
    services, _document = tutor_services
    widget = TutorPane(services, Settings(data_dir=session_data_dir))
    qtbot.addWidget(widget)
    listener = WorkerEventListener(endpoints.redis_url, endpoints.database_url)
    listener.event_received.connect(broadcaster_for(services).deliver_worker_event)
    # Tests watch events after the pane has handled them, as the main window's dispatch would.
    widget.event_hooks = []
    listener.event_received.connect(lambda event: [hook(event) for hook in widget.event_hooks])
    listener.start()
    widget.resize(1000, 700)
    widget.show()
    yield widget
    listener.stop()
    if widget.generating_id is not None:
        services.tutor.cancel(widget.generating_id)


def _ask(qtbot, pane: TutorPane, question: str) -> AnswerCard:
    before = set(pane.conversation.cards)
    pane.composer.question_edit.setPlainText(question)
    qtbot.keyClick(pane.composer.question_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(set(pane.conversation.cards) - before), timeout=30_000)
    (new_id,) = set(pane.conversation.cards) - before
    return pane.conversation.cards[new_id]


def test_an_answer_streams_in_and_ends_with_its_sources_and_a_rating_that_persists(qtbot, pane, tutor_services):
    services, document = tutor_services
    seen_while_generating: list[str] = []
    quotes_at_first_token: list[int] = []

    def watch(event) -> None:
        # The pane has handled the event already, so a streaming card holds the new text here.
        cards = list(pane.conversation.cards.values())
        if event.kind == EVENT_TOKENS and cards and cards[-1].generating:
            if not seen_while_generating:
                quotes_at_first_token.append(len(cards[-1].quote_list.quote_labels))
            seen_while_generating.append(cards[-1].text)

    pane.event_hooks.append(watch)
    card = _ask(qtbot, pane, GLAND_QUESTION)
    assert pane.composer.question_edit.toPlainText() == ""
    assert pane.composer.stop_button.isVisibleTo(pane) and not pane.composer.send_button.isVisibleTo(pane)

    qtbot.waitUntil(lambda: card.status == "done", timeout=ANSWER_TIMEOUT_MS)
    qtbot.waitUntil(lambda: card.dto.model_name is not None, timeout=10_000)
    final = services.tutor.interaction(card.interaction_id)
    assert card.text == final.answer
    if final.answer.strip():
        # What the notes bear out streamed into the card while it was written.
        assert any(text.strip() for text in seen_while_generating), "no token reached the card while it was written"
        assert card.view.isVisibleTo(pane) and card.view.toPlainText().strip()
    else:
        # Every sentence the model wrote was left out: the card shows the quotes and says so.
        assert final.checked_sentences > 0 and final.supported_sentences == 0
        assert not card.view.isVisibleTo(pane) and "left out" in card.support_label.text()
    assert card.grounded is True and not card.banner.isVisibleTo(pane)
    assert card.sources and card.sources[0].document_id == document.id
    assert card.sources_box.isVisibleTo(pane)
    assert "tokens" in card.stats_label.text() and final.model_name in card.stats_label.text()
    assert not card.retry_button.isVisibleTo(pane)
    assert pane.composer.send_button.isVisibleTo(pane)

    # The answer opens with sentences of the document, verbatim, shown before the model's first word.
    notes = " ".join(GLAND_NOTES.split())
    assert final.quotes and all(" ".join(quote.text.split()) in notes for quote in final.quotes)
    assert [label.text() for label in card.quote_list.quote_labels] == [quote.text.strip() for quote in final.quotes]
    assert card.quote_list.isVisibleTo(pane)
    assert not quotes_at_first_token or quotes_at_first_token[0] > 0, "the model's words came before the quotes"
    assert final.checked_sentences is not None and final.supported_sentences is not None
    assert card.support_label.text() == support_text(final.checked_sentences, final.supported_sentences)
    with qtbot.waitSignal(pane.passage_requested, timeout=5_000) as quoted:
        qtbot.mouseClick(card.quote_list.source_buttons[0], Qt.MouseButton.LeftButton)
    assert quoted.args[0] == document.id

    source_button = card.sources_box.findChildren(type(pane.composer.send_button), "sourceLink")[0]
    with qtbot.waitSignal(pane.passage_requested, timeout=5_000) as opened:
        qtbot.mouseClick(source_button, Qt.MouseButton.LeftButton)
    assert opened.args[0] == document.id

    qtbot.mouseClick(card.stars[3], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.tutor.interaction(card.interaction_id).feedback_rating == 4, timeout=10_000)
    qtbot.waitUntil(lambda: [star.text() for star in card.stars] == ["★"] * 4 + ["☆"], timeout=10_000)

    # The thread shows in the list, and reopening it shows the rated answer.
    qtbot.waitUntil(lambda: any(thread.id == card.dto.thread_id for thread in pane.thread_list.threads),
                    timeout=10_000)
    pane.new_conversation()
    assert not pane.conversation.cards and pane.empty_state.isVisibleTo(pane)
    pane.open_thread(card.dto.thread_id)
    qtbot.waitUntil(lambda: card.interaction_id in pane.conversation.cards, timeout=10_000)
    reopened = pane.conversation.cards[card.interaction_id]
    assert reopened.dto.feedback_rating == 4 and reopened.sources
    services.tutor.delete_thread(card.dto.thread_id)


def test_a_question_beyond_the_documents_says_so_and_stops(qtbot, pane, tutor_services):
    services, _document = tutor_services
    # The bundled model is the one in use: it may not answer from general knowledge.
    option = pane.composer.general_knowledge_box
    qtbot.waitUntil(lambda: option.toolTip() == BUNDLED_TOO_SMALL, timeout=10_000)
    assert not option.isEnabled() and not pane.composer.general_knowledge()

    card = _ask(qtbot, pane, UNRELATED_QUESTION)
    qtbot.waitUntil(lambda: card.status == "done", timeout=ANSWER_TIMEOUT_MS)
    final = services.tutor.interaction(card.interaction_id)
    assert final.grounded is False and final.answer == "" and not final.quotes and not final.general_knowledge
    assert card.banner.isVisibleTo(pane) and NOT_IN_DOCUMENTS in card.banner.text()
    for hidden in (card.quote_list, card.explanation_label, card.view, card.general_label, card.sources_box):
        assert not hidden.isVisibleTo(pane), hidden.objectName()
    assert pane.generating_id is None and pane.composer.send_button.isVisibleTo(pane)
    services.tutor.delete_thread(card.dto.thread_id)


def test_asking_for_general_knowledge_reaches_the_answer(qtbot, pane, tutor_services):
    services, _document = tutor_services
    qtbot.waitUntil(lambda: pane.composer.general_knowledge_box.toolTip() == BUNDLED_TOO_SMALL, timeout=10_000)
    # As the pane shows it when a large added model is in use; the worker still judges the real one.
    pane.composer.set_language_model(LanguageModelDTO(path="/models/large.gguf", name="large", size_bytes=5 << 30,
                                                      bundled=False, active=True, problem=None,
                                                      general_knowledge=True))
    pane.composer.general_knowledge_box.setChecked(True)
    card = _ask(qtbot, pane, UNRELATED_QUESTION)
    assert services.tutor.interaction(card.interaction_id).general_knowledge is True
    qtbot.waitUntil(lambda: card.status == "done", timeout=ANSWER_TIMEOUT_MS)
    # The bundled model actually answered, and it may not: the card says why nothing follows the banner.
    assert card.banner.isVisibleTo(pane) and not card.view.isVisibleTo(pane)
    assert card.status_label.text() == GENERAL_KNOWLEDGE_REFUSED
    services.tutor.delete_thread(card.dto.thread_id)


def test_stop_cancels_an_answer_being_written(qtbot, pane, tutor_services):
    services, _document = tutor_services
    card = _ask(qtbot, pane, GLAND_QUESTION)
    qtbot.waitUntil(lambda: card.grounded is not None, timeout=ANSWER_TIMEOUT_MS)
    qtbot.keyClick(pane.composer.question_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: card.status == "cancelled", timeout=30_000)
    assert services.tutor.interaction(card.interaction_id).status == "cancelled"
    assert card.retry_button.isVisibleTo(pane) and "Stopped" in card.status_label.text()
    assert pane.generating_id is None and pane.composer.send_button.isVisibleTo(pane)
    services.tutor.delete_thread(card.dto.thread_id)


def test_general_knowledge_can_be_asked_for_only_with_a_model_able_to(qtbot):
    composer = Composer()
    qtbot.addWidget(composer)
    option = composer.general_knowledge_box
    assert not option.isEnabled() and option.toolTip() == BUNDLED_TOO_SMALL
    large = LanguageModelDTO(path="/m/large.gguf", name="large-8b", size_bytes=5 << 30, bundled=False, active=True,
                             problem=None, general_knowledge=True)
    composer.set_language_model(large)
    assert option.isEnabled() and "large-8b" in option.toolTip() and not composer.general_knowledge()
    option.setChecked(True)
    assert composer.general_knowledge()
    composer.set_language_model(LanguageModelDTO(path="/m/small.gguf", name="small", size_bytes=1 << 30,
                                                 bundled=False, active=True, problem=None))
    assert not option.isEnabled() and not option.isChecked() and not composer.general_knowledge()
    assert option.toolTip() == MODEL_TOO_SMALL and option.accessibleDescription() == MODEL_TOO_SMALL


def test_an_empty_question_is_refused_with_a_message(qtbot, pane):
    pane.composer.question_edit.setPlainText("   \n ")
    qtbot.keyClick(pane.composer.question_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Type a question first." in pane.composer.message.text(), timeout=10_000)
    assert not pane.conversation.cards and pane.generating_id is None


def test_a_summary_without_exactly_one_document_is_refused(qtbot, pane):
    pane.composer.set_mode("summarise")
    pane.composer.scope_picker.set_scope([], None)
    pane.composer.question_edit.setPlainText("Summarise please")
    qtbot.keyClick(pane.composer.question_edit, Qt.Key.Key_Return)
    assert SUMMARY_NEEDS_ONE in pane.composer.message.text()
    assert not pane.conversation.cards


def test_threads_can_be_renamed_deleted_and_restored(qtbot, pane, tutor_services):
    services, _document = tutor_services
    thread = services.tutor.create_thread("Plorvex revision")
    pane.refresh_threads()

    def titles() -> list[str]:
        return [item.title for item in pane.thread_list.threads]

    qtbot.waitUntil(lambda: "Plorvex revision" in titles(), timeout=10_000)
    assert titles()[0] == "Plorvex revision", "the newest conversation comes first"
    pane.rename_thread(thread.id, "Plorvex exam prep")
    qtbot.waitUntil(lambda: "Plorvex exam prep" in titles(), timeout=10_000)

    pane.thread_list.list.setCurrentRow(titles().index("Plorvex exam prep"))
    pane.thread_list.list.setFocus()
    qtbot.keyClick(pane.thread_list.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "Plorvex exam prep" not in titles(), timeout=10_000)
    assert pane.undo_button.isVisibleTo(pane) and "Deleted" in pane.status_line.text()
    assert all(item.id != thread.id for item in services.tutor.list_threads())

    qtbot.mouseClick(pane.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Plorvex exam prep" in titles(), timeout=10_000)
    assert not pane.undo_button.isVisibleTo(pane)
    services.tutor.delete_thread(thread.id)


def test_markdown_with_remote_images_and_links_fetches_nothing(qtbot):
    view = SafeMarkdownView()
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()
    view.show_markdown("Look: ![chart](http://example.com/chart.png) and [a site](https://example.com/x).")
    qtbot.waitUntil(lambda: any(url.scheme() == "http" for url in view.refused_resources), timeout=5_000)
    image = QTextDocument.ResourceType.ImageResource.value
    assert view.loadResource(image, QUrl("http://example.com/chart.png")) is None
    assert view.loadResource(image, QUrl("file:///etc/hostname")) is None
    assert view.document().resource(image, QUrl("http://example.com/chart.png")) is None
    assert not view.openLinks() and not view.openExternalLinks()


def test_citations_become_internal_links_only_for_known_sources():
    text = "Quendrite [1] keeps it warm [3].\n\n```\nlist[1]\n```"
    linked = link_citations(text, {1, 2})
    assert "[\\[1\\]](cite:1)" in linked and "[3]" in linked and "cite:3" not in linked
    assert "list[1]" in linked


def test_a_worker_killed_mid_answer_is_reported_and_retry_restarts_it(qtbot, started_window, tutor_services):
    window, _controller = started_window
    services, document = tutor_services
    pane = next(widget for widget in window._pane_widgets if isinstance(widget, TutorPane))
    window.go_to_pane(window._pane_widgets.index(pane))
    card = _ask(qtbot, pane, GLAND_QUESTION)
    # The sources come just before the model starts writing; its first sentences may all be left out.
    qtbot.waitUntil(lambda: bool(card.sources) or not card.generating, timeout=ANSWER_TIMEOUT_MS)
    qtbot.wait(300)
    assert card.generating, "the answer finished before the worker could be killed"
    worker = session_worker(services.endpoints)
    pid = worker.running_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: worker.running_pid() is None, timeout=10_000)
    pane.last_event_at -= 60  # the worker is dead; its silence needs no waiting out
    window.refresh_health()
    qtbot.waitUntil(lambda: card.status == "failed", timeout=60_000)
    assert INTERRUPTED_MESSAGE in card.status_label.text()
    assert card.retry_button.isVisibleTo(pane)
    assert services.tutor.interaction(card.interaction_id).status == "failed"

    qtbot.mouseClick(card.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(pane.conversation.cards) == 2, timeout=60_000)
    assert worker.running_pid() is not None
    retried = list(pane.conversation.cards.values())[-1]
    qtbot.waitUntil(lambda: retried.status == "done", timeout=ANSWER_TIMEOUT_MS)
    assert retried.sources

    source_button = retried.sources_box.findChildren(type(pane.composer.send_button), "sourceLink")[0]
    qtbot.mouseClick(source_button, Qt.MouseButton.LeftButton)
    documents_pane = window.current_pane()
    assert documents_pane.objectName() == "documentsPane"
    qtbot.waitUntil(lambda: documents_pane.detail.detail is not None
                    and documents_pane.detail.detail.document.id == document.id, timeout=30_000)
    qtbot.waitUntil(lambda: "quendrite" in documents_pane.detail.highlighted_text().lower(), timeout=10_000)
    services.tutor.delete_thread(card.dto.thread_id)
