"""Frozen values about documents and search results that cross the service boundary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DocumentDTO:
    id: uuid.UUID
    title: str
    original_filename: str
    status: str
    status_reason: str | None
    progress: float
    page_count: int | None
    chunk_count: int
    size_bytes: int
    subject: str | None
    format_name: str | None
    paged: bool
    created_at: datetime
    indexed_at: datetime | None
    source_path: str | None
    summary: str | None
    key_concepts: tuple[str, ...]


@dataclass(frozen=True)
class DocumentPageDTO:
    ordinal: int
    page_number: int | None
    char_start: int
    text: str


@dataclass(frozen=True)
class DocumentDetailDTO:
    document: DocumentDTO
    pages: tuple[DocumentPageDTO, ...]
    stored_file: str | None


@dataclass(frozen=True)
class ImportOutcome:
    """What importing one file did: a new document, or the one already holding these bytes."""

    document: DocumentDTO
    duplicate: bool
    job_id: uuid.UUID | None
    # A duplicate whose indexing has not finished (still queued, or its worker died): its job was
    # queued again, which is harmless if it runs and resumes it if it was interrupted.
    resumed: bool = False


@dataclass(frozen=True)
class SearchHitDTO:
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    document_title: str
    page_start: int | None
    page_end: int | None
    char_start: int
    char_end: int
    snippet: str
    score: float
    text: str
    # The page the passage is really on when it runs across pages: where the query's words are.
    page: int | None = None
    # Cosine similarity of the passage to the query, the absolute measure of how relevant it is.
    similarity: float | None = None

    @property
    def page_label(self) -> str:
        return f"p. {self.page}" if self.page is not None else ""
