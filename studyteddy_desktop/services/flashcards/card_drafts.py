"""AI-made cards for the UI: ask the worker for drafts, read them, accept the chosen ones into a deck."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from studyteddy_desktop.db.models import Document, DocumentChunk, Flashcard, FlashcardDeck
from studyteddy_desktop.db.repositories.flashcard_repository import FlashcardRepository
from studyteddy_desktop.domain.job_queue import CARD_DRAFTS_JOB_KIND
from studyteddy_desktop.domain.card_draft_dto import (
    CardDraftsDTO,
    CardSourceDTO,
    DraftedCard,
    text_fingerprint,
)
from studyteddy_desktop.domain.enums import DocumentStatus
from studyteddy_desktop.domain.errors import BlockedByPolicyError, InvalidInputError, NotFoundError
from studyteddy_desktop.domain.flashcard_dto import CardDraft, CardDTO
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.flashcards.flashcard_service import card_dto, clean_deck_name, clean_draft
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.policy.machine_policy import MachinePolicy
from studyteddy_desktop.services.policy.policy_sources import system_policy

AI_TAG = "ai-made"
# Cards worded from the passage's own sentences when the model wrote none: told apart in the browser.
PASSAGE_TAG = "from-passage"


class CardDrafts:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache, jobs: JobService, *,
                 policy: MachinePolicy | None = None) -> None:
        self.database = database
        self.student = student
        self.cache = cache
        self.jobs = jobs
        self.policy = policy if policy is not None else system_policy()

    def request(self, document_id: uuid.UUID, *, page_from: int | None = None, page_to: int | None = None,
                char_start: int | None = None, char_end: int | None = None, count: int | None = None) -> uuid.UUID:
        """Ask the worker to draft cards from a document, a page range or a selected passage; the job id."""
        if not self.policy.ai_cards_enabled:
            raise BlockedByPolicyError("Your school has turned off making flashcards with AI on this computer. "
                                       "You can still write cards yourself.")
        with self.database.unit_of_work() as session:
            document = session.get(Document, document_id)
            if document is None or document.deleted_at is not None:
                raise NotFoundError("That document is no longer in your library.")
            if document.status != DocumentStatus.READY:
                raise InvalidInputError(f"“{document.title}” is not indexed yet; make cards once it is ready.")
        payload: dict[str, object] = {"document_id": str(document_id)}
        for key, value in (("page_from", page_from), ("page_to", page_to), ("char_start", char_start),
                           ("char_end", char_end), ("count", count)):
            if value is not None:
                payload[key] = int(value)
        return self.jobs.submit(CARD_DRAFTS_JOB_KIND, payload).id

    def drafts(self, job_id: uuid.UUID) -> CardDraftsDTO:
        """The job's state and, once done, its drafts."""
        job = self.jobs.get(job_id)
        if job.kind != CARD_DRAFTS_JOB_KIND:
            raise NotFoundError("That background job did not draft cards.")
        drafts: list[DraftedCard] = []
        for item in job.result.get("drafts", []) if isinstance(job.result.get("drafts"), list) else []:
            try:
                drafts.append(DraftedCard.from_json(item))
            except (KeyError, TypeError, ValueError):
                continue  # a malformed stored draft is skipped rather than hiding the others
        return CardDraftsDTO(job_id=job.id, state=job.state, progress=job.progress, message=job.message,
                             error=job.error, drafts=tuple(drafts),
                             document_title=str(job.result.get("document_title") or ""),
                             notice=" ".join(str(job.result.get(key) or "") for key in ("notice", "fallback_notice")
                                             ).strip())

    def accept(self, drafts: list[DraftedCard], *, deck_id: uuid.UUID | None = None,
               new_deck_name: str | None = None) -> list[CardDTO]:
        """Add the accepted (possibly edited) drafts to a deck, or to a new deck, all or nothing.

        Each card keeps its source passage, page and the fingerprint of the passage's text.
        """
        if not drafts:
            raise InvalidInputError("Choose at least one card to add.")
        if (deck_id is None) == (new_deck_name is None):
            raise InvalidInputError("Choose the deck the cards go into.")
        cleaned = [clean_draft(CardDraft(draft.front, draft.back, (PASSAGE_TAG if draft.from_passage else AI_TAG,)))
                   for draft in drafts]
        user_id = self.student.user_id()
        due = self.student.now() - timedelta(seconds=1)
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            if deck_id is None:
                deck = repository.add(FlashcardDeck(id=uuid.uuid4(), user_id=user_id,
                                                    name=clean_deck_name(new_deck_name or "")))
                deck_id = deck.id
            elif repository.deck(user_id, deck_id) is None:
                raise NotFoundError("That deck does not exist any more.")
            texts = dict(session.execute(sa.select(DocumentChunk.id, DocumentChunk.text).where(
                DocumentChunk.id.in_({draft.chunk_id for draft in drafts if draft.chunk_id}))).all())
            documents = set(session.scalars(sa.select(Document.id).where(
                Document.id.in_({draft.document_id for draft in drafts}))))
            cards = []
            for draft, (front, back, tags) in zip(drafts, cleaned, strict=True):
                text = texts.get(draft.chunk_id) if draft.chunk_id else None
                cards.append(repository.add(Flashcard(
                    id=uuid.uuid4(), deck_id=deck_id, front=front, back=back, tags=tags, due_at=due,
                    source_document_id=draft.document_id if draft.document_id in documents else None,
                    source_chunk_id=draft.chunk_id if text is not None else None,
                    source_page=draft.page if draft.page and draft.page >= 1 else None,
                    source_fingerprint=text_fingerprint(text) if text is not None else None)))
            session.flush()
            for card in cards:
                session.refresh(card)
            result = [card_dto(card) for card in cards]
        self.cache.bump(user_id)
        return result

    def looks_fine(self, card_ids: list[uuid.UUID]) -> None:
        """The student checked flagged cards against their changed source and keeps them as they are."""
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            session.execute(sa.update(Flashcard).where(
                Flashcard.id.in_(card_ids),
                Flashcard.deck_id.in_(sa.select(FlashcardDeck.id).where(FlashcardDeck.user_id == user_id)))
                .values(needs_review_flag=False))

    def source_of(self, card_id: uuid.UUID) -> CardSourceDTO | None:
        """Where a card came from, with the passage's place for highlighting it; None for a card
        written by hand."""
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            found = FlashcardRepository(session).card_with_deck(user_id, card_id)
            if found is None:
                raise NotFoundError("That card does not exist any more.")
            card = found[0]
            if card.source_document_id is None:
                return None
            document = session.get(Document, card.source_document_id)
            if document is None:
                return None
            chunk = session.get(DocumentChunk, card.source_chunk_id) if card.source_chunk_id else None
            if chunk is not None and chunk.document_id != document.id:
                chunk = None
            return CardSourceDTO(document_id=document.id, document_title=document.title,
                                 page=card.source_page, char_start=chunk.char_start if chunk else None,
                                 char_end=chunk.char_end if chunk else None,
                                 document_live=document.deleted_at is None)
