"""The indexing job's last step: re-linking the cards of a document that just became ready."""

from __future__ import annotations

import uuid

from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.flashcards.card_links import relink_cards as relink_cards_of_document

def relink_cards(database: Database, document_id: uuid.UUID) -> dict[str, int]:
    """Re-link or flag the cards whose source is this document or an earlier copy of its file."""
    return relink_cards_of_document(database, document_id)
