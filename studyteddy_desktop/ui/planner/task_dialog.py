"""The task editor: title, subject, due date and time, priority, estimate, time spent, notes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QSpinBox, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.enums import TaskPriority
from studyteddy_desktop.domain.local_time import END_OF_DAY, at_local
from studyteddy_desktop.domain.planner_dto import TaskDraft, TaskDTO

MAX_ESTIMATE = 6000


def local_qdatetime(moment: datetime, zone: ZoneInfo) -> QDateTime:
    local = moment.astimezone(zone)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def from_qdatetime(value: QDateTime, zone: ZoneInfo) -> datetime:
    """The wall-clock time in the editor, read in the student's zone (DST gaps move forward)."""
    day, clock = value.date(), value.time()
    return at_local(datetime(day.year(), day.month(), day.day()).date(), time(clock.hour(), clock.minute()), zone)


class TaskDialog(QDialog):
    """Edits a draft; the caller saves it and shows any refusal with `show_error`."""

    def __init__(self, zone: ZoneInfo, subjects: tuple[str, ...], *, task: TaskDTO | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.task = task
        self.setWindowTitle("Edit task" if task else "New task")
        self.setMinimumWidth(460)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(500)
        self.title_edit.setPlaceholderText("What needs doing?")
        self.subject_box = QComboBox()
        self.subject_box.setEditable(True)
        self.subject_box.addItem("")
        self.subject_box.addItems(list(subjects))
        self.subject_box.lineEdit().setPlaceholderText("Subject (optional)")
        self.subject_box.lineEdit().setMaxLength(80)
        self.has_due = QCheckBox("&Due")
        self.due_edit = QDateTimeEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        tomorrow = datetime.now(zone).date() + timedelta(days=1)
        self.due_edit.setDateTime(local_qdatetime(at_local(tomorrow, END_OF_DAY, zone), zone))
        self.has_due.toggled.connect(self.due_edit.setEnabled)
        self.has_due.setChecked(False)
        self.due_edit.setEnabled(False)
        self.priority_box = QComboBox()
        for priority in TaskPriority:
            self.priority_box.addItem(priority.value.capitalize(), priority)
        self.priority_box.setCurrentIndex(1)
        self.estimate_spin = QSpinBox()
        self.estimate_spin.setRange(0, MAX_ESTIMATE)
        self.estimate_spin.setSingleStep(15)
        self.estimate_spin.setSuffix(" min")
        self.estimate_spin.setSpecialValueText("No estimate")
        self.actual_spin = QSpinBox()
        self.actual_spin.setRange(0, 100_000)
        self.actual_spin.setSuffix(" min")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("Notes, pages, links…")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(90)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #e0533d;")
        self.error_label.hide()

        form = QFormLayout()
        form.addRow("&Title:", self.title_edit)
        form.addRow("&Subject:", self.subject_box)
        due_row = QHBoxLayout()
        due_row.addWidget(self.has_due)
        due_row.addWidget(self.due_edit, stretch=1)
        form.addRow("", due_row)
        form.addRow("&Priority:", self.priority_box)
        form.addRow("&Estimate:", self.estimate_spin)
        if task is not None:
            form.addRow("Time &spent:", self.actual_spin)
        form.addRow("&Notes:", self.description_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        if task is not None:
            self._fill(task)
        self.title_edit.setFocus()

    def _fill(self, task: TaskDTO) -> None:
        self.title_edit.setText(task.title)
        self.subject_box.setCurrentText(task.subject or "")
        if task.due_at is not None:
            self.has_due.setChecked(True)
            self.due_edit.setDateTime(local_qdatetime(task.due_at, self.zone))
        self.priority_box.setCurrentIndex(list(TaskPriority).index(task.priority))
        self.estimate_spin.setValue(task.estimated_minutes or 0)
        self.actual_spin.setValue(task.actual_minutes)
        self.description_edit.setPlainText(task.description or "")

    def _try_accept(self) -> None:
        if not self.title_edit.text().strip():
            self.show_error("A task needs a title.")
            self.title_edit.setFocus()
            return
        self.accept()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def draft(self) -> TaskDraft:
        due = from_qdatetime(self.due_edit.dateTime(), self.zone) if self.has_due.isChecked() else None
        return TaskDraft(title=self.title_edit.text(), description=self.description_edit.toPlainText(),
                         subject=self.subject_box.currentText(), due_at=due,
                         priority=self.priority_box.currentData(),
                         estimated_minutes=self.estimate_spin.value() or None)

    def actual_minutes(self) -> int | None:
        return self.actual_spin.value() if self.task is not None else None
