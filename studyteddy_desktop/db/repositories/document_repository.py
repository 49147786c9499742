"""Documents, their pages and chunks: the queries the library, indexer and search share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from studyteddy_desktop.db.models import Document, DocumentChunk, DocumentPage
from studyteddy_desktop.db.repositories.base import (
    ANY_USER,
    RepositoryBase,
    SoftDeletionMixin,
    UserScopedMixin,
)


class DocumentRepository(UserScopedMixin[Document], SoftDeletionMixin[Document], RepositoryBase[Document]):
    model = Document

    def live_with_hash(self, user_id: uuid.UUID, sha256: str) -> Document | None:
        # At most one: a partial unique index keeps one live document per user and content.
        return self.get_one_or_none(self.get_base_statement(user_id=user_id)
                                    .where(Document.content_sha256 == sha256))

    def live_for_user(self, user_id: uuid.UUID) -> list[Document]:
        return self.get_all(self.get_base_statement(user_id=user_id).order_by(Document.created_at.desc()))

    def other_live_users_of_file(self, stored_path: str, except_id: uuid.UUID) -> int:
        """Live documents, whoever owns them, that share the stored file (the store deduplicates)."""
        statement = self.get_base_statement(sa.func.count(), user_id=ANY_USER).where(
            Document.stored_path == stored_path, Document.id != except_id)
        return int(self.session.scalar(statement) or 0)

    def pages(self, document_id: uuid.UUID) -> list[DocumentPage]:
        statement = (sa.select(DocumentPage).where(DocumentPage.document_id == document_id)
                     .order_by(DocumentPage.ordinal))
        return list(self.session.scalars(statement))

    def upsert_pages(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = insert(DocumentPage).values(list(rows))
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[DocumentPage.document_id, DocumentPage.ordinal],
            set_={"page_number": statement.excluded.page_number, "char_start": statement.excluded.char_start,
                  "text": statement.excluded.text}))

    def embedded_chunk_texts(self, document_id: uuid.UUID) -> dict[tuple[int, uuid.UUID], str]:
        """(ordinal, id) -> text of chunks already embedded, so a resumed run skips them."""
        statement = sa.select(DocumentChunk.ordinal, DocumentChunk.id, DocumentChunk.text).where(
            DocumentChunk.document_id == document_id, DocumentChunk.embedding.is_not(None))
        return {(ordinal, chunk_id): text for ordinal, chunk_id, text in self.session.execute(statement)}

    def upsert_chunks(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write chunks by (document, ordinal); rows carrying an `id` first displace any row of the document
        holding that id at another ordinal, or that ordinal under another id, so ids derived from the
        passage stay unique when passages moved (a card on a displaced row loses its link until re-linked)."""
        if not rows:
            return
        placed = [(row["ordinal"], row["id"]) for row in rows if "id" in row]
        if placed:
            document_ids = {row["document_id"] for row in rows}
            self.session.execute(sa.delete(DocumentChunk).where(
                DocumentChunk.document_id.in_(document_ids),
                sa.or_(DocumentChunk.ordinal.in_([ordinal for ordinal, _id in placed]),
                       DocumentChunk.id.in_([chunk_id for _ordinal, chunk_id in placed])),
                sa.tuple_(DocumentChunk.ordinal, DocumentChunk.id).not_in(placed)))
        statement = insert(DocumentChunk).values(list(rows))
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[DocumentChunk.document_id, DocumentChunk.ordinal],
            set_={name: statement.excluded[name] for name in
                  ("text", "page_start", "page_end", "char_start", "char_end", "token_count", "embedding")}))

    def trim_derived_rows(self, document_id: uuid.UUID, chunk_count: int, page_count: int) -> None:
        """Drop chunks and pages beyond the new ends (the file changed, or a run was cut short)."""
        self.session.execute(sa.delete(DocumentChunk).where(DocumentChunk.document_id == document_id,
                                                            DocumentChunk.ordinal >= chunk_count))
        self.session.execute(sa.delete(DocumentPage).where(DocumentPage.document_id == document_id,
                                                           DocumentPage.ordinal >= page_count))

    def delete_derived_rows(self, document_id: uuid.UUID) -> None:
        self.trim_derived_rows(document_id, 0, 0)
