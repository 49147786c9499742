"""When to sync: at start, on sign-in, after local changes, on server notices, on request, as a fallback."""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.sync_dto import (SyncAuthError, SyncError, SyncOfflineError, SyncResultDTO,
                                                SyncState, SyncStatusDTO)
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message
from studyteddy_desktop.ui.change_broadcast import broadcaster_for

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

log = logging.getLogger(__name__)

# What records from another device can touch: every pane that shows synced data refreshes.
SYNCED_CHANGES = Changes(tasks=True, exams=True, sessions=True, focus=True, decks=True, cards=True,
                         reviews=True, documents=True, threads=True, profile=True)
DEBOUNCE_MS = 3_000
FALLBACK_MS = 5 * 60_000
FIRST_BACKOFF_MS = 5_000
MAX_BACKOFF_MS = 5 * 60_000
# After a live-notice stream fails (offline, server restarted), it is opened again this much later.
NOTICE_RETRY_SECONDS = (5, 10, 20, 40, 60)


class SyncScheduler(QObject):
    """One sync at a time: a request during a sync queues exactly one more. Never blocks the GUI thread.

    `status_changed(SyncStatusDTO)` after every look at the status (SYNCING while a sync runs);
    `progressed(SyncProgressDTO | None, with_bar)`: the first sync of a session shows a bar, later ones
    are quiet; `synced(SyncResultDTO)` and `sync_failed(error)` after each sync.
    """

    status_changed = Signal(object)
    progressed = Signal(object, bool)
    synced = Signal(object)
    sync_failed = Signal(object)
    # From other threads; Qt queues them onto the GUI thread.
    _progress_arrived = Signal(object)
    _notice_arrived = Signal()

    def __init__(self, services: AppServices, parent: QObject | None = None, *,
                 debounce_ms: int = DEBOUNCE_MS, fallback_ms: int = FALLBACK_MS,
                 first_backoff_ms: int = FIRST_BACKOFF_MS,
                 max_backoff_ms: int = MAX_BACKOFF_MS) -> None:
        super().__init__(parent)
        self.services = services
        self.sync_service = services.sync
        self.status: SyncStatusDTO | None = None
        self.running = False
        self.syncs_started = 0
        self.syncs_succeeded = 0
        self._again = False
        self._stopped = False
        self._loud = False
        # What went wrong last, shown until a sync succeeds: (state, message).
        self._failure: tuple[SyncState, str] | None = None
        self.first_backoff_ms = first_backoff_ms
        self.max_backoff_ms = max_backoff_ms
        self.backoff_ms: int | None = None
        # Every wait chosen after an offline failure, in order, for whoever wants to know (tests, the log).
        self.backoff_history: list[int] = []
        self._notice_stop: threading.Event | None = None
        self._debounce = self._single_shot(debounce_ms, lambda: self.request_sync(automatic=True))
        self._retry = self._single_shot(first_backoff_ms, self._retry_now)
        self._status_soon = self._single_shot(400, self.refresh_status)
        self._fallback = QTimer(self)
        self._fallback.setInterval(fallback_ms)
        self._fallback.timeout.connect(lambda: self.request_sync(automatic=True))
        self._progress_arrived.connect(self._show_progress)
        self._notice_arrived.connect(self._notice)
        broadcaster_for(services).changed.connect(self._local_change)

    def _single_shot(self, interval_ms: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer

    # -- starting and stopping ----------------------------------------------------------

    def start(self) -> None:
        """Look at the status; if signed in, sync at once and listen for the server's notices."""
        self._fallback.start()
        self.refresh_status(then_sync=True)

    def stop(self) -> None:
        """On close: no more syncs; the notice thread ends by itself (it is a daemon), nobody waits for it."""
        if self._stopped:
            return
        self._stopped = True
        for timer in (self._debounce, self._retry, self._status_soon, self._fallback):
            timer.stop()
        self._stop_notices()
        try:
            broadcaster_for(self.services).changed.disconnect(self._local_change)
        except (RuntimeError, TypeError):
            pass

    def account_changed(self, status: SyncStatusDTO | None = None) -> None:
        """After a sign-in or sign-out in the Account box: sync at once when signed in, go quiet when not."""
        self._failure = None
        self.backoff_ms = None
        self._retry.stop()
        if status is None:
            self.refresh_status(then_sync=True)
            return
        self._status_arrived(status, then_sync=True)

    # -- asking for a sync --------------------------------------------------------------

    def sync_now(self) -> None:
        """The student asked (the button, the status item, Ctrl+Shift+S): goes even during a back-off."""
        if self.status is None:
            self.refresh_status(then_sync=True)
        else:
            self.request_sync()

    def request_sync(self, *, automatic: bool = False) -> None:
        if self._stopped or self.status is None or not self.status.signed_in:
            return
        # While offline the back-off timer decides when to try again; a local change does not.
        if automatic and self._retry.isActive():
            return
        if self.running:
            self._again = True
            return
        self._run_sync()

    def _retry_now(self) -> None:
        self.request_sync()

    def _local_change(self, changes: Changes) -> None:
        # What this scheduler announced came from the server; job bookkeeping alone changes nothing synced.
        if self._stopped or changes.initiator is self or not changes.overlaps(SYNCED_CHANGES):
            return
        if self.status is None or not self.status.signed_in:
            return
        self._status_soon.start()
        self._debounce.start()

    # -- one sync -----------------------------------------------------------------------

    def _run_sync(self) -> None:
        self.running = True
        self._again = False
        self._debounce.stop()
        self.syncs_started += 1
        # Until one sync of this session got through, it may bring days of changes: worth a bar.
        self._loud = self.syncs_succeeded == 0
        if self.status is not None:
            self.status_changed.emit(dataclasses.replace(self.status, state=SyncState.SYNCING, message=None))
        self.progressed.emit(None, self._loud)
        sync_service = self.sync_service
        report = self._progress_arrived.emit
        (BackgroundOp.plain(lambda: sync_service.sync(progress=report), parent=self)
         .success(self._sync_done).failure(self._sync_failed).run())

    @Slot()
    def _notice(self) -> None:
        self.request_sync(automatic=True)

    @Slot(object)
    def _show_progress(self, progress) -> None:
        if self.running and not self._stopped:
            self.progressed.emit(progress, self._loud)

    def _sync_done(self, result: SyncResultDTO) -> None:
        self.running = False
        if self._stopped:
            return
        self.syncs_succeeded += 1
        self._failure = None
        self.backoff_ms = None
        self._retry.stop()
        if result.pulled or result.files_received:
            broadcaster_for(self.services).broadcast(SYNCED_CHANGES.by(self))
        self.synced.emit(result)
        self._after_sync()

    def _sync_failed(self, error: BaseException) -> None:
        self.running = False
        if self._stopped:
            return
        if isinstance(error, SyncOfflineError):
            self.backoff_ms = (self.first_backoff_ms if self.backoff_ms is None
                               else min(self.backoff_ms * 2, self.max_backoff_ms))
            self.backoff_history.append(self.backoff_ms)
            self._retry.start(self.backoff_ms)
            self._failure = (SyncState.OFFLINE, user_message(error))
            log.info("Sync server unreachable; trying again in %d s", self.backoff_ms // 1000)
        elif isinstance(error, SyncAuthError):
            self._failure = (SyncState.NEEDS_SIGN_IN, user_message(error))
            self._again = False
        else:
            self._failure = (SyncState.ERROR, user_message(error) if isinstance(error, SyncError)
                             else "Something went wrong while syncing; the log has the details.")
            if not isinstance(error, SyncError):
                log.error("Sync failed", exc_info=error)
        self.sync_failed.emit(error)
        self._after_sync()

    def _after_sync(self) -> None:
        if self._again and not self._retry.isActive():
            self._run_sync()
        else:
            self._again = False
            self.refresh_status()

    # -- status -------------------------------------------------------------------------

    def refresh_status(self, then_sync: bool = False) -> None:
        if self._stopped:
            return
        (BackgroundOp.plain(self.sync_service.status, parent=self)
         .success(lambda status: self._status_arrived(status, then_sync=then_sync))
         .failure(lambda error: log.warning("Could not read the sync status: %s", error))
         .run())

    def _status_arrived(self, status: SyncStatusDTO, *, then_sync: bool = False) -> None:
        if self._stopped:
            return
        looks_fine = status.state in (SyncState.SYNCED, SyncState.WAITING)
        if self._failure is not None and looks_fine:
            state, message = self._failure
            status = dataclasses.replace(status, state=state, message=message)
        if self.running and status.signed_in:
            status = dataclasses.replace(status, state=SyncState.SYNCING, message=None)
        self.status = status
        self.status_changed.emit(status)
        if status.signed_in:
            self._listen_for_notices()
            if then_sync:
                self.request_sync()
        else:
            self._stop_notices()
            self._retry.stop()

    # -- the server's live notices ------------------------------------------------------

    def _listen_for_notices(self) -> None:
        if self._notice_stop is not None or self._stopped:
            return
        stop = threading.Event()
        self._notice_stop = stop
        threading.Thread(target=self._listen, args=(stop,), name="sync-live-notices", daemon=True).start()

    def _stop_notices(self) -> None:
        if self._notice_stop is not None:
            self._notice_stop.set()
            self._notice_stop = None

    def _listen(self, stop: threading.Event) -> None:
        """On its own thread: each notice becomes a queued signal; a broken stream is opened again later."""
        failures = 0
        while not stop.is_set():
            try:
                for _cursor in self.sync_service.live_notices(stop):
                    if stop.is_set():
                        return
                    failures = 0
                    self._notice_arrived.emit()
            except RuntimeError:
                return  # the scheduler was deleted with its window
            except Exception as error:
                # Closing the window closes the database under a stream that was about to stop anyway.
                if not stop.is_set():
                    log.info("The live notice stream stopped; opening it again later: %s", error)
            stop.wait(NOTICE_RETRY_SECONDS[min(failures, len(NOTICE_RETRY_SECONDS) - 1)])
            failures += 1
