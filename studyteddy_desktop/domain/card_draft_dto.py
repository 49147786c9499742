"""Frozen values about AI-drafted flashcards: a draft, a drafting job's state, and a card's source."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

# Where a draft's wording came from: the language model, or a sentence of the passage itself.
MODEL_ORIGIN = "model"
PASSAGE_ORIGIN = "passage"


def text_fingerprint(text: str) -> str:
    """What a card remembers of its source passage, so it can find that text again after re-indexing."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DraftedCard:
    """A proposed question/answer pair, with the passage it came from and who worded it."""

    front: str
    back: str
    document_id: uuid.UUID
    chunk_id: uuid.UUID | None
    page: int | None
    quote: str
    origin: str = MODEL_ORIGIN

    @property
    def from_passage(self) -> bool:
        return self.origin == PASSAGE_ORIGIN

    def to_json(self) -> dict[str, Any]:
        return {"front": self.front, "back": self.back, "document_id": str(self.document_id),
                "chunk_id": str(self.chunk_id) if self.chunk_id else None, "page": self.page, "quote": self.quote,
                "origin": self.origin}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftedCard:
        chunk = data.get("chunk_id")
        page = data.get("page")
        return cls(front=str(data.get("front") or ""), back=str(data.get("back") or ""),
                   document_id=uuid.UUID(str(data["document_id"])), chunk_id=uuid.UUID(str(chunk)) if chunk else None,
                   page=int(page) if page is not None else None, quote=str(data.get("quote") or ""),
                   origin=PASSAGE_ORIGIN if data.get("origin") == PASSAGE_ORIGIN else MODEL_ORIGIN)


@dataclass(frozen=True)
class CardDraftsDTO:
    """Where a drafting job is; `drafts` is filled once it is done."""

    job_id: uuid.UUID
    state: str  # a JobState value
    progress: float
    message: str | None
    error: str | None
    drafts: tuple[DraftedCard, ...] = field(default_factory=tuple)
    document_title: str = ""
    # What the student should know about these drafts (built from sentences, a fallback model).
    notice: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


@dataclass(frozen=True)
class CardSourceDTO:
    """Where a card came from, resolved for opening it in the Documents pane."""

    document_id: uuid.UUID
    document_title: str
    page: int | None
    char_start: int | None
    char_end: int | None
    document_live: bool

    @property
    def label(self) -> str:
        return f"{self.document_title}, p. {self.page}" if self.page else self.document_title
