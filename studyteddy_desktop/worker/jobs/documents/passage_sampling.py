"""Passages spread evenly over a whole document, for summaries that cover its full length."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa

from studyteddy_desktop.ai.tutor_prompt import focused_excerpt
from studyteddy_desktop.db.models import Document, DocumentChunk
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.tutor_dto import SourceDTO
from studyteddy_desktop.services.core.database import Database


def spread_passages(database: Database, document_id: uuid.UUID, count: int, excerpt_tokens: int,
                    count_tokens: Callable[[str], int]) -> list[SourceDTO]:
    """`count` numbered excerpts taken at even steps through the document's chunks."""
    with database.unit_of_work() as session:
        title = session.scalar(sa.select(Document.title).where(Document.id == document_id)) or ""
        chunks = list(session.execute(
            sa.select(DocumentChunk.id, DocumentChunk.text, DocumentChunk.page_start, DocumentChunk.char_start,
                      DocumentChunk.char_end).where(DocumentChunk.document_id == document_id)
            .order_by(DocumentChunk.ordinal)))
    if not chunks:
        raise StudyTeddyError("That document has no indexed text to summarise yet.")
    step = max(1.0, len(chunks) / count)
    picked = [chunks[int(index * step)] for index in range(min(count, len(chunks)))]
    return [SourceDTO(number=number, document_id=document_id, document_title=title, chunk_id=chunk.id,
                      page=chunk.page_start, char_start=chunk.char_start, char_end=chunk.char_end,
                      quote=focused_excerpt(chunk.text, title, excerpt_tokens, count_tokens), similarity=1.0)
            for number, chunk in enumerate(picked, start=1)]
