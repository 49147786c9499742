"""One sync: resend what a crash left in flight, pull, stamp old rows, push, pull again, check the summary.

Every step commits what it finished before the next network call, so a sync cut off anywhere
(network drop, app killed) resumes from there: a push is written down before it is sent and
sent again with the same id, and a pulled page is kept together with the cursor past it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models import SyncOutgoingPush
from studyteddy_desktop.domain.sync_dto import SyncAuthError, SyncError, SyncOfflineError, SyncPhase, SyncProgressDTO
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.sync import change_log, record_apply
from studyteddy_desktop.services.sync.server_client import ServerClient
from studyteddy_desktop.services.sync.sync_account import read_device

log = logging.getLogger(__name__)
PULL_PAGE = 500
Progress = Callable[[SyncProgressDTO], None]


def _quiet(_progress: SyncProgressDTO) -> None:
    return None


@dataclass
class RoundReport:
    pushed: int = 0
    pulled: int = 0
    waiting_records: int = 0
    refused: list[str] = field(default_factory=list)
    too_large: list[str] = field(default_factory=list)
    collections: set[str] = field(default_factory=set)
    card_documents: set[str] = field(default_factory=set)
    repaired: bool = False


class SyncRound:
    def __init__(self, database: Database, client: ServerClient, owner_id: str, progress: Progress | None = None):
        self.database = database
        self.client = client
        self.owner_id = owner_id
        self.progress = progress or _quiet
        self.report = RoundReport()

    def run(self, *, check_summary: bool = True) -> RoundReport:
        self._resend_in_flight()
        self._pull()
        with self.database.unit_of_work() as session:
            device = read_device(session)
            if not device.all_tracked:
                stamped = change_log.track_untracked_rows(session)
                device.all_tracked = True
                log.info("sync: stamped %d rows written before sync was set up", stamped)
        self._push()
        self._pull()
        if check_summary and self._summary_differs():
            # Once, never in a loop: pull everything again and apply what differs.
            self.report.repaired = True
            with self.database.unit_of_work() as session:
                session.execute(sa.text("UPDATE sync_device SET pull_cursor = 0 WHERE id = 1"))
            self._pull()
        return self.report

    # -- push -----------------------------------------------------------------------------------------

    def _resend_in_flight(self) -> None:
        with self.database.unit_of_work() as session:
            stored = [(row.push_id, row.body) for row in session.scalars(
                sa.select(SyncOutgoingPush).order_by(SyncOutgoingPush.created_at))]
        for push_id, body in stored:
            self._send(push_id, body)

    def _push(self) -> None:
        with self.database.unit_of_work() as session:
            batches = change_log.build_batches(session)
        total = sum(len(batch.body["changes"]) for batch in batches)
        done = 0
        for batch in batches:
            self.report.too_large.extend(batch.too_large)
            if not batch.body["changes"]:
                continue
            with self.database.unit_of_work() as session:
                session.add(SyncOutgoingPush(push_id=batch.push_id, body=batch.body))
            self._send(batch.push_id, batch.body)
            done += len(batch.body["changes"])
            self.progress(SyncProgressDTO(SyncPhase.UPLOAD, done, total))

    def _send(self, push_id, body: dict) -> None:
        try:
            self.client.push(body)
        except SyncError as error:
            if isinstance(error, SyncOfflineError | SyncAuthError):
                raise  # kept in flight: sent again, with the same id, next time
            # The server refused the push (a rule, a limit): it never applies. Split it to find the change.
            self._forget_push(push_id)
            if len(body["changes"]) == 1:
                change = body["changes"][0]
                self.report.refused.append(f"{change['collection']} {change['record_id']}: {error.message}")
                log.warning("sync: the server refused %s %s: %s", change["collection"], change["record_id"],
                            error.message)
                return
            for change in body["changes"]:
                single = change_log.new_push([change])
                with self.database.unit_of_work() as session:
                    session.add(SyncOutgoingPush(push_id=single.push_id, body=single.body))
                self._send(single.push_id, single.body)
            return
        with self.database.unit_of_work() as session:
            change_log.acknowledge(session, body)
            session.execute(sa.delete(SyncOutgoingPush).where(SyncOutgoingPush.push_id == push_id))
        self.report.pushed += len(body["changes"])

    def _forget_push(self, push_id) -> None:
        with self.database.unit_of_work() as session:
            session.execute(sa.delete(SyncOutgoingPush).where(SyncOutgoingPush.push_id == push_id))

    # -- pull -----------------------------------------------------------------------------------------

    def _pull(self) -> None:
        with self.database.unit_of_work() as session:
            cursor = read_device(session).pull_cursor
        received = 0
        while True:
            page = self.client.pull(cursor, PULL_PAGE)
            with self.database.unit_of_work() as session:
                received += record_apply.store_page(session, page["records"], int(page["cursor"]))
            cursor = int(page["cursor"])
            self.progress(SyncProgressDTO(SyncPhase.DOWNLOAD, received, None if page["more"] else received))
            if not page["more"]:
                break
        outcome = record_apply.apply_inbox(self._session_factory, self.owner_id)
        self.report.pulled += outcome.changed
        self.report.waiting_records = outcome.waiting
        self.report.collections |= outcome.collections
        self.report.card_documents |= outcome.card_documents

    def _session_factory(self) -> Session:
        return Session(self.database.engine)

    # -- the consistency check ------------------------------------------------------------------------

    def _summary_differs(self) -> bool:
        summary = self.client.summary()
        with self.database.unit_of_work() as session:
            cursor = read_device(session).pull_cursor
            if int(summary.get("cursor", 0)) != cursor:
                return False  # another device pushed meanwhile: the next sync compares again
            mine = dict(session.execute(sa.text(
                "SELECT collection, count(*) || ':' || md5(string_agg(record_id || ':' || server_seq::text, "
                "E'\\n' ORDER BY record_id COLLATE \"C\")) FROM sync_local_records "
                "WHERE server_seq IS NOT NULL GROUP BY collection")).all())
            inbox = session.scalar(sa.text("SELECT count(*) FROM sync_inbox")) or 0
        if inbox:
            return False  # records waiting for a parent are not applied yet, so the figures cannot agree
        theirs = {name: f"{figures['count']}:{figures['digest']}"
                  for name, figures in summary.get("collections", {}).items()}
        differs = mine != theirs
        if differs:
            log.warning("sync: this device's records differ from the server's summary; pulling everything again")
        return differs
