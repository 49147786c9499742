"""Settings: what the school fixed, the student's profile, where the data lives, service health and versions."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import Qt, QUrl, Signal, qVersion
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QScrollArea, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from studyteddy_desktop import __version__
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp

if TYPE_CHECKING:
    from studyteddy_desktop.domain.dto import HealthReport, ProfileDTO
    from studyteddy_desktop.services.app_services import AppServices


class SettingsPane(QScrollArea):
    # The Account box's requests, for the window that owns the sync scheduler and the Conflicts dialog.
    sync_requested = Signal()
    sync_conflicts_requested = Signal()
    sync_account_changed = Signal(object)

    def __init__(self, services: AppServices, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPane")
        self.setWidgetResizable(True)
        # Long paths scroll inside their tables; the page itself only scrolls down.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.services = services
        self.settings = settings
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 18, 24, 18)
        heading = QLabel("<h2>Settings</h2>")
        layout.addWidget(heading)
        self.policy_box = self._policy_box()
        layout.addWidget(self.policy_box)
        layout.addWidget(self._profile_box())
        # Right under the profile: the account is the second thing a student looks for here.
        from studyteddy_desktop.ui.sync.account_box import AccountBox

        self.account_box = AccountBox(services)
        self.account_box.sync_requested.connect(self.sync_requested.emit)
        self.account_box.conflicts_requested.connect(self.sync_conflicts_requested.emit)
        self.account_box.account_changed.connect(self.sync_account_changed.emit)
        layout.addWidget(self.account_box)
        layout.addWidget(self._data_box())
        layout.addWidget(self._services_box())
        from studyteddy_desktop.ui.tutor.model_manager import LanguageModelBox

        self.language_model_box = LanguageModelBox(services)
        layout.addWidget(self.language_model_box)
        from studyteddy_desktop.ui.reminder_settings import ReminderSettingsBox

        self.reminder_box = ReminderSettingsBox(services)
        layout.addWidget(self.reminder_box)
        from studyteddy_desktop.ui.backups.backups_box import BackupsBox

        self.backups_box = BackupsBox(services)
        layout.addWidget(self.backups_box)
        layout.addWidget(self._about_box())
        layout.addStretch()
        self.setWidget(body)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, activated=self.check_services)
        self._load_profile()

    def show_sync_status(self, status) -> None:
        """What the window's sync scheduler found out, for the Account box."""
        self.account_box.show_sync_status(status)

    def show_account_box(self) -> None:
        self.ensureWidgetVisible(self.account_box)
        self.account_box.setFocus()

    # -- school policy ----------------------------------------------------------------

    def _policy_box(self) -> QGroupBox:
        """What the school's machine-wide policy fixes; hidden on a computer without one."""
        box = QGroupBox("Set by your school")
        box.setObjectName("policyBox")
        layout = QVBoxLayout(box)
        policy = self.services.policy
        lines = policy.fixed_items()
        if policy.problems:
            lines.append(policy.problem_summary())
        if not lines:
            lines.append("Your school's policy file is in place but fixes nothing.")
        self.policy_label = QLabel("\n".join(f"• {line}" for line in lines))
        self.policy_label.setWordWrap(True)
        self.policy_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.policy_label.setToolTip(f"Read from {policy.source}" if policy.source else "")
        layout.addWidget(self.policy_label)
        box.setVisible(policy.in_effect)
        return box

    # -- profile ----------------------------------------------------------------------

    def _profile_box(self) -> QGroupBox:
        box = QGroupBox("Your profile")
        form = QFormLayout(box)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(80)
        self.name_edit.setPlaceholderText("How Study Teddy greets you")
        self.subjects_edit = QLineEdit()
        self.subjects_edit.setPlaceholderText("Biology, History, Maths")
        self.save_profile_button = QPushButton("&Save profile")
        self.save_profile_button.clicked.connect(self.save_profile)
        self.name_edit.returnPressed.connect(self.save_profile)
        self.subjects_edit.returnPressed.connect(self.save_profile)
        self.profile_message = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.save_profile_button)
        row.addWidget(self.profile_message, stretch=1)
        form.addRow("&Name:", self.name_edit)
        form.addRow("S&ubjects:", self.subjects_edit)
        form.addRow("", row)
        return box

    def _load_profile(self) -> None:
        BackgroundOp.plain(self.services.profile.ensure_local_profile, parent=self).success(
            self._show_profile).run()

    def _show_profile(self, profile: ProfileDTO) -> None:
        self.name_edit.setText(profile.display_name)
        self.subjects_edit.setText(", ".join(profile.subjects))

    def save_profile(self) -> None:
        name = self.name_edit.text()
        subjects = [part for part in self.subjects_edit.text().split(",")]
        self.save_profile_button.setEnabled(False)

        def saved(profile: ProfileDTO) -> None:
            self.save_profile_button.setEnabled(True)
            self._show_profile(profile)
            self.profile_message.setText("Saved.")

        def refused(error: BaseException) -> None:
            self.save_profile_button.setEnabled(True)
            self.profile_message.setText(
                error.message if isinstance(error, StudyTeddyError) else "Could not save: see the log.")

        (ChangeOp.plain(self.services, lambda: self.services.profile.update_profile(
            display_name=name, subjects=subjects), changes=Changes(profile=True), parent=self)
         .success(saved).failure(refused).run())

    # -- data directory ---------------------------------------------------------------

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Your data")
        form = QFormLayout(box)
        self.data_dir_label = QLabel(str(self.settings.data_dir))
        self.data_dir_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_dir_label.setWordWrap(True)
        open_button = QPushButton("&Open folder")
        open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.settings.data_dir))))
        form.addRow("Data folder:", self.data_dir_label)
        servers = []
        servers.append("bundled PostgreSQL" if self.settings.uses_bundled_postgres
                       else "external PostgreSQL (STUDYTEDDY_DATABASE_URL)")
        if self.settings.queue_on_postgres:
            servers.append("job queue in PostgreSQL (no Redis)")
        else:
            servers.append("bundled Redis" if self.settings.uses_bundled_redis
                           else "external Redis (STUDYTEDDY_REDIS_URL)")
        form.addRow("Servers:", QLabel(", ".join(servers)))
        open_row = QHBoxLayout()
        open_row.addWidget(open_button)
        open_row.addStretch()
        form.addRow("", open_row)
        return box

    # -- services ---------------------------------------------------------------------

    def _services_box(self) -> QGroupBox:
        box = QGroupBox("Services")
        layout = QVBoxLayout(box)
        self.health_table = QTableWidget(0, 3)
        self.health_table.setHorizontalHeaderLabels(["Part", "Status", "Details"])
        self.health_table.verticalHeader().hide()
        self.health_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.health_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.health_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.health_table.setMinimumHeight(250)
        self.check_button = QPushButton("&Check again")
        self.check_button.setToolTip("Check every service now (F5)")
        self.check_button.clicked.connect(self.check_services)
        layout.addWidget(self.health_table)
        layout.addWidget(self.check_button, alignment=Qt.AlignmentFlag.AlignLeft)
        return box

    def check_services(self) -> None:
        self.check_button.setEnabled(False)
        self.check_button.setText("Checking…")

        def done(report: HealthReport) -> None:
            self.check_button.setEnabled(True)
            self.check_button.setText("&Check again")
            self.show_health(report)

        def failed(error: BaseException) -> None:
            self.check_button.setEnabled(True)
            self.check_button.setText("&Check again")

        BackgroundOp.plain(self.services.health.report, parent=self).success(done).failure(failed).run()

    def show_health(self, report: HealthReport) -> None:
        self.health_table.setRowCount(len(report.components))
        for row, component in enumerate(report.components):
            status = QTableWidgetItem("✔ Healthy" if component.healthy else "✘ Problem")
            status.setForeground(Qt.GlobalColor.darkGreen if component.healthy else Qt.GlobalColor.red)
            self.health_table.setItem(row, 0, QTableWidgetItem(component.name))
            self.health_table.setItem(row, 1, status)
            detail = QTableWidgetItem(component.detail)
            detail.setToolTip(component.detail)
            self.health_table.setItem(row, 2, detail)

    # -- about ------------------------------------------------------------------------

    def _about_box(self) -> QGroupBox:
        box = QGroupBox("About")
        form = QFormLayout(box)
        form.addRow("Study Teddy:", QLabel(__version__))
        form.addRow("Python:", QLabel(platform.python_version()))
        form.addRow("Qt / PySide6:", QLabel(f"{qVersion()} / {PySide6.__version__}"))
        form.addRow("System:", QLabel(platform.platform(terse=True)))
        return box
