"""Pushes merged into a user's records under that user's own lock; pulls by sequence; the summary check."""

from __future__ import annotations

import json
import math
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models import SyncCounter, SyncPush, SyncRecord
from studyteddy_desktop.domain.sync_merge import (
    FieldWrite,
    MergeRefusedError,
    RecordChange,
    apply_change,
    conflict_copies,
    empty_state,
    is_deleted,
    values,
)
from studyteddy_desktop.services.core.database import Database
from sync_server.core.config import ServerLimits
from sync_server.core.errors import ApiError
from sync_server.sync.lag import SYNC_LAG
from sync_server.sync.schemas import (
    CollectionSummary,
    ConflictCopyOut,
    PullResponse,
    PushRequest,
    PushResponse,
    RecordChangeIn,
    RecordOut,
    SyncSummary,
)

# Each statement of a push is short text with a few parameters, so psycopg parses it once and caches it;
# 50 ORM rows were 250 placeholders in one long INSERT, parsed again on every push.
_LOCK_COUNTER = sa.text(
    "INSERT INTO sync_counters (user_id, last_seq) VALUES (:user_id, 0) "
    # A no-op update so the row is locked (and read) in one round trip, as SELECT ... FOR UPDATE would.
    "ON CONFLICT (user_id) DO UPDATE SET last_seq = sync_counters.last_seq RETURNING last_seq")
_STORED_STATES = sa.text(
    "SELECT r.collection, r.record_id, r.state FROM sync_records AS r "
    "JOIN unnest(CAST(:collections AS text[]), CAST(:record_ids AS text[])) AS wanted(collection, record_id) "
    "ON r.collection = wanted.collection AND r.record_id = wanted.record_id WHERE r.user_id = :user_id")
# The changed rows travel as one JSON document: as a jsonb[] array every quote in every state would be
# escaped by the driver in Python, which cost more than the merge itself.
_CHANGED_ROWS = ("jsonb_to_recordset(CAST(:rows AS jsonb)) "
                 "AS changed(collection text, record_id text, state jsonb, server_seq bigint)")
_INSERT_RECORDS = sa.text(
    "INSERT INTO sync_records (user_id, collection, record_id, state, server_seq) "
    f"SELECT :user_id, changed.collection, changed.record_id, changed.state, changed.server_seq FROM {_CHANGED_ROWS}")
_UPDATE_RECORDS = sa.text(
    "UPDATE sync_records AS r SET state = changed.state, server_seq = changed.server_seq, updated_at = now() "
    f"FROM {_CHANGED_ROWS} WHERE r.user_id = :user_id AND r.collection = changed.collection "
    "AND r.record_id = changed.record_id")


def _surely_within(value: object, limit: int) -> bool:
    """True when the value's JSON cannot exceed `limit` bytes, so most fields skip encoding for the check."""
    if value is None or isinstance(value, bool | float) or (isinstance(value, int) and abs(value) < 2**63):
        return True
    # A character takes at most 6 bytes in JSON (an escape like \u001f), plus the two quotes.
    return isinstance(value, str) and len(value) * 6 + 2 <= limit


def _unstorable(value: object) -> str | None:
    """Why PostgreSQL's jsonb would refuse this value (NUL, a lone surrogate, NaN), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains the NUL character"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "is not valid Unicode (a lone surrogate)"
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    if isinstance(value, dict):
        return next((problem for key, item in value.items()
                     if (problem := _unstorable(key) or _unstorable(item))), None)
    if isinstance(value, list):
        return next((problem for item in value if (problem := _unstorable(item))), None)
    return None


def _change(index: int, change: RecordChangeIn, limits: ServerLimits) -> RecordChange:
    for name, write in change.fields.items():
        if problem := _unstorable(write.value):
            raise ApiError(422, "unstorable_value", f"changes[{index}].fields.{name} {problem}; it cannot be synced.")
        if _surely_within(write.value, limits.max_field_bytes):
            continue
        size = len(json.dumps(write.value, ensure_ascii=False).encode("utf-8"))
        if size > limits.max_field_bytes:
            raise ApiError(413, "field_too_large", f"changes[{index}].fields.{name} is {size} bytes; the limit is "
                                                   f"{limits.max_field_bytes} bytes.")
    return RecordChange(change.collection, change.record_id,
                        {name: FieldWrite(write.value, write.stamp, write.base) for name, write in change.fields.items()},
                        change.delete_stamp, {name: tuple(stamps) for name, stamps in change.resolved.items()})


def record_out(record: SyncRecord | sa.Row) -> RecordOut:
    state = record.state
    return RecordOut(collection=record.collection, record_id=record.record_id, server_seq=record.server_seq,
                     values=values(state), deleted=is_deleted(state), state=state,
                     conflicts=[ConflictCopyOut(field=copy.field, value=copy.value, stamp=copy.stamp)
                                for copy in conflict_copies(state)])


class SyncService:
    def __init__(self, database: Database, limits: ServerLimits) -> None:
        self.database = database
        self.limits = limits

    def push(self, user_id: uuid.UUID, request: PushRequest) -> PushResponse:
        if len(request.changes) > self.limits.max_changes_per_push:
            raise ApiError(413, "too_many_changes", f"A push holds at most {self.limits.max_changes_per_push} "
                                                    f"changes; this one has {len(request.changes)}. Split it.")
        changes = [_change(index, change, self.limits) for index, change in enumerate(request.changes)]
        with self.database.unit_of_work() as session:
            last_seq = session.execute(_LOCK_COUNTER, {"user_id": user_id}).scalar_one()
            # Checked under the lock: a retry racing its first attempt waits for it, then finds it.
            done = session.scalar(sa.select(SyncPush.response).where(SyncPush.user_id == user_id,
                                                                     SyncPush.push_id == request.push_id))
            if done is not None:
                return PushResponse.model_validate({**done, "replayed": True})
            applied, cursor = self._apply(session, user_id, last_seq, changes)
            if applied:
                session.execute(sa.update(SyncCounter).where(SyncCounter.user_id == user_id)
                                .values(last_seq=cursor))
            response = PushResponse(push_id=request.push_id, applied=applied, cursor=cursor, replayed=False)
            session.execute(insert(SyncPush).values(user_id=user_id, push_id=request.push_id,
                                                    response=response.model_dump(mode="json", exclude={"replayed"})))
        return response

    @staticmethod
    def _apply(session: Session, user_id: uuid.UUID, last_seq: int, changes: list[RecordChange]) -> tuple[int, int]:
        """Merge every change into the stored states; the number of records changed and the new last sequence."""
        keys = sorted({(change.collection, change.record_id) for change in changes})
        stored: dict[tuple[str, str], dict] = {}
        if keys:
            collections, record_ids = (list(column) for column in zip(*keys, strict=True))
            stored = {(collection, record_id): state for collection, record_id, state in session.execute(
                _STORED_STATES, {"user_id": user_id, "collections": collections, "record_ids": record_ids})}
        merged: dict[tuple[str, str], dict] = {}
        for index, change in enumerate(changes):
            key = (change.collection, change.record_id)
            current = merged.get(key) or stored.get(key) or empty_state()
            try:
                state, changed = apply_change(current, change)
            except MergeRefusedError as error:
                raise ApiError(422, "refused", f"changes[{index}]: {error}") from error
            if changed:
                merged[key] = state
        # One sequence number per record changed, in a stable order, after every merge succeeded.
        numbered = [(key, merged[key], last_seq + number) for number, key in enumerate(sorted(merged), start=1)]
        for statement, rows in ((_INSERT_RECORDS, [row for row in numbered if row[0] not in stored]),
                                (_UPDATE_RECORDS, [row for row in numbered if row[0] in stored])):
            if rows:
                session.execute(statement, {"user_id": user_id, "rows": json.dumps([
                    {"collection": key[0], "record_id": key[1], "state": state, "server_seq": seq}
                    for key, state, seq in rows])})
        return len(numbered), last_seq + len(numbered)

    def pull(self, user_id: uuid.UUID, cursor: int, limit: int) -> PullResponse:
        limit = max(1, min(limit, self.limits.max_pull_page))
        with self.database.unit_of_work() as session:
            records = session.execute(sa.select(SyncRecord.collection, SyncRecord.record_id, SyncRecord.server_seq,
                                                SyncRecord.state,
                                                sa.func.extract("epoch", sa.func.now() - SyncRecord.updated_at)
                                                .label("waited_s"))
                                      .where(SyncRecord.user_id == user_id, SyncRecord.server_seq > cursor)
                                      .order_by(SyncRecord.server_seq).limit(limit + 1)).all()
            page = records[:limit]
            for record in page:
                SYNC_LAG.observe(float(record.waited_s))
            return PullResponse(records=[record_out(record) for record in page],
                                cursor=page[-1].server_seq if page else cursor, more=len(records) > limit)

    def summary(self, user_id: uuid.UUID) -> SyncSummary:
        """Counts and digests per collection: a device that differs pulls from 0 again instead of looping."""
        with self.database.unit_of_work() as session:
            cursor = session.scalar(sa.select(SyncCounter.last_seq).where(SyncCounter.user_id == user_id)) or 0
            line = SyncRecord.record_id + ":" + sa.cast(SyncRecord.server_seq, sa.Text)
            # Byte order ("C"), so a device sorting the ids itself agrees with the server's digest.
            joined = sa.func.string_agg(line, aggregate_order_by(sa.literal("\n"), SyncRecord.record_id.collate("C")))
            rows = session.execute(sa.select(SyncRecord.collection, sa.func.count(), sa.func.md5(joined))
                                   .where(SyncRecord.user_id == user_id).group_by(SyncRecord.collection))
            return SyncSummary(cursor=cursor, collections={
                collection: CollectionSummary(count=count, digest=digest) for collection, count, digest in rows})
