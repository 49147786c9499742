"""Concurrent text edits the server kept both of: listing them, and the student's choice of what stays."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.sync_tracking import BY_COLLECTION, PROFILE_RECORD_ID
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.sync_dto import ConflictChoice, ConflictDTO
from studyteddy_desktop.domain.sync_merge import RecordChange, apply_change, conflict_copies
from studyteddy_desktop.services.sync.change_log import row_values

KIND_LABELS = {"profile": "Profile", "decks": "Deck", "cards": "Card", "documents": "Document", "tasks": "Task",
               "exams": "Exam", "study_sessions": "Study session", "threads": "Tutor conversation"}
FIELD_LABELS = {"front": "front", "back": "back", "name": "name", "title": "title", "description": "notes",
                "notes": "notes", "display_name": "name"}
# For these, "keep both" copies the record so each version lives on its own; elsewhere the texts are joined.
COPYABLE = frozenset({"cards", "tasks", "exams"})
_LABEL_FIELDS = ("front", "title", "name", "display_name")
_SEPARATOR = "\n\n"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else json.dumps(value, ensure_ascii=False))


def _key(collection: str, record_id: str, field: str, stamp: str) -> str:
    return "|".join((collection, record_id, field, stamp))


def _records_with_versions(session: Session) -> list:
    return session.execute(sa.text(
        "SELECT collection, record_id, server_state FROM sync_local_records "
        "WHERE server_state -> 'versions' <> '{}'::jsonb ORDER BY collection, record_id")).all()


def list_conflicts(session: Session) -> list[ConflictDTO]:
    found: list[ConflictDTO] = []
    for record in _records_with_versions(session):
        table = BY_COLLECTION.get(record.collection)
        copies = conflict_copies(_with_local_resolutions(session, record))
        if table is None or not copies:
            continue
        row = row_values(session, table, [record.record_id]).get(record.record_id)
        if row is None or row.get("deleted_at"):
            continue
        label_value = next((row[name] for name in _LABEL_FIELDS if row.get(name)), "")
        label = _text(label_value).replace("\n", " ")
        label = f"{KIND_LABELS.get(record.collection, record.collection)} “{label[:60]}”" if label else \
            KIND_LABELS.get(record.collection, record.collection)
        for copy in copies:
            if _text(copy.value) == _text(row.get(copy.field)):
                continue
            found.append(ConflictDTO(_key(record.collection, record.record_id, copy.field, copy.stamp),
                                     record.collection, record.record_id, copy.field,
                                     KIND_LABELS.get(record.collection, record.collection),
                                     FIELD_LABELS.get(copy.field, copy.field.replace("_", " ")), label,
                                     _text(row.get(copy.field)), _text(copy.value)))
    return found


def _with_local_resolutions(session: Session, record) -> dict[str, Any]:
    """The server's state with the resolutions this device has not sent yet, so a dealt-with copy is gone at once."""
    pending = session.scalar(sa.text("SELECT pending_resolved FROM sync_local_records WHERE collection = :c "
                                     "AND record_id = :r"), {"c": record.collection, "r": record.record_id}) or {}
    if not pending:
        return record.server_state
    state, _changed = apply_change(record.server_state, RecordChange(
        record.collection, record.record_id, resolved={name: tuple(stamps) for name, stamps in pending.items()}))
    return state


def count_conflicts(session: Session) -> int:
    return len(list_conflicts(session))


def resolve(session: Session, key: str, choice: ConflictChoice, merged_text: str | None = None) -> None:
    try:
        collection, record_id, field, stamp = key.split("|")
    except ValueError:
        raise InvalidInputError("That conflict is not one Study Teddy knows.") from None
    conflict = next((c for c in list_conflicts(session) if c.key == key), None)
    if conflict is None:
        raise NotFoundError("That conflict was already dealt with (perhaps on another device).")
    table = BY_COLLECTION[collection]
    if choice is ConflictChoice.KEEP_OTHER:
        _write_field(session, table, record_id, field, conflict.other_value)
    elif choice is ConflictChoice.MERGED:
        if merged_text is None or not merged_text.strip():
            raise InvalidInputError("The merged text is empty; write the version to keep, or keep one of the two.")
        _write_field(session, table, record_id, field, merged_text)
    elif choice is ConflictChoice.KEEP_BOTH:
        if collection in COPYABLE:
            _copy_record(session, table, record_id, field, conflict.other_value)
        else:
            _write_field(session, table, record_id, field,
                         conflict.current_value + _SEPARATOR + conflict.other_value)
    session.execute(sa.text(
        "UPDATE sync_local_records SET pending_resolved = jsonb_set(pending_resolved, ARRAY[:field], "
        "coalesce(pending_resolved -> :field, '[]'::jsonb) || to_jsonb(CAST(:stamp AS text))) "
        "WHERE collection = :collection AND record_id = :record_id"),
        {"field": field, "stamp": stamp, "collection": collection, "record_id": record_id})


def _write_field(session: Session, table, record_id: str, field: str, value: str) -> None:
    if field not in table.columns:
        raise InvalidInputError("That conflict is not one Study Teddy knows.")
    where = "is_local_owner" if record_id == PROFILE_RECORD_ID else "id = CAST(:record_id AS uuid)"
    session.execute(sa.text(f"UPDATE {table.table} SET {field} = :value WHERE {where}"),
                    {"value": value, "record_id": record_id})


def _copy_record(session: Session, table, record_id: str, field: str, value: str) -> None:
    """A new record like this one, holding the other version: each version lives on in its own card or task."""
    copy_id = str(uuid.uuid4())
    columns = [column for column in table.columns if column != "created_at"]
    if table.owner_column:
        columns.append(table.owner_column)
    # An imported card's key names one card of its file: the copy is a new card of its own.
    chosen = ", ".join(":value" if column == field else "NULL" if column == "external_key" else column
                       for column in columns)
    session.execute(sa.text(f"INSERT INTO {table.table} (id, {', '.join(columns)}) "
                            f"SELECT CAST(:copy_id AS uuid), {chosen} FROM {table.table} "
                            f"WHERE id = CAST(:record_id AS uuid)"),
                    {"copy_id": copy_id, "value": value, "record_id": record_id})
