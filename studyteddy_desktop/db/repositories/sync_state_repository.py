"""Whether a local change has reached the sync server: undo stays with changes that have not left the device."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session


def has_left_device(session: Session, collection: str, record_id: str, *, deletion: bool = False) -> bool:
    """True once the server holds the record (or, with `deletion`, its deletion), so other devices may show it.

    On a device that never signed in nothing ever leaves, and every undo works as it always did.
    """
    row = session.execute(sa.text(
        "SELECT server_seq, pending, pending_delete, server_state -> 'tombstone' AS tombstone "
        "FROM sync_local_records WHERE collection = :collection AND record_id = :record_id"),
        {"collection": collection, "record_id": record_id}).one_or_none()
    if row is None or row.server_seq is None:
        return False
    if deletion:
        return row.pending_delete is None and row.tombstone is not None
    return not row.pending
