"""Decks and cards: create, rename, nest, tag, suspend, search and delete."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Row

from studyteddy_desktop.db.base import transaction_time
from studyteddy_desktop.db.models import Flashcard, FlashcardDeck
from studyteddy_desktop.db.repositories.flashcard_repository import DueToday, FlashcardRepository
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.flashcard_dto import CardDraft, CardDTO, DeckDTO
from studyteddy_desktop.domain.local_time import day_bounds
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.text_input import clean_subject
from studyteddy_desktop.services.core.local_student import LocalStudent

MAX_DECK_NAME = 200
MAX_CARD_SIDE = 20_000
MAX_TAG = 60


def card_dto(card: Flashcard | Row) -> CardDTO:
    return CardDTO(id=card.id, deck_id=card.deck_id, front=card.front, back=card.back,
                   tags=tuple(card.tags or ()), state=str(card.state), due_at=card.due_at,
                   suspended=bool(card.suspended), needs_review_flag=bool(card.needs_review_flag),
                   stability=card.stability, difficulty=card.difficulty, last_review_at=card.last_review_at,
                   created_at=card.created_at, source_document_id=card.source_document_id,
                   source_page=card.source_page)


def deck_dto(deck: FlashcardDeck, card_count: int = 0, due: DueToday | None = None) -> DeckDTO:
    due = due or DueToday(0, 0)
    return DeckDTO(id=deck.id, name=deck.name, parent_id=deck.parent_id, subject=deck.subject,
                   desired_retention=deck.desired_retention, new_per_day=deck.new_per_day,
                   reviews_per_day=deck.reviews_per_day, card_count=card_count,
                   new_due=due.new, reviews_due=due.reviews, optimised=bool(deck.fsrs_parameters))


def clean_deck_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidInputError("A deck needs a name.")
    if len(cleaned) > MAX_DECK_NAME:
        raise InvalidInputError(f"A deck name can have at most {MAX_DECK_NAME} characters.")
    return cleaned


def clean_tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        name = "_".join(str(tag).split())
        if len(name) > MAX_TAG:
            raise InvalidInputError(f"A tag can have at most {MAX_TAG} characters.")
        if name and name.casefold() not in {existing.casefold() for existing in cleaned}:
            cleaned.append(name)
    return cleaned


def clean_draft(draft: CardDraft) -> tuple[str, str, list[str]]:
    front, back = (draft.front or "").strip(), (draft.back or "").strip()
    if not front:
        raise InvalidInputError("A card needs a front.")
    if len(front) > MAX_CARD_SIDE or len(back) > MAX_CARD_SIDE:
        raise InvalidInputError(f"A card side can have at most {MAX_CARD_SIDE:,} characters.")
    return front, back, clean_tags(draft.tags)


class FlashcardService:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache, media_dir: Path) -> None:
        self.database = database
        self.student = student
        self.cache = cache
        # Card images live here; Markdown refers to them by bare file name.
        self.media_dir = media_dir

    def _day_start(self):
        return day_bounds(self.student.today(), self.student.zone)[0]

    def _deck(self, repository: FlashcardRepository, deck_id: uuid.UUID, *, for_update: bool = False) -> FlashcardDeck:
        deck = repository.deck(self.student.user_id(), deck_id, for_update=for_update)
        if deck is None:
            raise NotFoundError("That deck does not exist any more.")
        return deck

    def _card(self, repository: FlashcardRepository, card_id: uuid.UUID) -> Flashcard:
        card = repository.card(card_id, for_update=True)
        if card is None or repository.deck(self.student.user_id(), card.deck_id) is None:
            raise NotFoundError("That card does not exist any more.")
        return card

    def add_media(self, path: Path) -> str:
        """Copy an image into the media folder; the name to write in Markdown as `![](name)`."""
        suffix = Path(path).suffix.lower()
        if suffix not in {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp"}:
            raise InvalidInputError("Cards can show PNG, JPEG, GIF, WebP, SVG or BMP images.")
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise InvalidInputError(f"Could not read {path}: {error.strerror or error}") from error
        name = hashlib.sha256(data).hexdigest()[:32] + suffix
        self.media_dir.mkdir(parents=True, exist_ok=True)
        if not (self.media_dir / name).exists():
            (self.media_dir / name).write_bytes(data)
        return name

    # -- decks --------------------------------------------------------------------------

    def list_decks(self) -> list[DeckDTO]:
        """Every deck with its card count and what is due today (after the daily limits)."""
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            counts = repository.deck_counts(user_id)
            due = repository.due_today(user_id, self.student.now(), self._day_start())
            return [deck_dto(deck, counts.get(deck.id, 0), due.get(deck.id))
                    for deck in repository.live_decks(user_id)]

    def cards_due_today(self) -> int:
        """The cards the student can study today, across decks (what the dashboard shows)."""
        with self.database.unit_of_work() as session:
            return FlashcardRepository(session).cards_due_today(self.student.user_id(), self.student.now(),
                                                                self._day_start())

    def get_deck(self, deck_id: uuid.UUID) -> DeckDTO:
        return next((deck for deck in self.list_decks() if deck.id == deck_id), None) or self._missing_deck()

    @staticmethod
    def _missing_deck() -> DeckDTO:
        raise NotFoundError("That deck does not exist any more.")

    def find_deck(self, name_or_id: str) -> DeckDTO:
        decks = self.list_decks()
        wanted = name_or_id.strip().casefold()
        for deck in decks:
            if deck.name.casefold() == wanted or str(deck.id) == wanted:
                return deck
        raise NotFoundError(f"No deck is called “{name_or_id}”. `studyteddy cards decks` lists them.")

    def create_deck(self, name: str, *, parent_id: uuid.UUID | None = None, subject: str | None = None,
                    deck_id: uuid.UUID | None = None) -> DeckDTO:
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            if parent_id is not None:
                self._deck(repository, parent_id)
            deck = repository.add(FlashcardDeck(id=deck_id or uuid.uuid4(), user_id=user_id,
                                                name=clean_deck_name(name), parent_id=parent_id,
                                                subject=clean_subject(subject)))
            session.refresh(deck)
            return deck_dto(deck)

    def update_deck(self, deck_id: uuid.UUID, *, name: str | None = None, parent_id: uuid.UUID | None = None,
                    clear_parent: bool = False, subject: str | None = None, desired_retention: float | None = None,
                    new_per_day: int | None = None, reviews_per_day: int | None = None) -> DeckDTO:
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            deck = self._deck(repository, deck_id, for_update=True)
            if name is not None:
                deck.name = clean_deck_name(name)
            if clear_parent:
                deck.parent_id = None
            elif parent_id is not None:
                self._check_parent(repository, deck, parent_id)
                deck.parent_id = parent_id
            if subject is not None:
                deck.subject = clean_subject(subject)
            if desired_retention is not None:
                if not 0.7 <= desired_retention <= 0.99:
                    raise InvalidInputError("Desired retention must be between 70% and 99%.")
                deck.desired_retention = desired_retention
            for value, attribute in ((new_per_day, "new_per_day"), (reviews_per_day, "reviews_per_day")):
                if value is not None:
                    if not 0 <= value <= 9999:
                        raise InvalidInputError("Daily limits must be between 0 and 9999.")
                    setattr(deck, attribute, value)
            session.flush()
        self.cache.bump(self.student.user_id())
        return self.get_deck(deck_id)

    def _check_parent(self, repository: FlashcardRepository, deck: FlashcardDeck, parent_id: uuid.UUID) -> None:
        ancestor: FlashcardDeck | None = self._deck(repository, parent_id)
        while ancestor is not None:
            if ancestor.id == deck.id:
                raise InvalidInputError("A deck cannot sit inside itself or one of its sub-decks.")
            ancestor = repository.deck(deck.user_id, ancestor.parent_id) if ancestor.parent_id else None

    def delete_deck(self, deck_id: uuid.UUID) -> None:
        """Tombstone the deck, its sub-decks and their cards."""
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            pending = [self._deck(repository, deck_id, for_update=True)]
            decks = repository.live_decks(user_id)
            while pending:
                deck = pending.pop()
                repository.soft_delete(deck, flush=False)
                repository.soft_delete_cards_in(deck.id)
                pending += [child for child in decks if child.parent_id == deck.id and child.deleted_at is None]
        self.cache.bump(user_id)

    # -- cards --------------------------------------------------------------------------

    def add_card(self, deck_id: uuid.UUID, draft: CardDraft, *, card_id: uuid.UUID | None = None) -> CardDTO:
        front, back, tags = clean_draft(draft)
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            self._deck(repository, deck_id)
            # New cards are due from the moment they exist, on the student's clock.
            card = repository.add(Flashcard(id=card_id or uuid.uuid4(), deck_id=deck_id, front=front, back=back,
                                            tags=tags, due_at=self.student.now() - timedelta(seconds=1)))
            session.refresh(card)
            dto = card_dto(card)
        self.cache.bump(self.student.user_id())
        return dto

    def update_card(self, card_id: uuid.UUID, draft: CardDraft) -> CardDTO:
        front, back, tags = clean_draft(draft)
        with self.database.unit_of_work() as session:
            card = self._card(FlashcardRepository(session), card_id)
            card.front, card.back, card.tags = front, back, tags
            card.needs_review_flag = False
            session.flush()
            session.refresh(card)
            return card_dto(card)

    def set_suspended(self, card_ids: list[uuid.UUID], suspended: bool = True) -> None:
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            for card_id in card_ids:
                self._card(repository, card_id).suspended = suspended
        self.cache.bump(self.student.user_id())

    def delete_cards(self, card_ids: list[uuid.UUID]) -> None:
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            for card_id in card_ids:
                self._card(repository, card_id).deleted_at = transaction_time()
        self.cache.bump(self.student.user_id())

    def get_card(self, card_id: uuid.UUID) -> CardDTO:
        with self.database.unit_of_work() as session:
            return card_dto(self._card(FlashcardRepository(session), card_id))

    def cards(self, deck_id: uuid.UUID, *, search: str | None = None, tag: str | None = None) -> list[CardDTO]:
        """The deck's cards, optionally those whose text contains `search` or that carry `tag`."""
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            self._deck(repository, deck_id)
            return [card_dto(card) for card in repository.cards_in_deck(
                deck_id, text=(search or "").strip() or None, tag=(tag or "").strip() or None)]
