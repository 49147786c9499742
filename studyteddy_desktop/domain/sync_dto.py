"""What the sync service tells its callers: the account, the state of sync, progress, results and conflicts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from studyteddy_desktop.domain.errors import StudyTeddyError


class SyncState(enum.StrEnum):
    # Nobody signed in: the app works offline exactly as it always did.
    LOCAL_ONLY = "local_only"
    # Signed in earlier, but the token is gone (no keyring, or the server ended the session).
    NEEDS_SIGN_IN = "needs_sign_in"
    SYNCED = "synced"
    WAITING = "waiting"
    SYNCING = "syncing"
    OFFLINE = "offline"
    ERROR = "error"


@dataclass(frozen=True)
class SyncStatusDTO:
    state: SyncState
    server_url: str | None
    account_login: str | None
    device_name: str | None
    last_synced_at: datetime | None
    # Local changes not yet accepted by the server.
    pending_changes: int
    conflicts: int
    # The reason behind OFFLINE / ERROR / NEEDS_SIGN_IN, as a sentence for the student.
    message: str | None
    # False where the system has no keyring: the student signs in again each session.
    token_kept: bool
    # A school policy that fixes the server address (the field is then read-only).
    policy_server_url: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.state not in (SyncState.LOCAL_ONLY, SyncState.NEEDS_SIGN_IN)


class SyncPhase(enum.StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"
    FILES = "files"


@dataclass(frozen=True)
class SyncProgressDTO:
    phase: SyncPhase
    done: int
    # None while the size of the phase is unknown (the first page of a pull).
    total: int | None

    @property
    def text(self) -> str:
        noun = {SyncPhase.UPLOAD: "Sending changes", SyncPhase.DOWNLOAD: "Receiving changes",
                SyncPhase.FILES: "Transferring document files"}[self.phase]
        if self.total:
            return f"{noun}: {self.done:,} of {self.total:,}"
        return f"{noun}: {self.done:,}"


@dataclass(frozen=True)
class SyncResultDTO:
    pushed: int
    pulled: int
    files_sent: int
    files_received: int
    conflicts: int
    seconds: float
    bytes_sent: int
    bytes_received: int
    # Pulled records still waiting for a record they point at (a card before its deck).
    waiting_records: int = 0


class ConflictChoice(enum.StrEnum):
    # The version this device shows now wins; the other is dropped from the list (kept in history).
    KEEP_CURRENT = "keep_current"
    KEEP_OTHER = "keep_other"
    # The record is copied, so each version lives in its own card or task.
    KEEP_BOTH = "keep_both"
    MERGED = "merged"


@dataclass(frozen=True)
class ConflictDTO:
    # Opaque key for resolve_conflict: collection, record, field and the stamp of the other version.
    key: str
    collection: str
    record_id: str
    field: str
    # "Card", "Task", … and "front", "notes", … as a student reads them.
    kind_label: str
    field_label: str
    # A short name for the record ("Card “Mitochondria …”").
    record_label: str
    current_value: str
    other_value: str


class SyncError(StudyTeddyError):
    """Sync could not finish; the message says why and what to do. Nothing local was lost."""


class SyncOfflineError(SyncError):
    """The server could not be reached; sync tries again later by itself."""


class SyncAuthError(SyncError):
    """The server refused the sign-in or ended this device's session: sign in again."""


class AccountMismatchError(SyncError):
    """This device holds another account's study records; signing in would mix the two."""

    def __init__(self, message: str, *, holder_login: str) -> None:
        super().__init__(message)
        self.holder_login = holder_login
