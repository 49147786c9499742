"""Pushes merged into a user's records under that user's own lock; pulls by sequence; the summary check."""

from __future__ import annotations

import json
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


def _change(index: int, change: RecordChangeIn, limits: ServerLimits) -> RecordChange:
    for name, write in change.fields.items():
        size = len(json.dumps(write.value, ensure_ascii=False).encode("utf-8"))
        if size > limits.max_field_bytes:
            raise ApiError(413, "field_too_large", f"changes[{index}].fields.{name} is {size} bytes; the limit is "
                                                   f"{limits.max_field_bytes} bytes.")
    return RecordChange(change.collection, change.record_id,
                        {name: FieldWrite(write.value, write.stamp, write.base) for name, write in change.fields.items()},
                        change.delete_stamp, {name: tuple(stamps) for name, stamps in change.resolved.items()})


def record_out(record: SyncRecord) -> RecordOut:
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
            counter = self._lock_counter(session, user_id)
            # Checked under the lock: a retry racing its first attempt waits for it, then finds it.
            done = session.get(SyncPush, (user_id, request.push_id))
            if done is not None:
                return PushResponse.model_validate({**done.response, "replayed": True})
            applied = self._apply(session, user_id, counter, changes)
            response = PushResponse(push_id=request.push_id, applied=applied, cursor=counter.last_seq, replayed=False)
            session.add(SyncPush(user_id=user_id, push_id=request.push_id,
                                 response=response.model_dump(mode="json", exclude={"replayed"})))
        return response

    @staticmethod
    def _lock_counter(session: Session, user_id: uuid.UUID) -> SyncCounter:
        session.execute(insert(SyncCounter).values(user_id=user_id, last_seq=0)
                        .on_conflict_do_nothing(index_elements=[SyncCounter.user_id]))
        return session.get(SyncCounter, user_id, with_for_update=True, populate_existing=True)

    @staticmethod
    def _apply(session: Session, user_id: uuid.UUID, counter: SyncCounter, changes: list[RecordChange]) -> int:
        keys = {(change.collection, change.record_id) for change in changes}
        stored = {(record.collection, record.record_id): record for record in session.scalars(
            sa.select(SyncRecord).where(SyncRecord.user_id == user_id,
                                        sa.tuple_(SyncRecord.collection, SyncRecord.record_id).in_(list(keys))))
        } if keys else {}
        touched: set[tuple[str, str]] = set()
        for index, change in enumerate(changes):
            key = (change.collection, change.record_id)
            record = stored.get(key)
            try:
                state, changed = apply_change(record.state if record else empty_state(), change)
            except MergeRefusedError as error:
                raise ApiError(422, "refused", f"changes[{index}]: {error}") from error
            if not changed:
                continue
            if record is None:
                record = SyncRecord(user_id=user_id, collection=change.collection, record_id=change.record_id)
                session.add(record)
                stored[key] = record
            record.state = state
            touched.add(key)
        # One sequence number per record changed, in a stable order, after every merge succeeded.
        for key in sorted(touched):
            counter.last_seq += 1
            stored[key].server_seq = counter.last_seq
        return len(touched)

    def pull(self, user_id: uuid.UUID, cursor: int, limit: int) -> PullResponse:
        limit = max(1, min(limit, self.limits.max_pull_page))
        with self.database.unit_of_work() as session:
            records = session.scalars(sa.select(SyncRecord).where(SyncRecord.user_id == user_id,
                                                                  SyncRecord.server_seq > cursor)
                                      .order_by(SyncRecord.server_seq).limit(limit + 1)).all()
            page = records[:limit]
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
