"""The task list as a Qt table model: done mark, title, subject, due, priority, estimate, time spent."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from studyteddy_desktop.domain.planner_dto import TaskDTO

COLUMNS = ("", "Title", "Subject", "Due", "Priority", "Estimate", "Spent")
# Readable on light and dark backgrounds alike, unlike pure red.
OVERDUE_COLOUR = QColor("#e0533d")
TaskRole = Qt.ItemDataRole.UserRole + 1


def format_due(due: datetime | None, zone: ZoneInfo, now: datetime | None = None) -> str:
    if due is None:
        return ""
    local = due.astimezone(zone)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    days = (local.date() - today).days
    day = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get(days)
    if day is None:
        day = local.strftime("%a %d %b") if abs(days) < 180 else local.strftime("%d %b %Y")
    return f"{day} {local:%H:%M}"


def format_minutes(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


class TaskTableModel(QAbstractTableModel):
    """Read-only rows; ticking the box asks (by signal) for the task to be completed or reopened."""

    toggle_requested = Signal(object, bool)

    def __init__(self, zone: ZoneInfo, parent=None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.tasks: list[TaskDTO] = []
        self.now = datetime.now(UTC)

    def set_tasks(self, tasks: tuple[TaskDTO, ...] | list[TaskDTO]) -> None:
        self.beginResetModel()
        self.tasks = list(tasks)
        self.now = datetime.now(UTC)
        self.endResetModel()

    def task_at(self, row: int) -> TaskDTO | None:
        return self.tasks[row] if 0 <= row < len(self.tasks) else None

    def row_of(self, task_id) -> int:
        return next((row for row, task in enumerate(self.tasks) if task.id == task_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.tasks)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.tasks):
            return None
        task = self.tasks[index.row()]
        column = index.column()
        overdue = task.is_overdue(self.now)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(task, column, overdue)
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if task.is_done else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and overdue and column in (1, 3):
            return OVERDUE_COLOUR
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(overdue and column in (1, 3))
            font.setStrikeOut(task.is_done and column == 1)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Overdue: {task.title}" if overdue else task.title
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return "done" if task.is_done else "not done"
        if role == TaskRole:
            return task
        return None

    def _text(self, task: TaskDTO, column: int, overdue: bool) -> str:
        if column == 1:
            return task.title
        if column == 2:
            return task.subject or ""
        if column == 3:
            due = format_due(task.due_at, self.zone, self.now)
            return f"⚠ {due}" if overdue else due
        if column == 4:
            return task.priority.value.capitalize()
        if column == 5:
            return format_minutes(task.estimated_minutes)
        if column == 6:
            return format_minutes(task.actual_minutes)
        return ""

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        task = self.task_at(index.row()) if index.isValid() else None
        if task is None or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        self.toggle_requested.emit(task.id, checked)
        return True
