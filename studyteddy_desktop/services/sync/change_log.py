"""The local side of a push: rows written before tracking existed, the writes waiting, and their acknowledgement.

The triggers of migration 0010 record which fields changed and their stamps; values are read from
the rows themselves when a push is built, so a field edited five times offline travels once.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models.sync_local import WAITING_CONDITION
from studyteddy_desktop.db.sync_tracking import (
    BY_COLLECTION,
    HISTORY_COLLECTIONS,
    PROFILE_RECORD_ID,
    SYNCED_TABLES,
    SyncedTable,
)

log = logging.getLogger(__name__)

# The server's limits (PROTOCOL.md): 500 changes and 2 MiB a push, 64 KiB a field value.
MAX_CHANGES_PER_PUSH = 500
MAX_PUSH_BYTES = 1_500_000
MAX_FIELD_BYTES = 64 * 1024


def _stamped_fields(table: SyncedTable) -> str:
    """SQL for every synced column of a row as {"stamp": one stamp, "base": null}, under one stamp per row."""
    pairs = ", ".join(f"'{column}', jsonb_build_object('stamp', s.stamp, 'base', NULL)" for column in table.columns)
    return f"jsonb_build_object({pairs})"


def _stamp_only(table: SyncedTable) -> str:
    pairs = ", ".join(f"'{column}', s.stamp" for column in table.columns)
    return f"jsonb_build_object({pairs})"


def track_untracked_rows(session: Session) -> int:
    """Stamp every row written before change tracking existed, so the first push sends it; the rows stamped.

    A row deleted before then gets its fields and, after them, a tombstone: another device may hold
    records pointing at it (a live card in a deleted deck) and needs the row to exist.
    """
    stamped = 0
    for table in SYNCED_TABLES:
        if table.collection == "profile":
            source = f"SELECT '{PROFILE_RECORD_ID}' AS rid, sync_next_stamp() AS stamp FROM users WHERE is_local_owner"
            deleted = "false"
        else:
            source = f"SELECT t.id::text AS rid, sync_next_stamp() AS stamp FROM {table.table} AS t"
            deleted = "false"
            if table.soft_deletes and table.collection not in HISTORY_COLLECTIONS:
                deleted = (f"EXISTS (SELECT 1 FROM {table.table} AS d WHERE d.id::text = sync_local_records.record_id "
                           "AND d.deleted_at IS NOT NULL)")
        inserted = session.execute(sa.text(
            f"INSERT INTO sync_local_records (collection, record_id, stamps, pending) "
            f"SELECT '{table.collection}', s.rid, {_stamp_only(table)}, {_stamped_fields(table)} "
            f"FROM ({source}) AS s WHERE NOT EXISTS (SELECT 1 FROM sync_local_records AS r "
            f"WHERE r.collection = '{table.collection}' AND r.record_id = s.rid) "
            f"RETURNING record_id, {deleted} AS deleted")).all()
        stamped += len(inserted)
        tombstoned = [row.record_id for row in inserted if row.deleted]
        if tombstoned:
            # A later statement, so every tombstone is newer than its row's field stamps.
            session.execute(sa.text("UPDATE sync_local_records SET pending_delete = sync_next_stamp() "
                                    "WHERE collection = :collection AND record_id = ANY(:ids)"),
                            {"collection": table.collection, "ids": tombstoned})
    return stamped


def waiting_count(session: Session) -> int:
    return session.scalar(sa.text(f"SELECT count(*) FROM sync_local_records WHERE {WAITING_CONDITION}")) or 0


def row_values(session: Session, table: SyncedTable, record_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The rows' current columns as JSON, by record id (the profile: the local owner's row)."""
    if table.collection == "profile":
        row = session.scalar(sa.text("SELECT to_jsonb(u) FROM users AS u WHERE is_local_owner"))
        return {PROFILE_RECORD_ID: row} if row is not None else {}
    rows = session.execute(sa.text(f"SELECT t.id::text, to_jsonb(t) FROM {table.table} AS t "
                                   f"WHERE t.id = ANY(CAST(:ids AS uuid[]))"), {"ids": record_ids})
    return dict(rows.all())


@dataclass
class OutgoingBatch:
    push_id: uuid.UUID
    body: dict[str, Any]
    # Changes left out: a field over the server's size limit stays waiting, and is reported.
    too_large: list[str]


def _fits(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return True
    # A character takes at most 6 bytes in JSON (an escape), so most text needs no encoding to know.
    if isinstance(value, str) and len(value) * 6 + 2 <= MAX_FIELD_BYTES:
        return True
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8")) <= MAX_FIELD_BYTES


def build_batches(session: Session) -> list[OutgoingBatch]:
    """Every waiting write, as pushes within the server's limits."""
    waiting = session.execute(sa.text(
        f"SELECT collection, record_id, pending, pending_delete, pending_resolved FROM sync_local_records "
        f"WHERE {WAITING_CONDITION} ORDER BY collection, record_id")).all()
    by_collection: dict[str, list] = {}
    for record in waiting:
        by_collection.setdefault(record.collection, []).append(record)
    changes: list[dict[str, Any]] = []
    too_large: list[str] = []
    for collection, records in by_collection.items():
        table = BY_COLLECTION.get(collection)
        if table is None:
            continue
        rows = row_values(session, table, [record.record_id for record in records])
        for record in records:
            row = rows.get(record.record_id)
            fields: dict[str, Any] = {}
            if row is not None:
                for name, write in record.pending.items():
                    if name not in row:
                        continue
                    # A write outvoted by an arrival keeps its own value; the row shows the winner's.
                    value = write["value"] if "value" in write else row[name]
                    if not _fits(value):
                        too_large.append(f"{collection} {record.record_id} {name}")
                        continue
                    fields[name] = {"value": value, "stamp": write["stamp"], "base": write.get("base")}
            change = {"collection": collection, "record_id": record.record_id, "fields": fields,
                      "delete_stamp": record.pending_delete, "resolved": record.pending_resolved or {}}
            if fields or change["delete_stamp"] or change["resolved"]:
                changes.append(change)
    return _cut(changes, too_large)


def _cut(changes: list[dict[str, Any]], too_large: list[str]) -> list[OutgoingBatch]:
    batches: list[OutgoingBatch] = []
    current: list[dict[str, Any]] = []
    size = 0
    for change in changes:
        change_size = len(json.dumps(change, ensure_ascii=False).encode("utf-8"))
        if current and (len(current) >= MAX_CHANGES_PER_PUSH or size + change_size > MAX_PUSH_BYTES):
            batches.append(new_push(current, []))
            current, size = [], 0
        current.append(change)
        size += change_size
    if current or too_large:
        batches.append(new_push(current, too_large))
    return [batch for batch in batches if batch.body["changes"] or batch.too_large]


def new_push(changes: list[dict[str, Any]], too_large: list[str] = ()) -> OutgoingBatch:
    push_id = uuid.uuid4()
    return OutgoingBatch(push_id, {"push_id": str(push_id), "changes": changes}, list(too_large))


_ACKNOWLEDGE = sa.text(
    "UPDATE sync_local_records AS r SET "
    "pending = r.pending - coalesce((SELECT array_agg(f.key) FROM jsonb_each(s.fields) AS f(key, write) "
    "    WHERE r.pending -> f.key ->> 'stamp' = f.write ->> 'stamp'), '{}'::text[]), "
    "pending_delete = CASE WHEN r.pending_delete = s.delete_stamp THEN NULL ELSE r.pending_delete END, "
    "pending_resolved = CASE WHEN r.pending_resolved = coalesce(s.resolved, '{}'::jsonb) THEN '{}'::jsonb "
    "    ELSE r.pending_resolved END "
    "FROM jsonb_to_recordset(CAST(:changes AS jsonb)) "
    "    AS s(collection text, record_id text, fields jsonb, delete_stamp text, resolved jsonb) "
    "WHERE r.collection = s.collection AND r.record_id = s.record_id")


def acknowledge(session: Session, body: dict[str, Any]) -> None:
    """The server holds these writes: they wait no more, unless the field was written again since."""
    if body["changes"]:
        session.execute(_ACKNOWLEDGE, {"changes": json.dumps(body["changes"], ensure_ascii=False)})
    highest = max((write["stamp"] for change in body["changes"] for write in change["fields"].values()),
                  default=None)
    if highest is not None:
        raise_clock_floor(session, highest)


def raise_clock_floor(session: Session, stamp: str) -> None:
    """Keep this device's next stamps after `stamp` (a stamp seen from another device, or its own last sent)."""
    wall_ms = int(stamp[:13])
    session.execute(sa.text("UPDATE sync_device SET clock_floor_ms = :wall WHERE id = 1 AND clock_floor_ms < :wall"),
                    {"wall": wall_ms + 1})
