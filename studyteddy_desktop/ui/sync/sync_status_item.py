"""The status bar's word on sync: synced, waiting, syncing (with a bar), offline, an error, conflicts."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from studyteddy_desktop.domain.sync_dto import SyncProgressDTO, SyncState, SyncStatusDTO


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def when_synced(moment: datetime, now: datetime | None = None) -> str:
    """"14:05" today, "Mon 3 Jun, 14:05" before."""
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%a %d %b, %H:%M")


def status_text(status: SyncStatusDTO) -> str:
    """The item's words for a status; empty for LOCAL_ONLY, which shows nothing at all."""
    state = status.state
    if state is SyncState.LOCAL_ONLY:
        return ""
    if state is SyncState.SYNCED:
        if status.last_synced_at is None:
            return "Synced"
        shown = when_synced(status.last_synced_at)
        return f"Synced at {shown}" if len(shown) == 5 else f"Synced {shown}"
    if state is SyncState.WAITING:
        return f"{plural(status.pending_changes, 'change')} waiting"
    if state is SyncState.SYNCING:
        return "Syncing…"
    if state is SyncState.OFFLINE:
        return "Offline — will retry"
    if state is SyncState.ERROR:
        return f"Sync error: {status.message or 'see the log for details.'}"
    return "Sign in to sync"


def status_tooltip(status: SyncStatusDTO, progress: SyncProgressDTO | None = None) -> str:
    lines = []
    if status.message:
        lines.append(status.message)
    if progress is not None and status.state is SyncState.SYNCING:
        lines.append(progress.text)
    if status.account_login:
        lines.append(f"Signed in as {status.account_login} on {status.server_url or 'the sync server'}.")
    if status.last_synced_at is not None:
        lines.append(f"Last synced: {when_synced(status.last_synced_at)}.")
    if status.pending_changes and status.state is not SyncState.WAITING:
        lines.append(f"{plural(status.pending_changes, 'change')} not sent yet.")
    if status.conflicts:
        lines.append(f"{plural(status.conflicts, 'conflict')} to look at: click to see them.")
    lines.append("Click to sign in." if status.state is SyncState.NEEDS_SIGN_IN
                 else "Click to sync now (Ctrl+Shift+S).")
    return "\n".join(lines)


class _ClickableLabel(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class SyncStatusItem(QWidget):
    """Hidden while the app is local only, so the offline default looks as it always did."""

    sync_requested = Signal()
    sign_in_requested = Signal()
    conflicts_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.status: SyncStatusDTO | None = None
        self.progress: SyncProgressDTO | None = None
        self.label = _ClickableLabel()
        self.label.setObjectName("syncStatusText")
        self.label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label.clicked.connect(self._clicked)
        self.conflicts_link = QLabel()
        self.conflicts_link.setObjectName("syncConflicts")
        self.conflicts_link.setTextFormat(Qt.TextFormat.RichText)
        self.conflicts_link.linkActivated.connect(lambda _link: self.conflicts_requested.emit())
        self.conflicts_link.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(110)
        self.progress_bar.setMaximumHeight(14)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 10, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.conflicts_link)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def show_status(self, status: SyncStatusDTO) -> None:
        self.status = status
        if status.state is not SyncState.SYNCING:
            self.progress = None
            self.progress_bar.hide()
        self.label.setText(status_text(status))
        if status.conflicts > 0:
            self.conflicts_link.setText(f"· <a href='conflicts'>{plural(status.conflicts, 'conflict')}</a>")
            self.conflicts_link.setToolTip("Changes made on two devices at once: choose which to keep.")
        self.conflicts_link.setVisible(status.conflicts > 0)
        self._update_tooltip()
        self.setVisible(status.state is not SyncState.LOCAL_ONLY)

    def show_progress(self, progress: SyncProgressDTO | None, with_bar: bool) -> None:
        """`progress` None: started, size unknown. A quiet sync changes only the tooltip."""
        self.progress = progress
        if with_bar:
            if progress is None or not progress.total:
                self.progress_bar.setRange(0, 0)
            else:
                self.progress_bar.setRange(0, progress.total)
                self.progress_bar.setValue(min(progress.done, progress.total))
            self.progress_bar.show()
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        if self.status is not None:
            tip = status_tooltip(self.status, self.progress)
            self.label.setToolTip(tip)
            self.progress_bar.setToolTip(tip)

    def _clicked(self) -> None:
        if self.status is not None and self.status.state is SyncState.NEEDS_SIGN_IN:
            self.sign_in_requested.emit()
        else:
            self.sync_requested.emit()
