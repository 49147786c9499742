"""The migrated schema matches the models and enforces what the models promise."""

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyteddy_desktop.db.migrate import (
    current_revision,
    head_revision,
    pending_differences,
    upgrade_to_head,
)
from studyteddy_desktop.db.models import (
    Document,
    DocumentChunk,
    Flashcard,
    FlashcardDeck,
    ReviewLog,
    UserProfile,
)
from studyteddy_desktop.domain.enums import CardState, DocumentStatus

EMBEDDING_DIMENSIONS = 384


@pytest.fixture
def session(migrated_engine: sa.Engine) -> Iterator[Session]:
    """A session whose work is rolled back, so tests leave no rows for each other."""
    with Session(migrated_engine) as session:
        yield session
        session.rollback()


@pytest.fixture
def profile(session: Session) -> UserProfile:
    profile = UserProfile(display_name="Test Student", subjects=["Biology"])
    session.add(profile)
    session.flush()
    return profile


def make_document(user: UserProfile, *, content: bytes, title: str = "Notes") -> Document:
    return Document(
        user_id=user.id,
        title=title,
        original_filename=f"{title}.pdf",
        content_sha256=hashlib.sha256(content).hexdigest(),
        mime_type="application/pdf",
        size_bytes=len(content),
    )


def make_chunk(
    document: Document, ordinal: int, text: str, embedding: list[float] | None = None
) -> DocumentChunk:
    return DocumentChunk(
        document_id=document.id,
        ordinal=ordinal,
        text=text,
        char_start=0,
        char_end=len(text),
        token_count=len(text.split()),
        embedding=embedding,
    )


def unit_vector(axis: int, *, lean: int | None = None) -> list[float]:
    """A 384-d vector along `axis`, optionally tilted part of the way towards axis `lean`."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    vector[axis] = 1.0
    if lean is not None:
        vector[lean] = 0.5
    return vector


def test_models_and_migrations_agree(migrated_engine: sa.Engine) -> None:
    assert pending_differences(migrated_engine) == []


def test_index_details_autogenerate_cannot_compare_are_in_place(
    migrated_engine: sa.Engine,
) -> None:
    """Autogenerate ignores index methods, operator classes, WITH options and WHERE clauses."""
    with migrated_engine.connect() as connection:
        definitions = dict(
            connection.execute(
                sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            ).all()
        )

    assert definitions["ix_document_chunks_embedding"].endswith(
        "USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64')"
    )
    assert definitions["ix_document_chunks_tsv"].endswith("USING gin (tsv)")
    assert definitions["uq_documents_user_id_content_sha256_live"].endswith(
        "USING btree (user_id, content_sha256) WHERE (deleted_at IS NULL)"
    )


def test_upgrade_to_head_is_idempotent(migrated_engine: sa.Engine) -> None:
    upgrade_to_head(migrated_engine)
    upgrade_to_head(migrated_engine)

    # Each feature adds a revision, so this names none: at head, and head is a real revision.
    assert current_revision(migrated_engine) == head_revision() is not None
    assert pending_differences(migrated_engine) == []


def test_vector_cosine_search_returns_nearest_chunk_first(
    session: Session, profile: UserProfile
) -> None:
    document = make_document(profile, content=uuid.uuid4().bytes)
    session.add(document)
    session.flush()
    session.add_all(
        [
            make_chunk(document, 0, "far away", unit_vector(0)),
            make_chunk(document, 1, "the nearest one", unit_vector(1, lean=2)),
            make_chunk(document, 2, "in between", unit_vector(2, lean=1)),
            make_chunk(document, 3, "not embedded yet", None),
        ]
    )
    session.flush()

    query = unit_vector(1)
    ranked = session.scalars(
        sa.select(DocumentChunk.text)
        .where(DocumentChunk.document_id == document.id, DocumentChunk.embedding.is_not(None))
        .order_by(DocumentChunk.embedding.cosine_distance(query))
    ).all()

    assert ranked == ["the nearest one", "in between", "far away"]


def test_generated_tsvector_finds_a_word(session: Session, profile: UserProfile) -> None:
    document = make_document(profile, content=uuid.uuid4().bytes)
    session.add(document)
    session.flush()
    session.add_all(
        [
            make_chunk(document, 0, "Chloroplasts convert light energy into chemical energy."),
            make_chunk(document, 1, "Mitochondria are the powerhouse of the cell."),
        ]
    )
    session.flush()

    # "converting" only matches "convert" through the english stemmer the column uses.
    matches = session.scalars(
        sa.select(DocumentChunk.ordinal).where(
            DocumentChunk.document_id == document.id,
            DocumentChunk.tsv.bool_op("@@")(sa.func.plainto_tsquery("english", "converting")),
        )
    ).all()

    assert matches == [0]
    filled = session.scalar(
        sa.select(sa.func.count())
        .select_from(DocumentChunk)
        .where(DocumentChunk.document_id == document.id, DocumentChunk.tsv.is_not(None))
    )
    assert filled == 2


def test_content_hash_is_unique_only_among_live_documents(
    session: Session, profile: UserProfile
) -> None:
    content = uuid.uuid4().bytes
    original = make_document(profile, content=content)
    session.add(original)
    session.flush()

    with pytest.raises(IntegrityError, match="uq_documents_user_id_content_sha256_live"):
        with session.begin_nested():
            session.add(make_document(profile, content=content, title="Duplicate"))
            session.flush()

    original.deleted_at = datetime.now(UTC)
    session.flush()
    reimported = make_document(profile, content=content, title="Re-imported")
    session.add(reimported)
    session.flush()

    assert reimported.status is DocumentStatus.QUEUED


def test_review_log_rating_check_rejects_five(session: Session, profile: UserProfile) -> None:
    deck = FlashcardDeck(user_id=profile.id, name="Cells")
    session.add(deck)
    session.flush()
    card = Flashcard(deck_id=deck.id, front="What makes ATP?", back="Mitochondria")
    session.add(card)
    session.flush()

    def review(rating: int) -> ReviewLog:
        return ReviewLog(
            card_id=card.id,
            rating=rating,
            reviewed_at=datetime.now(UTC),
            state_before=CardState.NEW,
        )

    with session.begin_nested():
        session.add(review(4))
        session.flush()

    with pytest.raises(IntegrityError, match="ck_review_logs_rating_range"):
        with session.begin_nested():
            session.add(review(5))
            session.flush()


def test_the_shipped_head_constant_names_the_newest_migration(migrated_engine):
    from studyteddy_desktop.db.migrate import head_revision
    from studyteddy_desktop.db.schema_version import SHIPPED_HEAD, database_is_at_shipped_head

    assert SHIPPED_HEAD == head_revision()
    assert database_is_at_shipped_head(migrated_engine)
