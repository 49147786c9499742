"""Indexing one document: extract in the sandbox, chunk, embed, store; resumable and idempotent.

Pages stream out of the extraction child and are chunked on a thread while earlier chunks are
embedded, and each batch is written while the next is embedded, so only embedding sets the pace.
Rows are upserted by (document, ordinal): a run cut short by a crash is finished by the next one,
which skips chunks already embedded with the same text. A chunk's id comes from the document, its file
and the chunk's span (ingest/passage_identity.py), so re-indexing, and another device indexing its own
copy, give a passage the id that cards and citations already point at.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from studyteddy_desktop.ai.token_counter import shared_token_counter
from studyteddy_desktop.db.repositories.base import ANY_USER
from studyteddy_desktop.db.repositories.document_repository import DocumentRepository
from studyteddy_desktop.domain.document_errors import DocumentProblem, NoExtractableTextError
from studyteddy_desktop.domain.enums import DocumentStatus
from studyteddy_desktop.ingest.chunk_feed import ChunkFeed, PlacedPage
from studyteddy_desktop.ingest.chunker import Chunk, Chunker
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.ingest.extracted_document import ExtractionLimits
from studyteddy_desktop.ingest.passage_identity import passage_id
from studyteddy_desktop.ingest.sandboxed_extraction import SandboxedExtraction
from studyteddy_desktop.services.core.database import Database

log = logging.getLogger(__name__)

EMBED_BATCH = 32
ProgressFn = Callable[[float, str], None]
EmbedFn = Callable[[list[str]], list[list[float]]]


@dataclass(frozen=True)
class _Source:
    """Where the document's bytes are, and the hash they are known by."""

    stored_path: str
    content_sha256: str


class IndexingCancelled(Exception):
    """The student cancelled or deleted the document while it was being indexed."""


@dataclass(frozen=True)
class IndexingResult:
    document_id: uuid.UUID
    status: str
    pages: int
    chunks: int
    embedded: int
    reason: str | None = None


class DocumentIndexer:
    def __init__(self, database: Database, store: ContentStore, embed: EmbedFn,
                 limits: ExtractionLimits | None = None) -> None:
        self.database = database
        self.store = store
        self.embed = embed
        self.limits = limits or ExtractionLimits()

    def index(self, document_id: uuid.UUID, *, password: str | None = None,
              progress: ProgressFn = lambda _fraction, _message: None) -> IndexingResult:
        source = self._begin(document_id)
        if source is None:
            return IndexingResult(document_id, "skipped", 0, 0, 0)
        try:
            return self._run(document_id, source, password, progress)
        except IndexingCancelled:
            with self.database.unit_of_work() as session:
                DocumentRepository(session).delete_derived_rows(document_id)
            return IndexingResult(document_id, DocumentStatus.CANCELLED, 0, 0, 0)
        except DocumentProblem as problem:
            self._finish_with_problem(document_id, problem)
            raise

    def _begin(self, document_id: uuid.UUID) -> _Source | None:
        with self.database.unit_of_work() as session:
            document = DocumentRepository(session).get(document_id, user_id=ANY_USER, for_update=True)
            # No stored file yet: a document that arrived by sync waits for its bytes, still queued.
            if document is None or document.status in (DocumentStatus.CANCELLED, DocumentStatus.READY) \
                    or document.stored_path is None:
                return None
            document.status, document.status_reason, document.progress = DocumentStatus.EXTRACTING, None, 0.0
            return _Source(document.stored_path, document.content_sha256)

    def _run(self, document_id: uuid.UUID, source: _Source, password: str | None,
             progress: ProgressFn) -> IndexingResult:
        counter = shared_token_counter()
        chunker = Chunker(counter.count_many, counter.split_to_fit)
        # Chunks an earlier, interrupted run already embedded: same place, id and text means no new embedding.
        with self.database.unit_of_work() as session:
            already_embedded = DocumentRepository(session).embedded_chunk_texts(document_id)
        pages_done = embedded = chunks_total = 0
        with SandboxedExtraction(self.store.path_of(source.stored_path), password=password,
                                 limits=self.limits) as extraction:
            info = extraction.info()
            with self.database.unit_of_work() as session:
                document = DocumentRepository(session).get(document_id, user_id=ANY_USER, for_update=True)
                if document is None:
                    raise IndexingCancelled()
                document.page_count, document.format_name = info.page_count, info.format_name
                document.mime_type, document.paged = info.mime_type, info.paged
            # Three steps overlap: chunking on the feed's thread, embedding here, and the writes
            # on their own thread, each batch's write running while the next batch is embedded.
            with ChunkFeed(extraction.pages(), chunker) as feed, \
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-writer") as writer:
                writing: Future[int] | None = None
                fraction = 0.0
                while (batch := feed.next_batch(EMBED_BATCH)) is not None:
                    fresh = [chunk for chunk in batch.chunks if already_embedded.get(
                        (chunk.ordinal, self._chunk_id(document_id, source, chunk))) != chunk.text]
                    vectors = self.embed([chunk.text for chunk in fresh]) if fresh else []
                    if writing is not None:
                        embedded += writing.result()
                        progress(fraction, f"Page {pages_done} of {info.page_count}")
                    pages_done, chunks_total = batch.pages_read, chunks_total + len(batch.chunks)
                    fraction = min(0.99, pages_done / max(info.page_count, 1))
                    writing = writer.submit(self._store_batch, document_id, source, batch.pages, fresh,
                                            vectors, fraction)
                if writing is not None:
                    embedded += writing.result()
        if chunks_total == 0:
            raise NoExtractableTextError(
                "This document has no text layer to read (it is probably scanned pages). "
                "Run it through OCR software first, then import the result.")
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            documents.trim_derived_rows(document_id, chunks_total, pages_done)
            document = documents.get(document_id, user_id=ANY_USER, for_update=True)
            if document is None or document.status == DocumentStatus.CANCELLED:
                raise IndexingCancelled()
            document.status, document.progress = DocumentStatus.READY, 1.0
            document.chunk_count, document.page_count = chunks_total, pages_done
            document.indexed_at = datetime.now(UTC)
        progress(1.0, "Ready")
        return IndexingResult(document_id, DocumentStatus.READY, pages_done, chunks_total, embedded)

    @staticmethod
    def _chunk_id(document_id: uuid.UUID, source: _Source, chunk: Chunk) -> uuid.UUID:
        return passage_id(document_id, source.content_sha256, chunk.char_start, chunk.char_end)

    def _store_batch(self, document_id: uuid.UUID, source: _Source, pages: list[PlacedPage],
                     fresh: list[Chunk], vectors: list[list[float]], fraction: float) -> int:
        """Write a batch's pages, its newly embedded chunks and the progress in one transaction."""
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            document = documents.get(document_id, user_id=ANY_USER, for_update=True)
            if document is None or document.status == DocumentStatus.CANCELLED:
                raise IndexingCancelled()
            documents.upsert_pages([
                {"document_id": document_id, "ordinal": placed.ordinal, "page_number": placed.page.number,
                 "char_start": placed.char_start, "text": placed.page.text} for placed in pages])
            documents.upsert_chunks([
                {"id": self._chunk_id(document_id, source, chunk), "document_id": document_id,
                 "ordinal": chunk.ordinal, "text": chunk.text,
                 "page_start": chunk.page_start, "page_end": chunk.page_end, "char_start": chunk.char_start,
                 "char_end": chunk.char_end, "token_count": chunk.token_count, "embedding": vector}
                for chunk, vector in zip(fresh, vectors, strict=True)])
            if document.status == DocumentStatus.EXTRACTING:
                document.status = DocumentStatus.EMBEDDING
            document.progress = max(document.progress or 0.0, fraction)
        return len(fresh)

    def give_up(self, document_id: uuid.UUID, error: BaseException) -> None:
        """End a document whose indexing broke down unexpectedly as failed, so it never stays half-done
        (unsearchable, and refused by Retry as "already being indexed")."""
        self._finish_with_problem(document_id, DocumentProblem(
            f"Indexing broke down ({type(error).__name__}). Retry it; if it fails again, the file may be "
            f"damaged."))

    def _finish_with_problem(self, document_id: uuid.UUID, problem: DocumentProblem) -> None:
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            document = documents.get(document_id, user_id=ANY_USER, for_update=True)
            if document is None:
                return
            documents.delete_derived_rows(document_id)
            document.status = DocumentStatus(problem.status)
            document.status_reason = problem.message
            document.progress = 0.0
            document.chunk_count = 0
