"""The local side of a pull: pages kept in the inbox with the cursor, then applied to the tables in parent order.

A pulled record's state is merged with this device's unsent writes by the same rules the server
uses (domain/sync_merge.py), so what a table shows is what the server will hold once they arrive.
Arrivals are written with `studyteddy.sync_applying` on, which the change triggers skip.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.sync_tracking import APPLY_ORDER, BY_COLLECTION, SyncedTable
from studyteddy_desktop.domain.sync_merge import (
    FieldWrite,
    MergeRefusedError,
    RecordChange,
    apply_change,
    is_deleted,
    values,
)
from studyteddy_desktop.services.sync.change_log import raise_clock_floor, row_values

log = logging.getLogger(__name__)
APPLY_BATCH = 500

_STORE_PAGE = sa.text(
    "INSERT INTO sync_inbox (collection, record_id, server_seq, state) "
    "SELECT p.collection, p.record_id, p.server_seq, p.state "
    "FROM jsonb_to_recordset(CAST(:records AS jsonb)) AS p(collection text, record_id text, server_seq bigint, state jsonb) "
    "ON CONFLICT (collection, record_id) DO UPDATE SET server_seq = EXCLUDED.server_seq, state = EXCLUDED.state "
    "WHERE EXCLUDED.server_seq > sync_inbox.server_seq")


def store_page(session: Session, records: list[dict[str, Any]], cursor: int) -> int:
    """Keep a pulled page and move the cursor past it in one transaction; the records kept."""
    known = [{"collection": record["collection"], "record_id": record["record_id"],
              "server_seq": record["server_seq"], "state": record["state"]}
             for record in records if record["collection"] in BY_COLLECTION]
    if known:
        session.execute(_STORE_PAGE, {"records": json.dumps(known, ensure_ascii=False)})
    session.execute(sa.text("UPDATE sync_device SET pull_cursor = :cursor WHERE id = 1 AND pull_cursor < :cursor"),
                    {"cursor": cursor})
    return len(known)


@dataclass
class ApplyOutcome:
    applied: int = 0
    # Rows that changed here: this device's own pushes coming back are applied without a write.
    changed: int = 0
    waiting: int = 0
    collections: set[str] = field(default_factory=set)
    # Documents that cards arrived for, so their passage links can be made on this device.
    card_documents: set[str] = field(default_factory=set)


def _local_change(table: SyncedTable, local: Any, row: dict[str, Any] | None) -> RecordChange | None:
    if local is None:
        return None
    fields = {name: FieldWrite(write["value"] if "value" in write else row[name], write["stamp"], write.get("base"))
              for name, write in (local.pending or {}).items() if row is not None and name in row}
    resolved = {name: tuple(stamps) for name, stamps in (local.pending_resolved or {}).items()}
    if not fields and local.pending_delete is None and not resolved:
        return None
    return RecordChange(table.collection, "", fields, local.pending_delete, resolved)


def _merged_row(table: SyncedTable, record_id: str, state: dict[str, Any], row: dict[str, Any] | None,
                owner_id: str) -> dict[str, Any] | None:
    """The row to write for a merged state, or None when there is nothing to write (deleted, never here)."""
    deleted = is_deleted(state)
    merged = dict(row or {})
    arrived = values(state)
    if row is None and any(name not in arrived for name in table.columns):
        # A record known only by its tombstone (or by part of its fields): nothing to show.
        return None
    if row is None and deleted and not table.soft_deletes:
        return None
    for name in table.columns:
        if name in arrived:
            merged[name] = arrived[name]
    if table.collection != "profile":
        merged["id"] = record_id
    if table.owner_column:
        merged[table.owner_column] = owner_id
    if table.soft_deletes:
        if deleted:
            merged["deleted_at"] = (row or {}).get("deleted_at") or _NOW_MARK
        elif "deleted_at" in arrived:
            merged["deleted_at"] = arrived["deleted_at"]
        elif row is not None and row.get("deleted_at") is not None:
            merged["deleted_at"] = None  # an edit newer than the deletion brought it back
    return merged


# Replaced by the transaction's time in SQL: a deletion that arrives is dated when it arrived.
_NOW_MARK = "__now__"


# An unsent local write that lost to a newer one from elsewhere: its row now shows the winner, so the value
# it must still carry to the server (where text is kept as a conflict copy) is kept with the write itself.
# One row per record: an UPDATE joined to two rows of one record would apply only one of them.
_KEEP_OUTVOTED = sa.text(
    "UPDATE sync_local_records AS r SET pending = r.pending || coalesce((SELECT jsonb_object_agg(f.key, "
    "    (r.pending -> f.key) || jsonb_build_object('value', f.lost -> 'value')) "
    "    FROM jsonb_each(l.fields) AS f(key, lost) WHERE r.pending -> f.key ->> 'stamp' = f.lost ->> 'stamp'), "
    "    '{}'::jsonb) "
    "FROM jsonb_to_recordset(CAST(:lost AS jsonb)) AS l(record_id text, fields jsonb) "
    "WHERE r.collection = :collection AND r.record_id = l.record_id")


def _outvoted(local: Any, row: dict[str, Any] | None, stamps: dict[str, str], record_id: str) -> list[dict[str, Any]]:
    if local is None or row is None:
        return []
    fields = {name: {"stamp": write["stamp"], "value": row.get(name)} for name, write in (local.pending or {}).items()
              if "value" not in write and name in row and stamps.get(name) != write["stamp"]}
    return [{"record_id": record_id, "fields": fields}] if fields else []


def _already_shown(local: Any, row: dict[str, Any] | None, stamps: dict[str, str], state: dict[str, Any]) -> bool:
    """The row already holds exactly this state: this device's own push coming back, nothing to write."""
    if local is None or row is None or local.pending or local.pending_delete or local.pending_resolved:
        return False
    if (local.stamps or {}) != stamps:
        return False
    return is_deleted(state) == (row.get("deleted_at") is not None) or "deleted_at" not in row


def _upsert_sql(table: SyncedTable) -> sa.TextClause:
    columns = ["id", *([table.owner_column] if table.owner_column else []), *table.columns,
               *(["deleted_at"] if table.soft_deletes else [])]
    listed = ", ".join(columns)
    chosen = ", ".join("CASE WHEN r.deleted_at_now THEN now() ELSE p.deleted_at END" if column == "deleted_at"
                       else f"p.{column}" for column in columns)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns if column != "id")
    touched = ", updated_at = now()" if table.soft_deletes else ""
    return sa.text(
        f"INSERT INTO {table.table} ({listed}) SELECT {chosen} "
        f"FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e(row), "
        f"LATERAL jsonb_populate_record(NULL::{table.table}, e.row - 'deleted_at_now') AS p, "
        f"LATERAL (SELECT coalesce((e.row ->> 'deleted_at_now')::boolean, false) AS deleted_at_now) AS r "
        f"ON CONFLICT (id) DO UPDATE SET {updates}{touched}")


def _profile_sql() -> sa.TextClause:
    return sa.text("UPDATE users AS u SET display_name = p.display_name, subjects = p.subjects, updated_at = now() "
                   "FROM jsonb_populate_record(NULL::users, CAST(:row AS jsonb)) AS p WHERE u.is_local_owner")


def _write_rows(session: Session, table: SyncedTable, rows: list[dict[str, Any]]) -> None:
    if table.collection == "profile":
        for row in rows:
            session.execute(_profile_sql(), {"row": json.dumps(row, ensure_ascii=False)})
        return
    prepared = []
    for row in rows:
        row = dict(row)
        if row.get("deleted_at") == _NOW_MARK:
            row["deleted_at"] = None
            row["deleted_at_now"] = True
        prepared.append(row)
    session.execute(_upsert_sql(table), {"rows": json.dumps(prepared, ensure_ascii=False)})


_SAVE_LOCAL = sa.text(
    "INSERT INTO sync_local_records (collection, record_id, stamps, pending, server_seq, server_state) "
    "SELECT s.collection, s.record_id, s.stamps, s.pending, s.server_seq, s.server_state "
    "FROM jsonb_to_recordset(CAST(:records AS jsonb)) "
    "    AS s(collection text, record_id text, stamps jsonb, pending jsonb, server_seq bigint, server_state jsonb) "
    "ON CONFLICT (collection, record_id) DO UPDATE SET stamps = EXCLUDED.stamps, "
    # A write made while this pull ran keeps waiting; one the server already holds does not.
    "    pending = sync_local_records.pending - coalesce((SELECT array_agg(f.key) FROM jsonb_each(EXCLUDED.server_state -> 'fields') AS f(key, write) "
    "        WHERE sync_local_records.pending -> f.key ->> 'stamp' = f.write ->> 'stamp'), '{}'::text[]), "
    "    pending_delete = CASE WHEN sync_local_records.pending_delete = EXCLUDED.server_state ->> 'tombstone' "
    "        THEN NULL ELSE sync_local_records.pending_delete END, "
    "    server_seq = EXCLUDED.server_seq, server_state = EXCLUDED.server_state")


def apply_inbox(session_factory, owner_id: str) -> ApplyOutcome:
    """Apply everything in the inbox, parents first; what still waits for a parent stays for the next sync."""
    outcome = ApplyOutcome()
    for _round in range(3):
        before = outcome.applied
        for collection in sorted(BY_COLLECTION, key=APPLY_ORDER.__getitem__):
            while True:
                applied, tried = _apply_batch(session_factory, BY_COLLECTION[collection], owner_id, outcome)
                if applied < tried or tried < APPLY_BATCH:
                    break
        if outcome.applied == before:
            break
    with session_factory() as session:
        outcome.waiting = session.scalar(sa.text("SELECT count(*) FROM sync_inbox")) or 0
    return outcome


def _apply_batch(session_factory, table: SyncedTable, owner_id: str, outcome: ApplyOutcome) -> tuple[int, int]:
    with session_factory() as session, session.begin():
        session.execute(sa.text("SET LOCAL studyteddy.sync_applying = 'on'"))
        # Ordered and locked so a second process applying the same inbox waits instead of doubling work.
        inbox = session.execute(sa.text(
            "SELECT record_id, server_seq, state FROM sync_inbox WHERE collection = :collection "
            "ORDER BY server_seq LIMIT :limit FOR UPDATE SKIP LOCKED"),
            {"collection": table.collection, "limit": APPLY_BATCH}).all()
        if not inbox:
            return 0, 0
        ids = [record.record_id for record in inbox]
        locals_ = {record.record_id: record for record in session.execute(sa.text(
            "SELECT record_id, stamps, pending, pending_delete, pending_resolved FROM sync_local_records "
            "WHERE collection = :collection AND record_id = ANY(:ids) FOR UPDATE"),
            {"collection": table.collection, "ids": ids})}
        rows = row_values(session, table, ids)
        writes: list[tuple[str, dict[str, Any]]] = []
        losing: list[dict[str, Any]] = []
        saved: list[dict[str, Any]] = []
        highest = ""
        for record in inbox:
            row = rows.get(record.record_id)
            state = record.state
            local_change = _local_change(table, locals_.get(record.record_id), row)
            if local_change is not None:
                try:
                    state, _changed = apply_change(record.state, local_change)
                except MergeRefusedError:
                    state = record.state
            stamps = {name: write["stamp"] for name, write in state["fields"].items()}
            losing.extend(_outvoted(locals_.get(record.record_id), row, stamps, record.record_id))
            merged = None if _already_shown(locals_.get(record.record_id), row, stamps, state) \
                else _merged_row(table, record.record_id, state, row, owner_id)
            if merged is not None:
                writes.append((record.record_id, merged))
            highest = max([highest, *stamps.values(), state.get("tombstone") or ""])
            saved.append({"collection": table.collection, "record_id": record.record_id, "stamps": stamps,
                          "pending": {}, "server_seq": record.server_seq, "server_state": record.state})
        failed = _write_all(session, table, writes)
        kept = [entry for entry in saved if entry["record_id"] not in failed]
        if kept:
            session.execute(_SAVE_LOCAL, {"records": json.dumps(kept, ensure_ascii=False)})
            kept_losing = [entry for entry in losing if entry["record_id"] not in failed]
            if kept_losing:
                session.execute(_KEEP_OUTVOTED, {"collection": table.collection,
                                                 "lost": json.dumps(kept_losing, ensure_ascii=False)})
            session.execute(sa.text("DELETE FROM sync_inbox WHERE collection = :collection AND record_id = ANY(:ids)"),
                            {"collection": table.collection, "ids": [entry["record_id"] for entry in kept]})
        if highest:
            raise_clock_floor(session, highest)
    outcome.applied += len(kept)
    written = sum(1 for record_id, _row in writes if record_id not in failed)
    outcome.changed += written
    if written:
        outcome.collections.add(table.collection)
    if table.collection == "cards":
        outcome.card_documents.update(str(row["source_document_id"]) for record_id, row in writes
                                      if record_id not in failed and row.get("source_document_id"))
    return len(kept), len(inbox)


def _write_all(session: Session, table: SyncedTable, writes: list[tuple[str, dict[str, Any]]]) -> set[str]:
    """Write the rows in one statement; when a row's parent is not here yet, row by row. The ids that failed."""
    if not writes:
        return set()
    try:
        with session.begin_nested():
            _write_rows(session, table, [row for _record_id, row in writes])
        return set()
    except sa.exc.IntegrityError:
        pass
    failed: set[str] = set()
    for record_id, row in writes:
        try:
            with session.begin_nested():
                _write_rows(session, table, [row])
        except sa.exc.IntegrityError as error:
            if _constraint(error) == SAME_FILE_TWICE and _keep_one_copy(session, table, record_id, row):
                continue
            log.info("sync: %s %s waits: %s", table.collection, record_id, str(error.orig).splitlines()[0])
            failed.add(record_id)
    return failed


# The same file imported on two devices before either synced: two records, one live file allowed.
SAME_FILE_TWICE = "uq_documents_user_id_content_sha256_live"


def _constraint(error: sa.exc.IntegrityError) -> str | None:
    diagnostics = getattr(error.orig, "diag", None)
    return getattr(diagnostics, "constraint_name", None)


def _keep_one_copy(session: Session, table: SyncedTable, record_id: str, row: dict[str, Any]) -> bool:
    """Keep the record with the smaller id live and delete the other, for everyone: every device decides alike.

    The deletion is a local write (a tombstone that syncs), so the devices that hold the other copy drop it too;
    its cards find the kept copy's passages by their fingerprints once it is indexed.
    """
    other = session.scalar(sa.text(
        "SELECT id::text FROM documents WHERE user_id = CAST(:owner AS uuid) AND content_sha256 = :sha "
        "AND deleted_at IS NULL AND id <> CAST(:id AS uuid)"),
        {"owner": row.get(table.owner_column or ""), "sha": row.get("content_sha256"), "id": record_id})
    if other is None:
        return False
    with session.begin_nested():
        if max(other, record_id) == record_id:
            _write_rows(session, table, [{**row, "deleted_at": _NOW_MARK}])
            session.execute(sa.text(
                "INSERT INTO sync_local_records (collection, record_id, pending_delete) "
                "VALUES ('documents', :id, sync_next_stamp()) "
                "ON CONFLICT (collection, record_id) DO UPDATE SET pending_delete = EXCLUDED.pending_delete"),
                {"id": record_id})
        else:
            # Tracked as this device's own deletion, so the devices holding that copy drop it too.
            session.execute(sa.text("SET LOCAL studyteddy.sync_applying = 'off'"))
            session.execute(sa.text("UPDATE documents SET deleted_at = now() WHERE id = CAST(:id AS uuid)"),
                            {"id": other})
            session.execute(sa.text("SET LOCAL studyteddy.sync_applying = 'on'"))
            _write_rows(session, table, [row])
    return True

