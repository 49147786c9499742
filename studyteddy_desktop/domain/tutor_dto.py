"""Frozen values about tutor threads, answers, their sources and the language models."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Worker event kinds of a tutor answer, in the order they arrive.
EVENT_SOURCES = "tutor.sources"
EVENT_TOKENS = "tutor.tokens"
EVENT_NOTICE = "tutor.notice"
EVENT_FINISHED = "tutor.finished"

# An answer whose worker died while writing it keeps its text and this reason.
INTERRUPTED_MESSAGE = "The background worker stopped while writing this answer. Retry to ask again."

# Said by retrieval, not by the model, so it is exact and never invented.
NOT_IN_DOCUMENTS = "This is not in your documents: no passage in your library is close enough to the question."
# Shown above text a model wrote from general knowledge, which only a capable model may do, when asked to.
GENERAL_KNOWLEDGE_LABEL = ("What follows is general knowledge from the language model, not taken from your "
                           "documents: check it before you rely on it.")

# How the Tutor (window and CLI) names and qualifies the model's part of a checked answer.
EXPLANATION_TITLE = "Teddy's explanation"
EXPLANATION_NOTE = "written by the language model, checked against your documents"
CUT_FOR_REPETITION = "Teddy started repeating itself, so the answer was cut there."


def support_text(checked: int | None, supported: int | None) -> str:
    """How much of the explanation the documents bore out; nothing when nothing was checked."""
    if not checked:
        return ""
    supported = min(supported or 0, checked)
    text = (f"{supported} of {checked} sentence{'' if checked == 1 else 's'} checked "
            f"{'was' if 1 in (supported, checked) else 'were'} supported by your documents")
    return text + (f" · {checked - supported} left out" if supported < checked else "")


@dataclass(frozen=True)
class QuoteDTO:
    """A sentence of source `source_number`, verbatim, that answers the question."""

    source_number: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"source_number": self.source_number, "text": self.text}

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> QuoteDTO:
        return cls(source_number=int(values["source_number"]), text=str(values.get("text", "")))


@dataclass(frozen=True)
class SourceDTO:
    """A numbered passage the answer may cite as [number]."""

    number: int
    document_id: uuid.UUID
    document_title: str
    chunk_id: uuid.UUID
    page: int | None
    char_start: int
    char_end: int
    quote: str
    similarity: float

    @property
    def page_label(self) -> str:
        return f"p. {self.page}" if self.page is not None else ""

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "document_id": str(self.document_id), "document_title": self.document_title,
                "chunk_id": str(self.chunk_id), "page": self.page, "char_start": self.char_start,
                "char_end": self.char_end, "quote": self.quote, "similarity": round(self.similarity, 4)}

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> SourceDTO:
        return cls(number=int(values["number"]), document_id=uuid.UUID(values["document_id"]),
                   document_title=str(values.get("document_title", "")), chunk_id=uuid.UUID(values["chunk_id"]),
                   page=values.get("page"), char_start=int(values.get("char_start", 0)),
                   char_end=int(values.get("char_end", 0)), quote=str(values.get("quote", "")),
                   similarity=float(values.get("similarity", 0.0)))


@dataclass(frozen=True)
class InteractionDTO:
    """One question and its answer; `grounded` is None until retrieval has run."""

    id: uuid.UUID
    thread_id: uuid.UUID
    mode: str
    question: str
    answer: str
    sources: tuple[SourceDTO, ...]
    grounded: bool | None
    status: str
    error: str | None
    model_name: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int | None
    first_token_ms: int | None
    feedback_rating: int | None
    created_at: datetime
    quotes: tuple[QuoteDTO, ...] = ()
    # Sentences of the explanation held against the sources and how many they bore out (None: not yet).
    checked_sentences: int | None = None
    supported_sentences: int | None = None
    cut_for_repetition: bool = False
    # Asked for by the student; the answer is general knowledge when it is ungrounded and has text.
    general_knowledge: bool = False
    first_shown_ms: int | None = None


@dataclass(frozen=True)
class ThreadDTO:
    id: uuid.UUID
    title: str
    subject: str | None
    document_ids: tuple[uuid.UUID, ...]
    updated_at: datetime
    interaction_count: int


@dataclass(frozen=True)
class LanguageModelDTO:
    """A GGUF model the tutor can use; `problem` says why it cannot, when it cannot."""

    path: str
    name: str
    size_bytes: int
    bundled: bool
    active: bool
    problem: str | None
    # Big enough to answer from general knowledge, labelled as such, when the student asks for it.
    general_knowledge: bool = False


@dataclass(frozen=True)
class LanguageModelSettings:
    """The active model (None: the bundled one), its context window in tokens and CPU threads."""

    model_path: str | None = None
    context_size: int = 4096
    threads: int = 2
