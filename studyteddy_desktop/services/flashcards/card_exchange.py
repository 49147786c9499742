"""Import and export of decks: Anki packages and CSV, in one transaction, never duplicating cards."""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from fsrs import Card

from studyteddy_desktop.db.models import Flashcard, FlashcardDeck, ReviewLog
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.db.repositories.flashcard_repository import FlashcardRepository
from studyteddy_desktop.domain.enums import CardState, ReviewRating
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.flashcard_dto import CardExchangeReport
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.flashcards.anki_export import write_package
from studyteddy_desktop.services.flashcards.anki_package import AnkiCollection, read_package
from studyteddy_desktop.services.flashcards.card_csv import read_csv_cards, write_csv_cards
from studyteddy_desktop.services.flashcards.card_markup import html_to_markdown
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.flashcards.flashcard_service import MAX_CARD_SIDE, card_dto, clean_deck_name, clean_tags
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.review_scheduler import STATE_NAMES, ReviewScheduler

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp"}
_REVIEW_NAMESPACE = uuid.UUID("5e0b7c1e-7a0d-4b7e-9d4e-1f7c2a9b3d11")
_ANKI_SUFFIXES = {".apkg", ".colpkg"}
_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}


class _Draft:
    __slots__ = ("key", "front", "back", "tags", "suspended", "reviews")

    def __init__(self, key: str, front: str, back: str, tags: list[str], suspended: bool = False,
                 reviews: tuple[tuple[int, int, int], ...] = ()) -> None:
        self.key, self.front, self.back, self.tags = key, front, back, tags
        self.suspended, self.reviews = suspended, reviews


class CardExchange:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache, media_dir: Path) -> None:
        self.database = database
        self.student = student
        self.cache = cache
        self.media_dir = media_dir

    # -- import -------------------------------------------------------------------------

    def import_file(self, path: Path, *, deck_name: str | None = None) -> CardExchangeReport:
        """Import an Anki package or a CSV file; importing the same file again adds nothing."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInputError(f"There is no file at {path}.")
        suffix = path.suffix.lower()
        if suffix in _CSV_SUFFIXES:
            name = clean_deck_name(deck_name or path.stem)
            drafts = [_Draft("csv:" + hashlib.sha1(draft.front.encode()).hexdigest(), draft.front, draft.back,
                             clean_tags(draft.tags)) for draft in read_csv_cards(path)]
            return self._store({name: drafts}, [], media_copied=0)
        if suffix in _ANKI_SUFFIXES or zipfile.is_zipfile(path):
            collection = read_package(path)
            by_deck, skipped, copied = self._anki_drafts(path, collection, deck_name)
            return self._store(by_deck, skipped, media_copied=copied)
        raise InvalidInputError(f"{path.name} is neither an Anki package (.apkg) nor a CSV file.")

    def _anki_drafts(self, path: Path, collection: AnkiCollection,
                     deck_name: str | None) -> tuple[dict[str, list[_Draft]], list[str], int]:
        skipped = list(collection.skipped)
        stored: dict[str, str | None] = {}
        copied = 0
        with zipfile.ZipFile(path) as package:
            def image_name(source: str) -> str | None:
                nonlocal copied
                if source in stored:
                    return stored[source]
                member = collection.media.get(source)
                if member is None or Path(source).suffix.lower() not in _IMAGE_SUFFIXES:
                    stored[source] = None
                    return None
                data = collection.read_media(package, member)
                name = hashlib.sha256(data).hexdigest()[:32] + Path(source).suffix.lower()
                target = self.media_dir / name
                if not target.exists():
                    self.media_dir.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    copied += 1
                stored[source] = name
                return name

            by_deck: dict[str, list[_Draft]] = {}
            for card in collection.cards:
                front, missing_front = html_to_markdown(card.front_html, image_name)
                back, missing_back = html_to_markdown(card.back_html, image_name)
                for source in missing_front + missing_back:
                    skipped.append(f"{card.key}: image “{source}” is not in the package or not an image")
                if len(front) > MAX_CARD_SIDE or len(back) > MAX_CARD_SIDE:
                    skipped.append(f"{card.key}: longer than {MAX_CARD_SIDE:,} characters")
                    continue
                name = deck_name or card.deck_name
                by_deck.setdefault(name, []).append(
                    _Draft(card.key, front, back, clean_tags(card.tags), card.suspended, card.reviews))
        return by_deck, skipped, copied

    def _deck_for(self, repository: FlashcardRepository, user_id: uuid.UUID, full_name: str) -> FlashcardDeck:
        """The deck at an Anki path such as "Biology::Cells", creating the missing levels."""
        parent: FlashcardDeck | None = None
        for part in [piece for piece in full_name.split("::") if piece.strip()] or ["Imported"]:
            name = clean_deck_name(part)
            siblings = [deck for deck in repository.live_decks(user_id)
                        if deck.name.casefold() == name.casefold()
                        and deck.parent_id == (parent.id if parent else None)]
            parent = siblings[0] if siblings else repository.add(FlashcardDeck(
                id=uuid.uuid4(), user_id=user_id, name=name, parent_id=parent.id if parent else None))
        assert parent is not None
        return parent

    def _store(self, by_deck: dict[str, list[_Draft]], skipped: list[str], *, media_copied: int) -> CardExchangeReport:
        user_id = self.student.user_id()
        now = self.student.now()
        added = updated = unchanged = restored = reviews_added = 0
        earliest_review: datetime | None = None
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            for full_name, drafts in by_deck.items():
                deck = self._deck_for(repository, user_id, full_name)
                existing = repository.cards_by_external_key(deck.id)
                scheduler = ReviewScheduler(deck.desired_retention, deck.fsrs_parameters)
                card_rows: list[dict] = []
                log_rows: list[dict] = []
                for draft in drafts:
                    card = existing.get(draft.key)
                    if card is not None:
                        changed = (card.front, card.back, list(card.tags or ())) != (draft.front, draft.back,
                                                                                      draft.tags)
                        if changed:
                            card.front, card.back, card.tags = draft.front, draft.back, draft.tags
                        if card.deleted_at is not None:
                            # Importing a card again says the student wants it: the same card comes
                            # back with its schedule and review history, not a copy starting over.
                            card.deleted_at = None
                            restored += 1
                        elif changed:
                            updated += 1
                        else:
                            unchanged += 1
                        continue
                    card_id = uuid.uuid4()
                    created_at = now - timedelta(seconds=1)
                    row = {"id": card_id, "deck_id": deck.id, "front": draft.front, "back": draft.back,
                           "tags": draft.tags, "suspended": draft.suspended, "external_key": draft.key,
                           "created_at": created_at, "updated_at": now, "due_at": created_at,
                           "state": CardState.NEW, "needs_review_flag": False}
                    if draft.reviews:
                        first = datetime.fromtimestamp(draft.reviews[0][0] / 1000, UTC)
                        row["created_at"] = min(created_at, first)
                        history = [(ease, datetime.fromtimestamp(stamp / 1000, UTC)) for stamp, ease, _ in draft.reviews]
                        states = _states_before(scheduler, card_id, row["created_at"], history)
                        for (stamp, ease, duration), state_before in zip(draft.reviews, states):
                            log_rows.append({"id": uuid.uuid5(_REVIEW_NAMESPACE, f"{draft.key}:{stamp}"),
                                             "card_id": card_id, "rating": ease,
                                             "reviewed_at": datetime.fromtimestamp(stamp / 1000, UTC),
                                             "review_duration_ms": duration, "state_before": state_before})
                        scheduled = scheduler.replay(card_id, row["created_at"], history)
                        row.update(state=scheduled.state, due_at=scheduled.due_at, stability=scheduled.stability,
                                   difficulty=scheduled.difficulty, step=scheduled.step,
                                   last_review_at=scheduled.last_review_at, fsrs_card=scheduled.fsrs_card)
                        earliest_review = min(filter(None, (earliest_review, first)))
                    card_rows.append(row)
                    existing[draft.key] = Flashcard(id=card_id)  # a key twice in one file is one card
                    added += 1
                if card_rows:
                    session.execute(sa.insert(Flashcard), card_rows)
                if log_rows:
                    session.execute(sa.insert(ReviewLog), log_rows)
                    reviews_added += len(log_rows)
            if earliest_review is not None:
                AnalyticsRepository(session).changed_since(earliest_review)
        self.cache.bump(user_id)
        return CardExchangeReport(deck_names=tuple(by_deck), added=added, updated=updated, unchanged=unchanged,
                                  restored=restored, reviews_added=reviews_added, media_copied=media_copied,
                                  skipped=tuple(skipped))

    # -- export -------------------------------------------------------------------------

    def export_deck(self, deck_id: uuid.UUID, path: Path) -> CardExchangeReport:
        """Write the deck's cards to `.apkg` or `.csv`, chosen by the file's suffix."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".apkg", ".csv"):
            raise InvalidInputError("Export to a file ending in .apkg (Anki) or .csv.")
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            deck = repository.deck(self.student.user_id(), deck_id)
            if deck is None:
                raise NotFoundError("That deck does not exist any more.")
            deck_name = deck.name
            cards = [card_dto(card) for card in repository.cards_in_deck(deck.id)]
        if not cards:
            raise InvalidInputError(f"“{deck_name}” has no cards to export.")
        if not path.parent.is_dir():
            raise InvalidInputError(f"There is no folder {path.parent} to export into.")
        media = write_package(path, deck_name, cards, self.media_dir) if suffix == ".apkg" else 0
        if suffix == ".csv":
            write_csv_cards(path, cards)
        return CardExchangeReport(deck_names=(deck_name,), added=len(cards), media_copied=media)


def _states_before(scheduler: ReviewScheduler, card_id: uuid.UUID, created_at: datetime,
                   history: list[tuple[int, datetime]]) -> list[CardState]:
    """The state the card was in before each answer of its history (what review_logs records)."""
    states: list[CardState] = []
    card = scheduler.fsrs_card(card_id, None, created_at)
    for ease, at in history:
        states.append(CardState.NEW if card.last_review is None else STATE_NAMES[card.state])
        card = Card.from_dict(scheduler.review(card_id, card, ReviewRating(ease), at).fsrs_card)  # type: ignore[arg-type]
    return states
