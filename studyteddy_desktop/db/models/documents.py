"""Imported study documents and the searchable chunks derived from them."""

import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyteddy_desktop.db.base import Base, SyncedRow, str_enum
from studyteddy_desktop.domain.enums import DocumentStatus

# all-MiniLM-L6-v2, the bundled embedding model, produces 384-dimensional vectors.
EMBEDDING_DIMENSIONS = 384

# Written exactly as PostgreSQL prints it back, so reflection compares equal to the model.
CHUNK_TSVECTOR_EXPRESSION = "to_tsvector('english'::regconfig, text)"


class Document(SyncedRow, Base):
    """A file the student imported; its status tracks the extract-and-embed pipeline."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_bytes_not_negative"),
        CheckConstraint("page_count >= 0", name="page_count_not_negative"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
        CheckConstraint("chunk_count >= 0", name="chunk_count_not_negative"),
        # Re-importing the same file is a duplicate only while the earlier copy is live;
        # after a soft delete the student must be able to import it again.
        Index(
            "uq_documents_user_id_content_sha256_live",
            "user_id",
            "content_sha256",
            unique=True,
            postgresql_where=sql_text("deleted_at IS NULL"),
        ),
        Index("ix_documents_user_id_created_at", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    original_filename: Mapped[str] = mapped_column(Text)
    # Hex SHA-256 of the file bytes: the identity used to spot a re-import.
    content_sha256: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus, constraint_name="status"),
        default=DocumentStatus.QUEUED,
        server_default=DocumentStatus.QUEUED.value,
    )
    # Human-readable why for failed / needs_password / cancelled, shown next to the status.
    status_reason: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float] = mapped_column(Double, default=0.0, server_default=sql_text("0"))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    summary: Mapped[str | None] = mapped_column(Text)
    key_concepts: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=sql_text("'[]'::jsonb")
    )
    indexed_at: Mapped[datetime | None]
    # Where the bytes live in the data folder's content-addressed store, relative to it.
    stored_path: Mapped[str | None] = mapped_column(Text)
    # The path the student imported from, shown in the detail view; never read again.
    source_path: Mapped[str | None] = mapped_column(Text)
    # Human name of the detected format ("PDF", "Markdown"); False `paged` means no page numbers.
    format_name: Mapped[str | None] = mapped_column(String(40))
    paged: Mapped[bool] = mapped_column(default=True, server_default=sql_text("true"))

    chunks: Mapped[list["DocumentChunk"]] = relationship(
        back_populates="document",
        order_by="DocumentChunk.ordinal",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Document(id={self.id!s}, title={self.title!r}, status={self.status!s})"


class DocumentChunk(Base):
    """A retrievable passage of a document with its embedding and full-text vector.

    Chunks are derived data: re-indexing a document replaces them wholesale, and another
    device rebuilds them from the document instead of syncing them, so no SyncedRow.
    """

    __tablename__ = "document_chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "ordinal"),
        CheckConstraint("ordinal >= 0", name="ordinal_not_negative"),
        CheckConstraint("page_end >= page_start", name="page_range_ordered"),
        CheckConstraint("char_end >= char_start", name="char_range_ordered"),
        CheckConstraint("token_count >= 0", name="token_count_not_negative"),
        Index(
            "ix_document_chunks_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index("ix_document_chunks_tsv", "tsv", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE")
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Pages are 1-based as printed on the page; NULL for formats without pages.
    page_start: Mapped[int | None] = mapped_column(Integer)
    page_end: Mapped[int | None] = mapped_column(Integer)
    # Offsets into the extracted plain text, so a citation can highlight the exact passage.
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    token_count: Mapped[int] = mapped_column(Integer)
    # NULL until the embedding step reaches this chunk.
    embedding: Mapped[Any | None] = mapped_column(Vector(EMBEDDING_DIMENSIONS))
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR, Computed(CHUNK_TSVECTOR_EXPRESSION, persisted=True)
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    document: Mapped[Document] = relationship(back_populates="chunks")

    def __repr__(self) -> str:
        return (
            f"DocumentChunk(id={self.id!s}, document_id={self.document_id!s}, "
            f"ordinal={self.ordinal})"
        )


class DocumentPage(Base):
    """The normalised text of one page, kept for citations and the detail view.

    Derived from the file like chunks are, so not synced; `char_start` places the page in
    the document text that chunk offsets point into.
    """

    __tablename__ = "document_pages"
    __table_args__ = (
        CheckConstraint("ordinal >= 0", name="ordinal_not_negative"),
        CheckConstraint("char_start >= 0", name="char_start_not_negative"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    # 0-based position; `page_number` is what is printed (None for formats without pages).
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_number: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"DocumentPage(document_id={self.document_id!s}, ordinal={self.ordinal})"
