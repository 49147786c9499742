"""Keeping AI-made cards tied to their source when a document is indexed again, re-imported or synced.

A card remembers the SHA-256 of its source passage's text. Once a document is ready, every card
from it, or from an earlier import of the same file, is matched to the new passage with the same
text (or the passage that now holds the old text, when passage boundaries moved); a card whose
text is gone is flagged for the student to look at. The worker runs it after indexing; sync runs it
after cards arrive for a document this device has already indexed (their passage link stays local).
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from studyteddy_desktop.db.models import Document, DocumentChunk, Flashcard
from studyteddy_desktop.domain.card_draft_dto import text_fingerprint
from studyteddy_desktop.services.core.database import Database

_WORD = re.compile(r"\w+")


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def relink_cards(database: Database, document_id: uuid.UUID) -> dict[str, int]:
    """Re-link or flag the cards whose source is this document or an earlier copy of its file.

    Idempotent: running it again on the same rows changes nothing more.
    """
    with database.unit_of_work() as session:
        document = session.get(Document, document_id)
        if document is None:
            return {"relinked": 0, "flagged": 0}
        same_file = [Document.original_filename == document.original_filename]
        if document.source_path:
            same_file.append(Document.source_path == document.source_path)
        sources = sa.select(Document.id).where(Document.user_id == document.user_id,
                                               sa.or_(Document.id == document_id,
                                                      sa.and_(sa.or_(*same_file),
                                                              Document.created_at <= document.created_at)))
        cards = list(session.scalars(
            sa.select(Flashcard)
            .where(Flashcard.deleted_at.is_(None),
                   Flashcard.source_fingerprint.is_not(None), Flashcard.source_document_id.in_(sources))
            .with_for_update(of=Flashcard)))
        if not cards:
            return {"relinked": 0, "flagged": 0}
        chunks = list(session.execute(sa.select(DocumentChunk.id, DocumentChunk.text, DocumentChunk.page_start)
                                      .where(DocumentChunk.document_id == document_id)
                                      .order_by(DocumentChunk.ordinal)))
        by_fingerprint: dict[str, tuple] = {}
        for chunk in chunks:
            by_fingerprint.setdefault(text_fingerprint(chunk.text), chunk)
        normal_chunks = [(chunk, _normal(chunk.text)) for chunk in chunks]
        old_texts = dict(session.execute(sa.select(DocumentChunk.id, DocumentChunk.text).where(
            DocumentChunk.id.in_({card.source_chunk_id for card in cards if card.source_chunk_id}),
            DocumentChunk.document_id != document_id)).all())
        relinked = flagged = 0
        for card in cards:
            match = by_fingerprint.get(card.source_fingerprint)
            if match is None:
                match = _holder_of(old_texts.get(card.source_chunk_id), card.source_fingerprint, normal_chunks)
            if match is not None:
                if (card.source_chunk_id, card.source_document_id, card.source_page) != (
                        match.id, document_id, match.page_start):
                    card.source_chunk_id, card.source_document_id = match.id, document_id
                    card.source_page = match.page_start
                    card.source_fingerprint = text_fingerprint(match.text)
                    relinked += 1
            elif not card.needs_review_flag:
                card.needs_review_flag = True
                flagged += 1
        return {"relinked": relinked, "flagged": flagged}


def _holder_of(old_text: str | None, fingerprint: str, normal_chunks: list[tuple]) -> tuple | None:
    """The new passage holding the whole of the card's old passage text, when passages were cut
    differently this time; None when that text is no longer in the document."""
    if old_text is None or text_fingerprint(old_text) != fingerprint:
        return None
    wanted = _normal(old_text)
    whole = " ".join(normal for _chunk, normal in normal_chunks)
    if not wanted or wanted not in whole:
        return None
    words = set(wanted.split())
    return max(normal_chunks, key=lambda item: len(words & set(item[1].split())))[0]
