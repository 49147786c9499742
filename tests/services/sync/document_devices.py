"""Two devices of one student, for the document sync tests: their files, synced rows and cards."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa

from studyteddy_desktop.db.models import Document, DocumentChunk, Flashcard, FlashcardDeck
from studyteddy_desktop.domain.card_draft_dto import text_fingerprint
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.profile_service import ProfileService
from studyteddy_desktop.services.sync.server_client import ServerClient
from tests.document_samples import text_pdf
from tests.sync_server.conftest import sign_in

# The columns sync carries for a document; the rest is each device's own.
SYNCED_DOCUMENT_COLUMNS = ("id", "title", "original_filename", "content_sha256", "mime_type", "size_bytes",
                           "page_count", "subject", "format_name", "paged", "created_at")
# A card's synced columns: its link to a passage (source_chunk_id) stays on each device.
SYNCED_CARD_COLUMNS = ("id", "front", "back", "source_document_id", "source_page", "source_fingerprint")


def notes_pdf(folder: Path, name: str) -> tuple[Path, str]:
    """A PDF with a word no other test uses, so each test's file has its own hash."""
    word = f"zorvex{uuid.uuid4().hex[:8]}"
    pages = [f"The {word} reactor heats water with molten salt. Its core sits below the turbine hall and "
             f"the salt never boils at normal pressure. " * 4,
             f"Operators of the {word} reactor train for two years. They practise every alarm on a "
             f"simulator before they sit at the real desk. " * 4]
    return text_pdf(folder / name, pages), word


def owner_of(database: Database) -> uuid.UUID:
    return ProfileService(database).ensure_local_profile().id


def chunks_of(database: Database, document_id: uuid.UUID) -> list:
    with database.unit_of_work() as session:
        return list(session.execute(sa.select(DocumentChunk.id, DocumentChunk.ordinal, DocumentChunk.text,
                                              DocumentChunk.page_start, DocumentChunk.char_start,
                                              DocumentChunk.char_end)
                                    .where(DocumentChunk.document_id == document_id)
                                    .order_by(DocumentChunk.ordinal)))


def stored_path_of(database: Database, document_id: uuid.UUID) -> str | None:
    with database.unit_of_work() as session:
        return session.get(Document, document_id).stored_path


def arrive_document(source: Database, target: Database, document_id: uuid.UUID) -> None:
    """What the sync engine does with a pulled document: the synced columns, queued, with no file yet."""
    with source.unit_of_work() as session:
        row = session.get(Document, document_id)
        values = {column: getattr(row, column) for column in SYNCED_DOCUMENT_COLUMNS}
    with target.unit_of_work() as session:
        session.add(Document(**values, user_id=owner_of(target), status="queued", stored_path=None))


def card_on_passage(database: Database, document_id: uuid.UUID, chunk, deck_name: str) -> uuid.UUID:
    """A card made from a passage, as accepting a drafted card makes it."""
    with database.unit_of_work() as session:
        deck = FlashcardDeck(user_id=owner_of(database), name=deck_name)
        session.add(deck)
        session.flush()
        card = Flashcard(deck_id=deck.id, front="What heats the water?", back="Molten salt.",
                         source_chunk_id=chunk.id, source_document_id=document_id, source_page=chunk.page_start,
                         source_fingerprint=text_fingerprint(chunk.text))
        session.add(card)
        session.flush()
        return card.id


def arrive_card(source: Database, target: Database, card_id: uuid.UUID) -> None:
    """What the sync engine does with a pulled card and its deck: all but the local passage link."""
    with source.unit_of_work() as session:
        row = session.get(Flashcard, card_id)
        deck = session.get(FlashcardDeck, row.deck_id)
        deck_values = {"id": deck.id, "name": deck.name}
        card_values = {name: getattr(row, name) for name in SYNCED_CARD_COLUMNS}
    with target.unit_of_work() as session:
        session.add(FlashcardDeck(**deck_values, user_id=owner_of(target)))
        session.flush()
        session.add(Flashcard(**card_values, deck_id=deck_values["id"], source_chunk_id=None))


def signed_in_client(server, student, device_name: str) -> ServerClient:
    client = ServerClient(server.url)
    client.set_access_token(sign_in(server, student, device_name)["access_token"])
    return client
