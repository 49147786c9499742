"""The Settings box that switches each kind of reminder on or off."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.planner_dto import ReminderSettings
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp, user_message


class ReminderSettingsBox(QGroupBox):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__("Reminders", parent)
        self.services = services
        self.tasks_box = QCheckBox("Tasks due within two hours")
        self.exams_box = QCheckBox("Exams in the next three days")
        self.cards_box = QCheckBox("Flashcards due for review")
        self.message_label = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Study Teddy shows a desktop notification for:"))
        for box in (self.tasks_box, self.exams_box, self.cards_box):
            box.setEnabled(False)
            box.toggled.connect(self._save)
            layout.addWidget(box)
        layout.addWidget(self.message_label)
        self._loading = True
        BackgroundOp.plain(services.preferences.reminders, parent=self).success(self._show).failure(
            lambda error: self.message_label.setText(user_message(error))).run()

    def _show(self, settings: ReminderSettings) -> None:
        self._loading = True
        self.tasks_box.setChecked(settings.tasks_due)
        self.exams_box.setChecked(settings.exams_near)
        self.cards_box.setChecked(settings.cards_due)
        for box in (self.tasks_box, self.exams_box, self.cards_box):
            box.setEnabled(True)
        self._loading = False

    def current(self) -> ReminderSettings:
        return ReminderSettings(tasks_due=self.tasks_box.isChecked(), exams_near=self.exams_box.isChecked(),
                                cards_due=self.cards_box.isChecked())

    def _save(self) -> None:
        if self._loading:
            return
        settings = self.current()
        (ChangeOp.plain(self.services, lambda: self.services.preferences.set_reminders(settings),
                        changes=Changes(preferences=True), parent=self)
         .success(lambda _saved: self.message_label.setText("Saved."))
         .failure(lambda error: self.message_label.setText(user_message(error))).run())
