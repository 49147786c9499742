"""A passage's id, derived from what it is, so re-indexing and every other device give it the same one."""

from __future__ import annotations

import uuid

# Never change: every passage id already stored, and every citation and card pointing at one, comes from it.
PASSAGE_NAMESPACE = uuid.UUID("6f1c2b0e-5d3a-4c8e-9a57-2f64c1d0b9e3")


def passage_id(document_id: uuid.UUID, content_sha256: str, char_start: int, char_end: int) -> uuid.UUID:
    """The same document (its id syncs), the same file bytes and the same span of its text: the same id."""
    return uuid.uuid5(PASSAGE_NAMESPACE, f"{document_id}:{content_sha256.lower()}:{char_start}:{char_end}")
