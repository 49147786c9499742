"""Seven columns, Monday to Sunday, with the tasks due each day of the chosen week."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from studyteddy_desktop.domain.local_time import local_date, week_start
from studyteddy_desktop.domain.planner_dto import TaskDTO
from studyteddy_desktop.ui.planner.task_table_model import OVERDUE_COLOUR


class WeekView(QWidget):
    week_requested = Signal(object)
    task_activated = Signal(object)

    def __init__(self, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.monday = week_start(date.today())
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600;")
        previous = QPushButton("◀ Previous week")
        this_week = QPushButton("This week")
        following = QPushButton("Next week ▶")
        previous.clicked.connect(lambda: self.show_week(self.monday - timedelta(weeks=1)))
        this_week.clicked.connect(lambda: self.show_week(week_start(date.today())))
        following.clicked.connect(lambda: self.show_week(self.monday + timedelta(weeks=1)))
        header = QHBoxLayout()
        header.addWidget(previous)
        header.addWidget(this_week)
        header.addWidget(following)
        header.addStretch()
        header.addWidget(self.title)
        grid = QGridLayout()
        self.day_labels: list[QLabel] = []
        self.day_lists: list[QListWidget] = []
        for column in range(7):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tasks = QListWidget()
            tasks.setWordWrap(True)
            tasks.itemActivated.connect(lambda item: self.task_activated.emit(item.data(Qt.ItemDataRole.UserRole)))
            grid.addWidget(label, 0, column)
            grid.addWidget(tasks, 1, column)
            self.day_labels.append(label)
            self.day_lists.append(tasks)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(grid)

    def show_week(self, monday: date) -> None:
        self.monday = monday
        self.week_requested.emit(monday)

    def set_tasks(self, monday: date, tasks: tuple[TaskDTO, ...], now) -> None:
        self.monday = monday
        sunday = monday + timedelta(days=6)
        self.title.setText(f"{monday:%d %b} – {sunday:%d %b %Y}")
        today = local_date(now, self.zone)
        for column, tasks_list in enumerate(self.day_lists):
            day = monday + timedelta(days=column)
            label = self.day_labels[column]
            label.setText(f"{day:%a %d}")
            font = QFont(label.font())
            font.setBold(day == today)
            label.setFont(font)
            tasks_list.clear()
        for task in tasks:
            if task.due_at is None:
                continue
            column = (local_date(task.due_at, self.zone) - monday).days
            if not 0 <= column < 7:
                continue
            local = task.due_at.astimezone(self.zone)
            item = QListWidgetItem(f"{'✓ ' if task.is_done else ''}{local:%H:%M} {task.title}")
            item.setData(Qt.ItemDataRole.UserRole, task.id)
            item.setToolTip(f"{task.title}\n{task.subject or 'No subject'} · {task.priority.value}")
            if task.is_overdue(now):
                item.setForeground(OVERDUE_COLOUR)
            self.day_lists[column].addItem(item)
