"""The Settings box for the sync account: sign in to a server, or see the account and sync now or sign out."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QProgressBar, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.sync_dto import (AccountMismatchError, SyncAuthError, SyncOfflineError,
                                                SyncStatusDTO)
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message
from studyteddy_desktop.ui.change_broadcast import broadcaster_for
from studyteddy_desktop.ui.sync.sync_scheduler import SYNCED_CHANGES
from studyteddy_desktop.ui.sync.sync_status_item import plural, status_text, when_synced

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

NO_KEYRING_NOTE = ("This computer has no keyring, so Study Teddy cannot remember your sign-in: "
                   "you will sign in again each time you start it.")


def sign_in_error_text(error: BaseException, server_url: str) -> str:
    if isinstance(error, SyncAuthError):
        return "The email or password is wrong. Check both and try again."
    if isinstance(error, SyncOfflineError):
        return (f"Study Teddy cannot reach the server at {server_url}. Check the address and your "
                "internet connection, then try again.")
    if isinstance(error, InvalidInputError):
        return error.message
    return user_message(error)


class AccountBox(QGroupBox):
    """`sync_requested` for Sync now and `conflicts_requested` for the Conflicts dialog, which the window
    owns; `account_changed(SyncStatusDTO)` after a sign-in or a sign-out."""

    sync_requested = Signal()
    conflicts_requested = Signal()
    account_changed = Signal(object)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Account and sync", parent)
        self.services = services
        self.status: SyncStatusDTO | None = None
        self.policy_server_url: str | None = None
        self._busy = False
        self.pages = QStackedWidget()
        self.pages.addWidget(self._signed_out_page())
        self.pages.addWidget(self._signed_in_page())
        self.loading_label = QLabel("Looking at this computer's sync account…")
        layout = QVBoxLayout(self)
        self.intro = intro = QLabel("Sign in to your school's or your own Study Teddy server to keep your cards, "
                       "plans and documents the same on every computer. Without an account, "
                       "everything stays on this computer.")
        # Wrapped, or the sentence alone would make the Settings pane wider than the window.
        intro.setWordWrap(True)
        layout.addWidget(intro)
        # The school's policy asks for an account: said plainly until the student has signed in.
        self.sign_in_required_note = QLabel("Your school asks you to sign in to its sync server on this "
                                            "computer, so your work is kept safe there. (Set by your school)")
        self.sign_in_required_note.setObjectName("signInRequiredNote")
        self.sign_in_required_note.setWordWrap(True)
        self.sign_in_required_note.hide()
        layout.addWidget(self.sign_in_required_note)
        layout.addWidget(self.loading_label)
        layout.addWidget(self.pages)
        self.pages.hide()
        self.refresh()

    # -- the two pages ----------------------------------------------------------------

    def _signed_out_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("https://sync.example-school.org")
        self.policy_note = QLabel("Set by your school")
        self.policy_note.hide()
        server_row = QHBoxLayout()
        server_row.addWidget(self.server_edit, stretch=1)
        server_row.addWidget(self.policy_note)
        self.login_edit = QLineEdit()
        self.login_edit.setPlaceholderText("you@example.org")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.device_edit = QLineEdit(socket.gethostname())
        self.device_edit.setMaxLength(80)
        self.device_edit.setToolTip("How this computer appears in your account's list of devices")
        for edit in (self.server_edit, self.login_edit, self.password_edit, self.device_edit):
            edit.returnPressed.connect(self.sign_in)
        self.sign_in_button = QPushButton("Sign &in")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.hide()
        button_row = QHBoxLayout()
        button_row.addWidget(self.sign_in_button)
        button_row.addWidget(self.busy_bar)
        button_row.addStretch()
        self.error_label = QLabel()
        self.error_label.setObjectName("signInError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")
        self.keyring_note = QLabel(NO_KEYRING_NOTE)
        self.keyring_note.setWordWrap(True)
        self.keyring_note.hide()
        # A row of two widgets takes no mnemonic from addRow: the label needs its buddy named.
        server_label = QLabel("Ser&ver:")
        server_label.setBuddy(self.server_edit)
        form.addRow(server_label, server_row)
        form.addRow("&Email or login:", self.login_edit)
        form.addRow("&Password:", self.password_edit)
        form.addRow("&Device name:", self.device_edit)
        form.addRow("", button_row)
        form.addRow("", self.error_label)
        form.addRow("", self.keyring_note)
        return page

    def _signed_in_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.account_label = QLabel()
        self.server_label = QLabel()
        self.device_label = QLabel()
        self.last_synced_label = QLabel()
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        for label in (self.account_label, self.server_label, self.device_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync_now_button = QPushButton("S&ync now")
        self.sync_now_button.setToolTip("Send and receive changes now (Ctrl+Shift+S)")
        self.sync_now_button.clicked.connect(self.sync_requested.emit)
        self.conflicts_button = QPushButton("&Conflicts…")
        self.conflicts_button.clicked.connect(self.conflicts_requested.emit)
        self.sign_out_button = QPushButton("Sign &out…")
        self.sign_out_button.clicked.connect(self.sign_out)
        row = QHBoxLayout()
        row.addWidget(self.sync_now_button)
        row.addWidget(self.conflicts_button)
        row.addWidget(self.sign_out_button)
        row.addStretch()
        self.signed_in_message = QLabel()
        self.signed_in_message.setWordWrap(True)
        self.signed_in_keyring_note = QLabel(NO_KEYRING_NOTE)
        self.signed_in_keyring_note.setWordWrap(True)
        self.signed_in_keyring_note.hide()
        form.addRow("Account:", self.account_label)
        form.addRow("Server:", self.server_label)
        form.addRow("This device:", self.device_label)
        form.addRow("Last synced:", self.last_synced_label)
        form.addRow("Now:", self.state_label)
        form.addRow("", row)
        form.addRow("", self.signed_in_message)
        form.addRow("", self.signed_in_keyring_note)
        return page

    @property
    def signed_in_shown(self) -> bool:
        return not self.pages.isHidden() and self.pages.currentIndex() == 1

    # -- reading the account ----------------------------------------------------------

    def refresh(self) -> None:
        sync = self.services.sync
        (BackgroundOp.plain(lambda: (sync.status(), sync.policy_server_url, sync.has_keyring), parent=self)
         .success(lambda found: self._show_found(*found))
         .failure(lambda error: self._show_unreadable(error)).run())

    def _show_found(self, status: SyncStatusDTO, policy_server_url: str | None, has_keyring: bool) -> None:
        self.policy_server_url = policy_server_url or status.policy_server_url
        if self.policy_server_url:
            self.server_edit.setText(self.policy_server_url)
        elif not self.server_edit.text() and status.server_url:
            self.server_edit.setText(status.server_url)
        self.server_edit.setReadOnly(bool(self.policy_server_url))
        # Greyed as well as read-only, so a fixed address looks fixed.
        self.server_edit.setEnabled(not self.policy_server_url)
        self.policy_note.setVisible(bool(self.policy_server_url))
        self.keyring_note.setVisible(not has_keyring)
        self.signed_in_keyring_note.setVisible(not has_keyring)
        self.show_sync_status(status)

    def _show_unreadable(self, error: BaseException) -> None:
        self.loading_label.setText(f"Study Teddy could not read this computer's sync account: "
                                   f"{user_message(error)}")

    def show_sync_status(self, status: SyncStatusDTO) -> None:
        """Whatever the scheduler or a sign-in found out; the window forwards every status here."""
        self.status = status
        self.loading_label.hide()
        self.pages.show()
        # The invitation to sign in is for someone who has not.
        self.intro.setVisible(not status.signed_in)
        self.sign_in_required_note.setVisible(self.services.policy.require_sign_in and not status.signed_in)
        if not status.signed_in:
            self.pages.setCurrentIndex(0)
            if status.account_login and not self.login_edit.text():
                self.login_edit.setText(status.account_login)
            if status.device_name and self.device_edit.text() == socket.gethostname():
                self.device_edit.setText(status.device_name)
            if status.message and not self._busy and not self.error_label.text():
                self.error_label.setText(status.message)
            return
        self.pages.setCurrentIndex(1)
        self.account_label.setText(status.account_login or "")
        self.server_label.setText(status.server_url or "")
        self.device_label.setText(status.device_name or "")
        self.last_synced_label.setText(when_synced(status.last_synced_at) if status.last_synced_at
                                       else "Not yet")
        self.state_label.setText(status_text(status))
        self.state_label.setToolTip(status.message or "")
        self.conflicts_button.setText(
            f"&Conflicts ({status.conflicts})…" if status.conflicts else "&Conflicts…")

    # -- signing in -------------------------------------------------------------------

    def sign_in(self, *, start_fresh: bool = False) -> None:
        if self._busy:
            return
        server_url = self.server_edit.text().strip()
        login = self.login_edit.text().strip()
        password = self.password_edit.text()
        device_name = self.device_edit.text().strip() or socket.gethostname()
        wanted = (("the server's address", server_url), ("your email or login", login),
                  ("your password", password))
        missing = [name for name, value in wanted if not value]
        if missing:
            self.error_label.setText(f"Enter {' and '.join(missing)} to sign in.")
            return
        self._set_busy(True)
        self.error_label.clear()
        sync = self.services.sync
        (BackgroundOp.plain(
            lambda: sync.sign_in(server_url, login, password, device_name, start_fresh=start_fresh),
            parent=self)
         .success(lambda status: self._signed_in(status, start_fresh))
         .failure(lambda error: self._sign_in_failed(error, server_url, login)).run())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.sign_in_button.setEnabled(not busy)
        for edit in (self.login_edit, self.password_edit, self.device_edit):
            edit.setReadOnly(busy)
        self.server_edit.setReadOnly(busy or bool(self.policy_server_url))

    def _signed_in(self, status: SyncStatusDTO, started_fresh: bool) -> None:
        self._set_busy(False)
        self.password_edit.clear()
        self.error_label.clear()
        self.signed_in_message.setText(
            "Signed in. Your data from before is kept as a backup." if started_fresh else "Signed in.")
        if started_fresh:
            # Starting fresh cleared this computer's records: every pane shows the new, empty ones.
            broadcaster_for(self.services).broadcast(SYNCED_CHANGES.by(self))
        self.show_sync_status(status)
        self.account_changed.emit(status)

    def _sign_in_failed(self, error: BaseException, server_url: str, login: str) -> None:
        self._set_busy(False)
        if isinstance(error, AccountMismatchError):
            self.error_label.clear()
            if self.confirm_start_fresh(error.holder_login, login):
                self.sign_in(start_fresh=True)
            else:
                self.error_label.setText(f"Not signed in: this computer keeps the study records of "
                                         f"{error.holder_login}.")
            return
        self.error_label.setText(sign_in_error_text(error, server_url))

    def confirm_start_fresh(self, holder_login: str, login: str) -> bool:
        answer = QMessageBox.question(
            self, "Start fresh on this computer?",
            f"This computer's Study Teddy holds the study records of {holder_login}. Signing in as {login} "
            f"would mix them. Back up this data and start fresh as {login}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    # -- signing out ------------------------------------------------------------------

    def confirm_sign_out(self) -> bool:
        login = self.status.account_login if self.status and self.status.account_login else "this account"
        pending = self.status.pending_changes if self.status else 0
        verb = "has" if pending == 1 else "have"
        unsent = (f"\n\n{plural(pending, 'change')} made here {verb} not reached "
                  "the server yet; they are sent when you sign in again." if pending else "")
        answer = QMessageBox.question(
            self, "Sign out?",
            f"Sign out of {login} on this computer? Your study records stay on this computer; they just stop "
            f"syncing until you sign in again.{unsent}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def sign_out(self) -> None:
        if self._busy or not self.confirm_sign_out():
            return
        self._busy = True
        self.sign_out_button.setEnabled(False)
        sync = self.services.sync

        def sign_out_and_look():
            sync.sign_out()
            return sync.status()

        def done(status: SyncStatusDTO) -> None:
            self._busy = False
            self.sign_out_button.setEnabled(True)
            self.signed_in_message.clear()
            self.error_label.setText("Signed out. Your study records stay on this computer.")
            self.show_sync_status(status)
            self.account_changed.emit(status)

        def failed(error: BaseException) -> None:
            self._busy = False
            self.sign_out_button.setEnabled(True)
            self.signed_in_message.setText(user_message(error))

        BackgroundOp.plain(sign_out_and_look, parent=self).success(done).failure(failed).run()
