"""The app a fault run kills: imports, tutor questions, card drafts and ratings, journalling what was acknowledged.

Run: python tests/fault_driver.py --data-dir D --journal J --epoch N --deck NAME FILE...
Every run of one epoch resumes the last: importing the same files again resumes them, and the
journal says which question and which draft request this epoch already made (they are not waited
for: the checker waits for every answer once all is settled). A line is written
to the journal, and fsynced, only after the service call returned, so the journal lists exactly
what the caller was told. Exit 0: the epoch's work is done; 2: a StudyTeddyError (its message on
stderr); anything else is a crash with a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studyteddy_desktop.assembly import open_services  # noqa: E402
from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.domain.enums import DocumentStatus, ReviewRating  # noqa: E402
from studyteddy_desktop.domain.errors import StudyTeddyError  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.runtime.service_watch import ServiceWatch  # noqa: E402
from studyteddy_desktop.runtime.worker_watch import WorkerWatch  # noqa: E402

EPOCH_DONE = "epoch done"
QUESTION = "How do enzymes change the rate of a reaction?"


class Journal:
    """Append-only lines, each on disk before the next call is made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, *fields: object) -> None:
        os.write(self._fd, (" ".join(str(field) for field in fields) + "\n").encode())
        os.fsync(self._fd)

    def lines(self) -> list[list[str]]:
        return [line.split() for line in self.path.read_text().splitlines() if line.strip()]

    def acknowledged_ratings(self) -> int:
        return sum(1 for fields in self.lines() if fields[0] == "ack")

    def made_in_epoch(self, kind: str, epoch: int) -> uuid.UUID | None:
        for fields in reversed(self.lines()):
            if fields[0] == kind and fields[1] == str(epoch):
                return uuid.UUID(fields[2])
        return None


def _rate_one(services, journal: Journal, deck_id: uuid.UUID) -> bool:
    queue = services.reviews.queue(deck_id)
    if not queue.cards:
        return False
    card = queue.cards[0]
    journal.write("try", card.card.id)
    outcome = services.reviews.rate(card.card.id, ReviewRating.GOOD, shown_last_review_at=card.shown_last_review_at,
                                    duration_ms=1500)
    if outcome.accepted:
        journal.write("ack", outcome.review_log_id, card.card.id)
    return True


def _finished(services, document_ids: list[uuid.UUID]) -> bool:
    return all(DocumentStatus(services.documents.get(document_id).status).is_final for document_id in document_ids)


def run_epoch(args: argparse.Namespace, services, watch: WorkerWatch | None, journal: Journal) -> None:
    deck_id = services.flashcards.find_deck(args.deck).id
    document_ids = []
    for path in args.files:
        outcome = services.documents.import_file(Path(path))
        journal.write("import", args.epoch, outcome.document.id, Path(path).name)
        document_ids.append(outcome.document.id)
    deadline = time.monotonic() + args.settle_timeout
    next_rating = time.monotonic()
    while time.monotonic() < deadline:
        if watch is not None:
            watch.check_all()  # as the window's watchdog does: servers first, then the worker
            watch.progressed()  # a kill is not the endless crash the watch guards against
        if time.monotonic() >= next_rating and journal.acknowledged_ratings() < args.ratings:
            _rate_one(services, journal, deck_id)
            next_rating = time.monotonic() + args.rating_interval
        if _finished(services, document_ids):
            for document_id in document_ids:
                document = services.documents.get(document_id)
                print(f"{document.original_filename}: {document.status} {document.status_reason or ''}", flush=True)
            ready = [d for d in document_ids[1:] if services.documents.get(d).status == DocumentStatus.READY]
            if ready:
                _ask_models(args, services, journal, ready[-1])
            return
        time.sleep(0.2)
    raise TimeoutError(f"epoch {args.epoch} did not settle within {args.settle_timeout:.0f} s")


def _ask_models(args, services, journal: Journal, document_id: uuid.UUID) -> None:
    """Once per epoch, a tutor question and a card-draft request; their answers are checked once all settles."""
    if args.skip_models:
        return
    if journal.made_in_epoch("ask", args.epoch) is None:
        journal.write("ask", args.epoch, services.tutor.ask(QUESTION, document_ids=[document_id]).id)
    if journal.made_in_epoch("draft", args.epoch) is None:
        journal.write("draft", args.epoch, services.card_drafts.request(document_id, count=2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--epoch", type=int, required=True)
    parser.add_argument("--deck", required=True)
    parser.add_argument("--ratings", type=int, default=200, help="stop rating once this many were acknowledged")
    parser.add_argument("--rating-interval", type=float, default=1.0)
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument("--skip-models", action="store_true", help="no tutor question, no card drafts")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    journal = Journal(args.journal)
    runtime = ServiceRuntime(Settings(data_dir=args.data_dir))
    services = None
    try:
        services = open_services(runtime.start())
        journal.write("started", args.epoch, os.getpid())
        watch = WorkerWatch(runtime.worker, services=ServiceWatch.of(runtime)) if runtime.worker else None
        run_epoch(args, services, watch, journal)
        print(EPOCH_DONE, flush=True)
        return 0
    except StudyTeddyError as error:
        print(f"studyteddy: {error.message}", file=sys.stderr, flush=True)
        return 2
    finally:
        if services is not None:
            services.close()
        runtime.stop()


if __name__ == "__main__":
    sys.exit(main())
