"""The Planner and Dashboard panes in the real window: Ctrl+N anywhere, list, undo, focus timer, charts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from studyteddy_desktop.domain.planner_dto import DayActivity, Reminder, TaskDraft
from studyteddy_desktop.ui.dashboard.activity_heatmap import level_of, shade
from studyteddy_desktop.ui.panes.dashboard_pane import DashboardPane, greeting
from studyteddy_desktop.ui.panes.planner_pane import PlannerPane
from studyteddy_desktop.ui.planner.task_dialog import TaskDialog
from studyteddy_desktop.ui.reminder_tray import DesktopNotifier, ReminderPoller


@pytest.fixture()
def app_window(qtbot, started_window):
    window, controller = started_window
    qtbot.waitUntil(lambda: getattr(window, "new_task_action", None) is not None, timeout=5000)
    yield window, controller
    controller.services.focus.cancel()


def pane_of(window, kind):
    return next(widget for widget in window._pane_widgets if isinstance(widget, kind))


def open_dialog() -> TaskDialog | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, TaskDialog) and w.isVisible()), None)


def test_dashboard_is_home_and_ctrl_n_adds_a_task_from_it(qtbot, app_window):
    window, controller = app_window
    dashboard = pane_of(window, DashboardPane)
    assert window.current_pane() is dashboard
    qtbot.waitUntil(lambda: dashboard.board is not None, timeout=10_000)
    title = f"Ctrl+N task {uuid.uuid4().hex[:6]}"
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: open_dialog() is not None, timeout=3000)
    dialog = open_dialog()
    dialog.title_edit.setText(title)
    dialog.has_due.setChecked(True)
    dialog.due_edit.setDateTime(dialog.due_edit.dateTime().addDays(-3))  # two days ago: overdue
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Return)
    planner = pane_of(window, PlannerPane)
    # A hidden pane takes in what changed when it is shown; each pane is looked at in turn.
    window.go_to_pane(window._pane_widgets.index(planner))
    qtbot.waitUntil(lambda: any(task.title == title for task in planner.model.tasks), timeout=10_000)
    row = next(row for row, task in enumerate(planner.model.tasks) if task.title == title)
    assert planner.model.index(row, 3).data().startswith("⚠")  # overdue stands out
    window.go_to_pane(0)
    qtbot.waitUntil(lambda: any(task.title == title for task in dashboard.board.recent_tasks), timeout=10_000)
    assert dashboard.due_card.hint_label.text().endswith("overdue")


def test_an_empty_title_is_refused_in_the_dialog(qtbot, app_window):
    window, _controller = app_window
    planner = pane_of(window, PlannerPane)
    planner.new_task()
    qtbot.waitUntil(lambda: open_dialog() is not None, timeout=3000)
    dialog = open_dialog()
    dialog.title_edit.setText("   ")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "needs a title" in dialog.error_label.text()
    dialog.reject()


def test_complete_delete_and_undo_from_the_list(qtbot, app_window):
    window, controller = app_window
    planner = pane_of(window, PlannerPane)
    window.go_to_pane(window._pane_widgets.index(planner))
    title = f"Undo me {uuid.uuid4().hex[:6]}"
    task = controller.services.planner.add_task(TaskDraft(title=title, due_at=datetime.now(UTC) + timedelta(days=1)))
    planner.reload()
    qtbot.waitUntil(lambda: planner.model.row_of(task.id) >= 0, timeout=10_000)
    planner._select_task_id(task.id)
    assert title in planner.detail.toPlainText()
    window.activateWindow()
    planner.table.setFocus()
    qtbot.waitUntil(planner.table.hasFocus, timeout=3000)
    qtbot.keyClick(planner.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: planner.model.row_of(task.id) < 0 and planner.undo_button.isVisible(), timeout=10_000)
    qtbot.mouseClick(planner.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: planner.model.row_of(task.id) >= 0, timeout=10_000)
    planner.model.setData(planner.model.index(planner.model.row_of(task.id), 0), Qt.CheckState.Checked,
                          Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: planner.model.row_of(task.id) < 0, timeout=10_000)  # done leaves the Open list
    assert controller.services.planner.get_task(task.id).is_done


def test_the_focus_timer_runs_across_panes_and_records_the_session(qtbot, app_window):
    window, controller = app_window
    planner = pane_of(window, PlannerPane)
    title = f"Focus {uuid.uuid4().hex[:6]}"
    task = controller.services.planner.add_task(TaskDraft(title=title))
    planner.reload()
    qtbot.waitUntil(lambda: planner.focus_panel.task_box.findData(f"task:{task.id}") >= 0, timeout=10_000)
    planner.focus_panel.choose_task(task.id)
    planner.focus_panel.work_spin.setValue(1)
    qtbot.mouseClick(planner.focus_panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: planner.focus_panel.timer_state is not None, timeout=10_000)
    window.go_to_pane(0)  # the timer is shown in the status bar and keeps ticking elsewhere
    qtbot.waitUntil(lambda: planner.focus_panel.status_label.text().startswith("Work 00:5"), timeout=5000)
    assert title[:20] in planner.focus_panel.status_label.text()
    planner.focus_panel.end()
    dialog = planner.focus_panel.end_dialog
    dialog.minutes_spin.setValue(1)
    dialog.score_box.setCurrentIndex(dialog.score_box.findData(4))
    dialog.accept()
    qtbot.waitUntil(lambda: planner.focus_panel.timer_state is None, timeout=10_000)
    assert controller.services.planner.get_task(task.id).actual_minutes == 1
    assert controller.services.focus.current() is None


def test_analytics_tab_draws_real_charts(qtbot, app_window):
    window, _controller = app_window
    dashboard = pane_of(window, DashboardPane)
    dashboard.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dashboard.analytics is not None, timeout=10_000)
    assert len(dashboard.analytics.weeks) == 26
    chart = dashboard.minutes_view.chart()
    assert chart.title() == "Study minutes per week" and len(chart.series()) == 1
    assert dashboard.subject_view.chart().title().startswith("Study time per subject")


def test_reminders_are_shown_in_the_status_bar_without_a_tray(qtbot, app_window):
    window, _controller = app_window
    notifier = DesktopNotifier(window, use_tray=False)
    reminders = [Reminder("task", "k1", "Task due soon", "Essay is due at 14:00.")]
    poller = ReminderPoller(lambda: reminders, notifier.notify, window, interval_ms=60_000, first_check_ms=60_000)
    poller.check_now()
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=5000)
    assert notifier.shown == [("Task due soon", "Essay is due at 14:00.")]
    assert "Essay is due" in window.statusBar().currentMessage()
    poller.stop()


def test_small_pieces():
    assert greeting(8, "Ada") == "Good morning, Ada!" and greeting(20, "") == "Good evening!"
    day = datetime(2026, 3, 1).date()
    assert [level_of(DayActivity(day, minutes, 0, 0)) for minutes in (0, 5, 30, 90, 200)] == [0, 1, 2, 3, 4]
    assert level_of(DayActivity(day, 0, 0, 3)) == 1
    from PySide6.QtGui import QColor

    dark, accent = QColor("#202020"), QColor("#3daee9")
    assert shade(dark, accent, 0).lightness() > dark.lightness()  # empty cells still visible on dark
    assert shade(dark, accent, 4) != shade(dark, accent, 1)
