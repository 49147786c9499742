"""Sync as the app and the terminal use it: the account, a sync, its status, conflicts and live notices."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.sync_dto import (
    ConflictChoice,
    ConflictDTO,
    SyncAuthError,
    SyncError,
    SyncOfflineError,
    SyncPhase,
    SyncProgressDTO,
    SyncResultDTO,
    SyncState,
    SyncStatusDTO,
)
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.card_links import relink_cards
from studyteddy_desktop.services.sync import change_log, conflict_copies, document_files
from studyteddy_desktop.services.sync.server_client import ServerClient
from studyteddy_desktop.services.sync.sync_account import SyncAccount, read_device
from studyteddy_desktop.services.sync.sync_round import SyncRound
from studyteddy_desktop.services.sync.token_store import TokenStore

log = logging.getLogger(__name__)
# Tables a fresh start empties (TRUNCATE ... CASCADE follows every reference to them).
# The count-and-digest check runs on a process's first sync and then now and then, not on every sync:
# it reads every record this device holds.
SUMMARY_EVERY_S = 600
_STUDY_TABLES = ("users", "sync_local_records", "sync_inbox", "sync_outgoing_pushes", "sync_uploaded_files")


class SyncService:
    def __init__(self, database: Database, student: LocalStudent, store: ContentStore, scratch_dir: Path, *,
                 documents=None, backups=None, tokens: TokenStore | None = None,
                 policy_server_url: str | None = None,
                 after_sync: Callable[[SyncResultDTO, set[str]], None] | None = None) -> None:
        self.database = database
        self.student = student
        self.store = store
        self.scratch_dir = scratch_dir
        self.documents = documents
        self.backups = backups
        self.tokens = tokens or TokenStore()
        self.account = SyncAccount(database, self.tokens, policy_server_url=policy_server_url,
                                   start_fresh=self._start_fresh)
        self._after_sync = after_sync
        self._running = threading.Lock()
        self._syncing = False
        self._offline = False
        self._summary_checked_at: float | None = None
        # How a sync reaches the server; a fault test hands in one whose connection drops on cue.
        self.client_factory: Callable[[str], ServerClient] = ServerClient

    @property
    def policy_server_url(self) -> str | None:
        return self.account.policy_server_url

    @property
    def has_keyring(self) -> bool:
        return self.tokens.available

    # -- status ---------------------------------------------------------------------------------------

    def status(self) -> SyncStatusDTO:
        with self.database.unit_of_work() as session:
            device = read_device(session)
            waiting = change_log.waiting_count(session) if device.server_url else 0
            fields = dict(server_url=device.server_url, account_login=device.account_login,
                          device_name=device.device_name, last_synced_at=device.last_synced_at,
                          pending_changes=waiting, conflicts=device.open_conflicts, message=device.last_error,
                          token_kept=self.tokens.available, policy_server_url=self.policy_server_url)
            signed_in = device.server_url is not None
        if not signed_in:
            return SyncStatusDTO(SyncState.LOCAL_ONLY, **{**fields, "message": None})
        if not self.account.has_token():
            message = fields["message"] or "Sign in again to sync: Study Teddy could not keep your sign-in."
            return SyncStatusDTO(SyncState.NEEDS_SIGN_IN, **{**fields, "message": message})
        if self._syncing:
            return SyncStatusDTO(SyncState.SYNCING, **fields)
        if fields["message"]:
            return SyncStatusDTO(SyncState.OFFLINE if self._offline else SyncState.ERROR, **fields)
        if waiting:
            return SyncStatusDTO(SyncState.WAITING, **fields)
        return SyncStatusDTO(SyncState.SYNCED, **fields)

    # -- the account ----------------------------------------------------------------------------------

    def sign_in(self, server_url: str, login: str, password: str, device_name: str, *,
                start_fresh: bool = False) -> SyncStatusDTO:
        self.account.sign_in(server_url, login, password, device_name, start_fresh=start_fresh)
        return self.status()

    def sign_out(self) -> None:
        self.account.sign_out()

    def _start_fresh(self) -> None:
        """Back the data up, then empty it, so another account's records never mix with these."""
        if self.backups is not None:
            self.backups.back_up_now()
        with self.database.unit_of_work() as session:
            stored = list(session.scalars(sa.text("SELECT stored_path FROM documents WHERE stored_path IS NOT NULL")))
            session.execute(sa.text(f"TRUNCATE {', '.join(_STUDY_TABLES)} CASCADE"))
            session.execute(sa.text(
                "UPDATE sync_device SET node_id = substr(md5(gen_random_uuid()::text), 1, 16), pull_cursor = 0, "
                "data_account_id = NULL, data_account_login = NULL, all_tracked = false, open_conflicts = 0, "
                "last_synced_at = NULL, last_error = NULL WHERE id = 1"))
        # The backup holds them; left here, the other account's files would stay readable on disk.
        for relative_path in stored:
            self.store.remove(relative_path)
        self.student.forget()

    # -- a sync ---------------------------------------------------------------------------------------

    def sync(self, progress: Callable[[SyncProgressDTO], None] | None = None) -> SyncResultDTO:
        record = self.account.record()
        if record.server_url is None:
            raise SyncError("Sign in to a Study Teddy server first (Settings → Account).")
        with self._running:
            self._syncing = True
            try:
                return self._sync(record.server_url, progress)
            finally:
                self._syncing = False

    def _sync(self, server_url: str, progress) -> SyncResultDTO:
        started = time.perf_counter()
        owner_id = str(self.student.user_id())
        client = self.client_factory(server_url)
        try:
            client.set_access_token(self.account.access_token(client))
            files_sent, _ = document_files.upload_missing_files(client, self.database, self.store,
                                                                _file_progress(progress))
            check = self._summary_checked_at is None or time.monotonic() - self._summary_checked_at > SUMMARY_EVERY_S
            report = SyncRound(self.database, client, owner_id, progress).run(check_summary=check)
            if check:
                self._summary_checked_at = time.monotonic()
            files_received = 0
            if self.documents is not None:
                files_received, _ = document_files.fetch_arrived_files(
                    client, self.database, self.documents, self.scratch_dir, _file_progress(progress))
            self._link_arrived_cards(report.card_documents)
            with self.database.unit_of_work() as session:
                # Only arrivals make new conflict copies; counting reads every record that ever had one.
                conflicts = conflict_copies.count_conflicts(session) if report.pulled or check \
                    else read_device(session).open_conflicts
                problems = [*report.refused, *(f"{item}: too large to sync" for item in report.too_large)]
                session.execute(sa.text(
                    "UPDATE sync_device SET last_synced_at = now(), open_conflicts = :conflicts, "
                    "last_error = :error WHERE id = 1"),
                    {"conflicts": conflicts,
                     "error": (f"The server refused {len(problems)} change(s): {problems[0]}" if problems else None)})
        except SyncError as error:
            self._offline = isinstance(error, SyncOfflineError)
            self._remember_error(error)
            if isinstance(error, SyncAuthError):
                self.account.forget_access()
            raise
        finally:
            client.close()
        self._offline = False
        result = SyncResultDTO(pushed=report.pushed, pulled=report.pulled, files_sent=files_sent,
                               files_received=files_received, conflicts=conflicts,
                               seconds=round(time.perf_counter() - started, 3), bytes_sent=client.bytes_sent,
                               bytes_received=client.bytes_received, waiting_records=report.waiting_records)
        if report.collections and "profile" in report.collections:
            self.student.forget()
        if self._after_sync is not None and (report.collections or files_received):
            self._after_sync(result, report.collections)
        return result

    def _remember_error(self, error: StudyTeddyError) -> None:
        try:
            with self.database.unit_of_work() as session:
                session.execute(sa.text("UPDATE sync_device SET last_error = :error WHERE id = 1"),
                                {"error": error.message})
        except StudyTeddyError:
            log.warning("sync: could not note the error: %s", error.message)

    def _link_arrived_cards(self, document_ids: set[str]) -> None:
        if not document_ids:
            return
        with self.database.unit_of_work() as session:
            ready = session.scalars(sa.text("SELECT id FROM documents WHERE id = ANY(CAST(:ids AS uuid[])) "
                                            "AND status = 'ready'"), {"ids": sorted(document_ids)}).all()
        for document_id in ready:
            relink_cards(self.database, uuid.UUID(str(document_id)))

    # -- conflicts ------------------------------------------------------------------------------------

    def conflicts(self) -> list[ConflictDTO]:
        with self.database.unit_of_work() as session:
            return conflict_copies.list_conflicts(session)

    def resolve_conflict(self, key: str, choice: ConflictChoice, merged_text: str | None = None) -> None:
        with self.database.unit_of_work() as session:
            conflict_copies.resolve(session, key, ConflictChoice(choice), merged_text)
            session.execute(sa.text("UPDATE sync_device SET open_conflicts = greatest(open_conflicts - 1, 0) "
                                    "WHERE id = 1"))

    def _pulled_to(self) -> int:
        with self.database.unit_of_work() as session:
            return read_device(session).pull_cursor

    # -- live notices ---------------------------------------------------------------------------------

    def live_notices(self, stop: threading.Event) -> Iterator[int]:
        """Yields whenever another device of this account pushed; returns when `stop` is set."""
        while not stop.is_set():
            record = self.account.record()
            if record.server_url is None or not self.account.has_token():
                stop.wait(5)
                continue
            client = ServerClient(record.server_url)
            try:
                client.set_access_token(self.account.access_token(client))
                for cursor in client.events(stop):
                    # This device's own push comes back as a notice too: nothing to pull once it has pulled past it.
                    if cursor and cursor <= self._pulled_to():
                        continue
                    yield cursor
            except (SyncOfflineError, SyncAuthError) as error:
                log.info("sync: live notices paused: %s", error.message)
                stop.wait(15)
            finally:
                client.close()


def _file_progress(progress):
    if progress is None:
        return None
    return lambda done, total: progress(SyncProgressDTO(SyncPhase.FILES, done, total))
