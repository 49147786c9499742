"""Exams: days left, the daily reviews that keep the subject's cards at target recall, the work ahead."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
                               QWidget)

from studyteddy_desktop.domain.local_time import at_local
from studyteddy_desktop.domain.planner_dto import ExamOutlook
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message
from studyteddy_desktop.ui.planner import operations
from studyteddy_desktop.ui.planner.task_dialog import from_qdatetime, local_qdatetime


def outlook_text(outlook: ExamOutlook) -> str:
    exam = outlook.exam
    days = {0: "today", 1: "tomorrow"}.get(exam.days_left, f"in {exam.days_left} days")
    lines = [f"{exam.title} · {exam.subject} · {days}"]
    if outlook.cards_total:
        lines.append(f"{outlook.reviews_per_day} review(s)/day keep {outlook.cards_total} card(s) at "
                     f"{outlook.target_recall:.0%} recall ({outlook.cards_below_target} need a review)")
    if outlook.open_tasks:
        lines.append(f"{outlook.open_tasks} open task(s), about {outlook.open_task_minutes} min of work left")
    return "\n".join(lines)


class ExamDialog(QDialog):
    def __init__(self, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.setWindowTitle("New exam")
        self.subject_edit = QLineEdit()
        self.subject_edit.setMaxLength(80)
        self.subject_edit.setPlaceholderText("Biology")
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("Optional, e.g. Final exam")
        self.when_edit = QDateTimeEdit()
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        in_two_weeks = datetime.now(zone).date() + timedelta(days=14)
        self.when_edit.setDateTime(local_qdatetime(at_local(in_two_weeks, datetime.min.time().replace(hour=9),
                                                            zone), zone))
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #e0533d;")
        form = QFormLayout(self)
        form.addRow("&Subject:", self.subject_edit)
        form.addRow("&Title:", self.title_edit)
        form.addRow("&When:", self.when_edit)
        form.addRow(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, datetime]:
        return (self.subject_edit.text(), self.title_edit.text(),
                from_qdatetime(self.when_edit.dateTime(), self.zone))


class ExamPanel(QGroupBox):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__("Exams", parent)
        self.services = services
        self.exam_list = QListWidget()
        self.exam_list.setWordWrap(True)
        self.exam_list.setAccessibleName("Upcoming exams")
        self.empty_label = QLabel("No exams planned. Add one to see how many reviews a day get you ready.")
        self.empty_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.add_button = QPushButton("Add e&xam…")
        self.delete_button = QPushButton("Remove")
        self.add_button.clicked.connect(self.add_exam)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.exam_list)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.outlooks: list[ExamOutlook] = []

    def reload(self) -> None:
        exams = self.services.exams

        def fetch():
            return [exams.outlook(exam.id) for exam in exams.upcoming(limit=20)]

        BackgroundOp.plain(fetch, parent=self).success(self._show).failure(
            lambda error: self.message_label.setText(user_message(error))).run()

    def _show(self, outlooks: list[ExamOutlook]) -> None:
        self.outlooks = outlooks
        self.exam_list.clear()
        for outlook in outlooks:
            item = QListWidgetItem(outlook_text(outlook))
            item.setData(Qt.ItemDataRole.UserRole, outlook.exam.id)
            self.exam_list.addItem(item)
        self.empty_label.setVisible(not outlooks)
        self.exam_list.setVisible(bool(outlooks))
        self.delete_button.setEnabled(bool(outlooks))

    def add_exam(self) -> None:
        dialog = ExamDialog(self.services.student.zone, self.window())
        self.exam_dialog = dialog

        def save() -> None:
            subject, title, when = dialog.values()
            (operations.add_exam(parent=self, services=self.services, subject=subject, title=title, when=when)
             .success(lambda _exam: self.message_label.setText("Exam added."))
             .failure(lambda error: self.message_label.setText(user_message(error))).run())

        dialog.accepted.connect(save)
        dialog.open()

    def delete_selected(self) -> None:
        item = self.exam_list.currentItem()
        if item is None:
            return
        exam_id = item.data(Qt.ItemDataRole.UserRole)
        (operations.delete_exam(parent=self, services=self.services, exam_id=exam_id)
         .success(lambda _exam: self.message_label.setText("Exam removed."))
         .failure(lambda error: self.message_label.setText(user_message(error))).run())
