"""The Planner: tasks as a list or a week, task details, the focus timer, exams, calendar exchange."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QSplitter, QStackedWidget, QTableView, QTabWidget, QTextBrowser,
                               QVBoxLayout, QWidget)

from studyteddy_desktop.domain.enums import TaskStatus
from studyteddy_desktop.domain.local_time import day_bounds, week_start
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.planner_dto import TaskDTO, TaskFilter, TaskPage, TaskSort
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message
from studyteddy_desktop.ui.change_broadcast import ChangeSubscription
from studyteddy_desktop.ui.planner import operations
from studyteddy_desktop.ui.planner.exam_panel import ExamPanel
from studyteddy_desktop.ui.planner.focus_panel import FocusPanel
from studyteddy_desktop.ui.planner.task_dialog import TaskDialog
from studyteddy_desktop.ui.planner.task_table_model import TaskTableModel, format_due, format_minutes
from studyteddy_desktop.ui.planner.week_view import WeekView
from studyteddy_desktop.ui.reminder_tray import install_reminders

if TYPE_CHECKING:
    from studyteddy_desktop.config import Settings
    from studyteddy_desktop.services.app_services import AppServices

DUE_RANGES = ("Any time", "Overdue", "Today", "This week", "Next 7 days")
SORTS = (("Due date", TaskSort.DUE), ("Priority", TaskSort.PRIORITY), ("Newest", TaskSort.CREATED),
         ("Title", TaskSort.TITLE))
SHOWN_HERE = Changes(tasks=True, sessions=True, exams=True)


def add_task_interactively(services, parent: QWidget, subjects: tuple[str, ...] = (),
                           on_added=None) -> TaskDialog:
    """Open the new-task dialog; saving runs in the background, and the op announces the change."""
    dialog = TaskDialog(services.student.zone, subjects, parent=parent)

    def save() -> None:
        def refused(error: BaseException) -> None:
            dialog.show_error(user_message(error))
            dialog.open()

        (operations.add_task(parent=parent, services=services, draft=dialog.draft())
         .success(on_added or (lambda _task: None)).failure(refused).run())

    dialog.accepted.connect(save)
    dialog.open()
    return dialog


class PlannerPane(QWidget):
    def __init__(self, services: AppServices, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plannerPane")
        self.services = services
        self.settings = settings
        self.zone = services.student.zone
        self.last_deleted: TaskDTO | None = None
        self.subjects: tuple[str, ...] = ()

        self.model = TaskTableModel(self.zone, self)
        self.model.toggle_requested.connect(self.set_done)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAccessibleName("Tasks")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._show_detail())
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty_label)
        self.truncated_label = QLabel()
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.list_stack)
        list_layout.addWidget(self.truncated_label)
        self.week_view = WeekView(self.zone)
        self.week_view.week_requested.connect(self.load_week)
        self.week_view.task_activated.connect(self._select_task_id)
        self.tabs = QTabWidget()
        self.tabs.addTab(list_page, "&List")
        self.tabs.addTab(self.week_view, "&Week")
        self.tabs.currentChanged.connect(lambda _index: self.reload())

        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(False)
        self.detail.setMinimumHeight(120)
        self.done_button = QPushButton("✓ &Done")
        self.edit_button = QPushButton("&Edit…")
        self.delete_button = QPushButton("&Delete")
        self.focus_button = QPushButton("&Focus on it")
        self.done_button.clicked.connect(self.toggle_selected)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.focus_button.clicked.connect(self.focus_on_selected)
        detail_buttons = QHBoxLayout()
        for button in (self.done_button, self.edit_button, self.delete_button, self.focus_button):
            detail_buttons.addWidget(button)
        self.focus_panel = FocusPanel(services)
        self.exam_panel = ExamPanel(services)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.detail, stretch=1)
        side_layout.addLayout(detail_buttons)
        side_layout.addWidget(self.focus_panel)
        side_layout.addWidget(self.exam_panel, stretch=1)
        splitter = QSplitter()
        splitter.addWidget(self.tabs)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([620, 380])
        side.setMaximumWidth(460)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.addWidget(QLabel("<h2>Planner</h2>"))
        layout.addLayout(self._toolbar())
        layout.addWidget(splitter, stretch=1)
        layout.addLayout(self._undo_bar())
        self._install_shortcuts()
        self.subscription = ChangeSubscription(self, services, self._on_changes, accepts=SHOWN_HERE.overlaps)
        self._show_detail()
        # Once placed in the window (right after construction), Ctrl+N works on every pane.
        QTimer.singleShot(0, self._install_window_actions)
        self.reload()
        self.exam_panel.reload()

    # -- layout pieces --------------------------------------------------------------------

    def _toolbar(self) -> QHBoxLayout:
        self.new_button = QPushButton("+ &New task")
        self.new_button.setToolTip("Add a task (Ctrl+N, from any pane)")
        self.new_button.clicked.connect(self.new_task)
        self.subject_filter = QComboBox()
        self.subject_filter.addItem("All subjects", None)
        self.status_filter = QComboBox()
        for label, status in (("Open", TaskStatus.OPEN), ("Done", TaskStatus.DONE), ("All", None)):
            self.status_filter.addItem(label, status)
        self.due_filter = QComboBox()
        self.due_filter.addItems(DUE_RANGES)
        self.sort_box = QComboBox()
        for label, sort in SORTS:
            self.sort_box.addItem(f"Sort: {label}", sort)
        for box in (self.subject_filter, self.status_filter, self.due_filter, self.sort_box):
            box.currentIndexChanged.connect(lambda _index: self.reload())
        self.import_button = QPushButton("&Import .ics…")
        self.export_button = QPushButton("E&xport .ics…")
        self.import_button.clicked.connect(self.import_calendar)
        self.export_button.clicked.connect(self.export_calendar)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        for label, box in (("Subject", self.subject_filter), ("Status", self.status_filter),
                           ("Due", self.due_filter)):
            row.addWidget(box)
            box.setAccessibleName(label)
        row.addWidget(self.sort_box)
        row.addStretch()
        row.addWidget(self.import_button)
        row.addWidget(self.export_button)
        return row

    def _undo_bar(self) -> QHBoxLayout:
        self.message_label = QLabel()
        self.undo_button = QPushButton("&Undo")
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_button.hide()
        row = QHBoxLayout()
        row.addWidget(self.message_label, stretch=1)
        row.addWidget(self.undo_button)
        return row

    def _install_shortcuts(self) -> None:
        for keys, slot in ((QKeySequence(Qt.Key.Key_Delete), self.delete_selected),
                           (QKeySequence(Qt.Key.Key_Space), self.toggle_selected),
                           (QKeySequence(Qt.Key.Key_Return), self.edit_selected),
                           (QKeySequence(QKeySequence.StandardKey.Undo), self.undo_delete)):
            shortcut = QShortcut(keys, self.table if keys != QKeySequence.StandardKey.Undo else self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _install_window_actions(self) -> None:
        window = self.window()
        if window is self or getattr(window, "new_task_action", None) is not None:
            return
        action = QAction("New task", window)
        action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(self.new_task)
        window.addAction(action)
        window.new_task_action = action
        status_bar = getattr(window, "statusBar", None)
        if status_bar is not None:
            status_bar().addPermanentWidget(self.focus_panel.status_label)
            notifier = install_reminders(window, self.services)
            self.focus_panel.phase_finished.connect(notifier.notify)

    # -- loading --------------------------------------------------------------------------

    def current_filter(self) -> TaskFilter:
        now = datetime.now(UTC)
        today = now.astimezone(self.zone).date()
        due_from = due_before = None
        choice = self.due_filter.currentText()
        if choice == "Overdue":
            due_before = now
        elif choice == "Today":
            due_from, due_before = day_bounds(today, self.zone)
        elif choice == "This week":
            monday = week_start(today)
            due_from, due_before = day_bounds(monday, self.zone)[0], day_bounds(monday + timedelta(6), self.zone)[1]
        elif choice == "Next 7 days":
            due_from, due_before = day_bounds(today, self.zone)[0], day_bounds(today + timedelta(7), self.zone)[0]
        status = self.status_filter.currentData()
        if choice == "Overdue":
            status = TaskStatus.OPEN
        return TaskFilter(subject=self.subject_filter.currentData(), status=status, due_from=due_from,
                          due_before=due_before, sort=self.sort_box.currentData() or TaskSort.DUE)

    def reload(self) -> None:
        if self.tabs.currentWidget() is self.week_view:
            self.load_week(self.week_view.monday)
        task_filter = self.current_filter()
        planner = self.services.planner

        def fetch() -> tuple[TaskPage, tuple[str, ...]]:
            return planner.list_tasks(task_filter), planner.subjects()

        BackgroundOp.plain(fetch, parent=self).success(self._show_page).failure(self._failed).run()

    def _show_page(self, result: tuple[TaskPage, tuple[str, ...]]) -> None:
        page, subjects = result
        selected = self.selected_task()
        self.model.set_tasks(page.tasks)
        self._set_subjects(subjects)
        if page.tasks:
            self.list_stack.setCurrentWidget(self.table)
        else:
            self.empty_label.setText(self._empty_text())
            self.list_stack.setCurrentWidget(self.empty_label)
        self.truncated_label.setText(f"Showing {len(page.tasks):,} of {page.total:,}: narrow the filters to see "
                                     "the rest." if page.truncated else "")
        self.truncated_label.setVisible(page.truncated)
        if selected is not None:
            self._select_task_id(selected.id)
        self.focus_panel.set_tasks(page.tasks, subjects)
        self._show_detail()

    def _empty_text(self) -> str:
        if self.current_filter() == TaskFilter():
            return "Nothing to do yet.\nPress Ctrl+N to add your first task, or import a calendar (.ics)."
        return "No tasks match these filters."

    def _set_subjects(self, subjects: tuple[str, ...]) -> None:
        self.subjects = subjects
        current = self.subject_filter.currentData()
        known = [self.subject_filter.itemData(index) for index in range(1, self.subject_filter.count())]
        if list(subjects) == known:
            return
        self.subject_filter.blockSignals(True)
        self.subject_filter.clear()
        self.subject_filter.addItem("All subjects", None)
        for subject in subjects:
            self.subject_filter.addItem(subject, subject)
        self.subject_filter.setCurrentIndex(max(self.subject_filter.findData(current), 0))
        self.subject_filter.blockSignals(False)

    def load_week(self, monday: date) -> None:
        planner = self.services.planner
        BackgroundOp.plain(lambda: planner.week(monday), parent=self).success(
            lambda tasks: self.week_view.set_tasks(monday, tasks, datetime.now(UTC))).failure(self._failed).run()

    def _on_changes(self, changes: Changes) -> None:
        if changes.tasks or changes.sessions:
            self.reload()
        if changes.exams or changes.tasks:
            self.exam_panel.reload()

    def _failed(self, error: BaseException) -> None:
        self.message_label.setText(user_message(error))

    # -- selection and detail -------------------------------------------------------------

    def selected_task(self) -> TaskDTO | None:
        return self.model.task_at(self.table.currentIndex().row())

    def _select_task_id(self, task_id) -> None:
        row = self.model.row_of(task_id)
        if row >= 0:
            self.tabs.setCurrentIndex(0) if self.tabs.currentIndex() != 0 else None
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 1), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def _show_detail(self) -> None:
        task = self.selected_task()
        for button in (self.done_button, self.edit_button, self.delete_button, self.focus_button):
            button.setEnabled(task is not None)
        if task is None:
            self.detail.setHtml("<p>Select a task to see its details.</p>")
            return
        self.done_button.setText("↺ Re&open" if task.is_done else "✓ &Done")
        now = datetime.now(UTC)
        rows = [("Subject", task.subject or "—"), ("Due", format_due(task.due_at, self.zone, now) or "—"),
                ("Priority", task.priority.value.capitalize()),
                ("Estimate", format_minutes(task.estimated_minutes) or "—"),
                ("Time spent", format_minutes(task.actual_minutes) or "—"),
                ("Status", "Done" if task.is_done else ("Overdue" if task.is_overdue(now) else "Open"))]
        table = "".join(f"<tr><td><b>{name}</b>&nbsp;&nbsp;</td><td>{html.escape(value)}</td></tr>"
                        for name, value in rows)
        notes = html.escape(task.description or "").replace("\n", "<br>")
        self.detail.setHtml(f"<h3>{html.escape(task.title)}</h3><table>{table}</table><p>{notes}</p>")

    # -- actions ----------------------------------------------------------------------------

    def new_task(self) -> None:
        self.new_dialog = add_task_interactively(
            self.services, self.window(), self.subjects, on_added=lambda task: self.message_label.setText(f"Added “{task.title}”."))

    def edit_selected(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        dialog = TaskDialog(self.zone, self.subjects, task=task, parent=self.window())
        self.edit_dialog = dialog

        def save() -> None:
            draft, actual = dialog.draft(), dialog.actual_minutes()

            def refused(error: BaseException) -> None:
                dialog.show_error(user_message(error))
                dialog.open()

            (operations.update_task(parent=self, services=self.services, task_id=task.id, draft=draft,
                                    actual_minutes=actual).failure(refused).run())

        dialog.accepted.connect(save)
        dialog.open()

    def set_done(self, task_id, done: bool) -> None:
        (operations.set_task_done(parent=self, services=self.services, task_id=task_id, done=done)
         .success(lambda task: self.message_label.setText(
             f"Well done: “{task.title}” is complete." if task.is_done else f"“{task.title}” is open again."))
         .failure(self._failed).run())

    def toggle_selected(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.set_done(task.id, not task.is_done)

    def delete_selected(self) -> None:
        task = self.selected_task()
        if task is None:
            return

        def deleted(gone: TaskDTO) -> None:
            self.last_deleted = gone
            self.message_label.setText(f"Deleted “{gone.title}”.")
            self.undo_button.show()

        (operations.delete_task(parent=self, services=self.services, task_id=task.id)
         .success(deleted).failure(self._failed).run())

    def undo_delete(self) -> None:
        task = self.last_deleted
        if task is None:
            return
        self.last_deleted = None
        self.undo_button.hide()
        (operations.restore_task(parent=self, services=self.services, task_id=task.id)
         .success(lambda back: self.message_label.setText(f"Restored “{back.title}”.")).failure(self._failed).run())

    def focus_on_selected(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.focus_panel.choose_task(task.id)
            self.focus_panel.start_button.setFocus()

    # -- calendar -------------------------------------------------------------------------

    def import_calendar(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import calendar", "", "iCalendar (*.ics);;All files (*)")
        if path:
            self.import_from(path)

    def import_from(self, path: str) -> None:
        self.message_label.setText("Importing…")
        (operations.import_calendar(parent=self, services=self.services, path=path)
         .success(lambda result: self.message_label.setText(f"Imported: {result.summary()}"))
         .failure(self._failed).run())

    def export_calendar(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Export calendar", "study-teddy.ics", "iCalendar (*.ics)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        (BackgroundOp.plain(lambda: self.services.calendar.export_ics(path), parent=self)
         .success(lambda counts: self.message_label.setText(
             f"Exported {counts[0]} task(s) and {counts[1]} exam(s) to {path}."))
         .failure(self._failed).run())
