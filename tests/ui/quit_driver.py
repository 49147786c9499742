"""Runs the real app through a tutor answer, card ratings and an import, then closes its window.

Started as `python -m tests.ui.quit_driver --data-dir DIR` by tests/ui/test_clean_quit.py: the app
is the one `studyteddy` opens (cli.main), so its whole quit path and the interpreter's
finalisation run as they do for a student. Exits with the app's own exit code, or 3 when the
scenario did not get through (the reason is on stderr).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studyteddy_desktop import cli
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.domain.job_queue import INDEX_JOB_KIND
from studyteddy_desktop.domain.tutor_dto import EVENT_TOKENS
from studyteddy_desktop.services.core.event_channel import open_event_publisher
from studyteddy_desktop.ui.application import create_application
from studyteddy_desktop.ui.change_broadcast import JOB_PROGRESS, broadcaster_for
from studyteddy_desktop.ui.main_window import MainWindow

SCENARIO_FAILED = 3
STEP_TIMEOUT_S = 240.0
POLL_MS = 50
RATING_CYCLE = (3, 1, 4, 2)
EVENT_BATCH = 100

Condition = Callable[[], bool]


def _main_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            return widget
    return None


def _pane(window: MainWindow, class_name: str):
    return next(widget for widget in window._pane_widgets if type(widget).__name__ == class_name)


def scenario(answer_in_full: bool, cards: int, worker_events: int,
             notes_dir: Path) -> Iterator[tuple[str, Condition]]:
    """Yields (what we wait for, a condition); the next step runs once the condition holds."""
    yield "the window with its panes", lambda: (_main_window() is not None
                                                and bool(_main_window()._pane_widgets))
    window = _main_window()
    assert window is not None and window.services is not None
    services = window.services
    tag = uuid.uuid4().hex[:8]

    tutor = _pane(window, "TutorPane")
    window.go_to_pane(window._pane_widgets.index(tutor))
    tokens_seen: list[object] = []
    broadcaster_for(services).worker_event.connect(
        lambda event: tokens_seen.append(event) if event.kind == EVENT_TOKENS else None)
    tutor.composer.question_edit.setPlainText("In one short sentence, what is a flashcard?")
    tutor.send()
    yield "the tutor to start answering", lambda: tutor.generating_id is not None
    asked = tutor.generating_id
    if answer_in_full:
        yield "the tutor's whole answer", lambda: tutor.generating_id is None
    else:
        yield "the tutor's first words", lambda: bool(tokens_seen) or tutor.generating_id is None
        tutor.stop()
        yield "the tutor to stop", lambda: tutor.generating_id is None
    card = tutor.conversation.card(asked)
    print(f"quit-driver: tutor answer {card.status if card else 'missing'}", file=sys.stderr)

    deck = services.flashcards.create_deck(f"Quit check {tag}")
    for number in range(cards):
        services.flashcards.add_card(deck.id, CardDraft(front=f"Question {number} {tag}",
                                                        back=f"Answer {number}"))
    flashcards = _pane(window, "FlashcardsPane")
    window.go_to_pane(window._pane_widgets.index(flashcards))
    flashcards.refresh_decks()
    yield "the new deck in the Flashcards pane", lambda: deck.id in flashcards.decks
    flashcards._selected_deck = deck.id
    review = flashcards.review
    flashcards.pages.setCurrentWidget(review)
    review.start(deck.id, deck.name)
    for number in range(cards):
        yield "a card to review", lambda: review.current is not None
        review.reveal()
        review.rate(RATING_CYCLE[number % len(RATING_CYCLE)])
    yield "the ratings to be saved", lambda: not review.in_flight
    print(f"quit-driver: rated {len(review.undo_stack)} cards", file=sys.stderr)

    documents = _pane(window, "DocumentsPane")
    window.go_to_pane(window._pane_widgets.index(documents))
    notes = notes_dir / f"quit notes {tag}.md"
    notes.write_text(f"# Notes {tag}\n\nThe {tag} river flows north into the cold sea.\n", encoding="utf-8")
    before = documents.model.rowCount()
    documents.import_paths([notes])
    yield "the import to land", lambda: documents.model.rowCount() > before
    print("quit-driver: imported", file=sys.stderr)

    # A big PDF's indexing or a long answer sends the window hundreds of events; these take the
    # real way in (Redis stream or PostgreSQL channel, listener thread, broadcaster, the Documents pane).
    marker = f"quit-driver-{tag}"
    heard: list[object] = []
    broadcaster_for(services).worker_event.connect(
        lambda event: heard.append(event) if event.job_id == marker else None)
    publisher = open_event_publisher(services.endpoints.redis_url, services.endpoints.database_url)
    # Progress for a document the pane does not list: the pane looks it up and leaves its rows alone.
    about = {"kind": INDEX_JOB_KIND, "document_id": str(uuid.uuid4())}
    try:
        for sent in range(0, worker_events, EVENT_BATCH):
            batch = min(EVENT_BATCH, worker_events - sent)
            for number in range(sent, sent + batch):
                publisher.publish(WorkerEvent(kind=JOB_PROGRESS, job_id=marker, progress=number / worker_events,
                                              message="Reading pages", data=about))
            yield "the worker's events to arrive", lambda expected=sent + batch: len(heard) >= expected
    finally:
        publisher.close()
    print(f"quit-driver: heard {len(heard)} worker events", file=sys.stderr)
    window.close()


class ScenarioRunner:
    """Steps through the scenario from the event loop, so the app runs exactly as it does alone."""

    def __init__(self, steps: Iterator[tuple[str, Condition]]) -> None:
        self.steps = steps
        self.failure: str | None = None
        self.waiting_for: tuple[str, Condition] | None = None
        self.deadline = 0.0
        self.timer = QTimer()
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def poll(self) -> None:
        try:
            if self.waiting_for is not None:
                label, condition = self.waiting_for
                if not condition():
                    if time.monotonic() > self.deadline:
                        self.fail(f"timed out waiting for {label}")
                    return
            self.waiting_for = next(self.steps)
            self.deadline = time.monotonic() + STEP_TIMEOUT_S
        except StopIteration:
            self.timer.stop()
        except Exception as error:
            self.fail(f"{type(error).__name__}: {error}")

    def fail(self, reason: str) -> None:
        self.timer.stop()
        self.failure = reason
        print(f"quit-driver: scenario failed: {reason}", file=sys.stderr)
        window = _main_window()
        if window is not None:
            window.close()
        else:
            QApplication.quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--answer-in-full", action="store_true",
                        help="wait for the tutor's whole answer instead of stopping it after its first words")
    parser.add_argument("--cards", type=int, default=6, help="how many cards to make and rate")
    parser.add_argument("--worker-events", type=int, default=600,
                        help="how many progress events the worker sends the window before it closes")
    args = parser.parse_args()
    # The same application object the app would make; cli.main's run_gui picks it up.
    create_application()
    with tempfile.TemporaryDirectory(prefix="quit-driver-") as notes_dir:
        steps = scenario(args.answer_in_full, args.cards, args.worker_events, Path(notes_dir))
        runner = ScenarioRunner(steps)
        code = cli.main(["--data-dir", args.data_dir])
        runner.timer.stop()
    return SCENARIO_FAILED if runner.failure is not None else code


if __name__ == "__main__":
    sys.exit(main())
