"""The Dashboard, the app's home: greeting, stat cards, charts, heatmap, deadlines; and Analytics."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QTabWidget, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.planner_dto import AnalyticsDTO, DashboardDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message
from studyteddy_desktop.ui.change_broadcast import ChangeSubscription
from studyteddy_desktop.ui.dashboard import charts
from studyteddy_desktop.ui.dashboard.activity_heatmap import ActivityHeatmap
from studyteddy_desktop.ui.dashboard.stat_card import StatCard
from studyteddy_desktop.ui.planner.task_table_model import format_due
from studyteddy_desktop.ui.reminder_tray import install_reminders

if TYPE_CHECKING:
    from studyteddy_desktop.config import Settings
    from studyteddy_desktop.services.app_services import AppServices

# Figures move with the clock (overdue, due today) even when nothing is edited.
REFRESH_INTERVAL_MS = 60_000
# What the figures are made of: the greeting's name, deadlines, study time, cards due and reviews.
SHOWN_HERE = Changes(tasks=True, exams=True, sessions=True, decks=True, cards=True, reviews=True, profile=True)
ANALYTICS_RANGES = (("Last 12 weeks", 12), ("Last 26 weeks", 26), ("Last year", 52), ("Last 5 years", 260))


def greeting(hour: int, name: str) -> str:
    part = "Good morning" if 5 <= hour < 12 else "Good afternoon" if 12 <= hour < 18 else "Good evening"
    return f"{part}, {name}!" if name else f"{part}!"


class DashboardPane(QScrollArea):
    def __init__(self, services: AppServices, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPane")
        self.setWidgetResizable(True)
        self.services = services
        self.settings = settings
        self.zone = services.student.zone
        self.board: DashboardDTO | None = None
        self.analytics: AnalyticsDTO | None = None
        self.loaded_in_ms: float | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._overview(), "&Overview")
        self.tabs.addTab(self._analytics_page(), "&Analytics")
        self.tabs.currentChanged.connect(lambda _index: self.reload())
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(18, 12, 18, 12)
        header = QHBoxLayout()
        self.greeting_label = QLabel("<h2>Welcome!</h2>")
        self.date_label = QLabel()
        self.new_task_button = QPushButton("+ &New task")
        self.new_task_button.setToolTip("Add a task (Ctrl+N)")
        self.new_task_button.clicked.connect(self._new_task)
        header.addWidget(self.greeting_label)
        header.addWidget(self.date_label)
        header.addStretch()
        header.addWidget(self.new_task_button)
        layout.addLayout(header)
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.hint_label.hide()
        layout.addWidget(self.hint_label)
        layout.addWidget(self.tabs, stretch=1)
        self.setWidget(body)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.subscription = ChangeSubscription(self, services, lambda _changes: self.reload(),
                                               accepts=SHOWN_HERE.overlaps)
        QTimer.singleShot(0, self._install_window_parts)
        self.reload()
        self._refresh_view_in_background()

    # -- layout -------------------------------------------------------------------------------

    def _overview(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        cards = QHBoxLayout()
        self.due_card = StatCard("due today")
        self.done_card = StatCard("done this week")
        self.minutes_card = StatCard("minutes studied this week")
        self.streak_card = StatCard("day streak")
        self.cards_card = StatCard("cards due")
        for card in (self.due_card, self.done_card, self.minutes_card, self.streak_card, self.cards_card):
            cards.addWidget(card)
        layout.addLayout(cards)
        middle = QHBoxLayout()
        self.subject_view = charts.new_chart_view()
        self.subject_view.setAccessibleName("Study time per subject")
        middle.addWidget(self.subject_view, stretch=3)
        heat_box = QGroupBox("Activity, last 12 weeks")
        heat_layout = QVBoxLayout(heat_box)
        self.heatmap = ActivityHeatmap()
        heat_layout.addWidget(self.heatmap)
        heat_layout.addStretch()
        middle.addWidget(heat_box, stretch=2)
        layout.addLayout(middle)
        lists = QHBoxLayout()
        self.upcoming_label = QLabel()
        self.recent_label = QLabel()
        for title, label in (("Upcoming deadlines and exams", self.upcoming_label), ("Recent tasks", self.recent_label)):
            box = QGroupBox(title)
            box_layout = QVBoxLayout(box)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            box_layout.addWidget(label)
            lists.addWidget(box)
        layout.addLayout(lists)
        return page

    def _analytics_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        self.range_box = QComboBox()
        for label, weeks in ANALYTICS_RANGES:
            self.range_box.addItem(label, weeks)
        self.range_box.setCurrentIndex(1)
        self.range_box.currentIndexChanged.connect(lambda _index: self.reload())
        self.totals_label = QLabel()
        top.addWidget(self.range_box)
        top.addWidget(self.totals_label, stretch=1)
        layout.addLayout(top)
        grid = QGridLayout()
        self.minutes_view = charts.new_chart_view(height=220)
        self.tasks_view = charts.new_chart_view(height=220)
        self.reviews_view = charts.new_chart_view(height=220)
        self.retention_view = charts.new_chart_view(height=220)
        grid.addWidget(self.minutes_view, 0, 0)
        grid.addWidget(self.tasks_view, 0, 1)
        grid.addWidget(self.reviews_view, 1, 0)
        grid.addWidget(self.retention_view, 1, 1)
        layout.addLayout(grid)
        return page

    def _install_window_parts(self) -> None:
        window = self.window()
        if window is not self and hasattr(window, "statusBar"):
            install_reminders(window, self.services)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        dashboard = self.services.dashboard
        started = time.perf_counter()
        if self.tabs.currentIndex() == 1:
            weeks = self.range_box.currentData() or 26
            BackgroundOp.plain(lambda: dashboard.analytics(weeks), parent=self).success(
                self._show_analytics).failure(self._failed).run()
            return

        def shown(board: DashboardDTO) -> None:
            self.loaded_in_ms = (time.perf_counter() - started) * 1000
            self._show_board(board)

        BackgroundOp.plain(dashboard.dashboard, parent=self).success(shown).failure(self._failed).run()

    def _refresh_view_in_background(self) -> None:
        """Bring the analytics view up to date (slow on years of data), then show fresh figures."""
        (BackgroundOp.plain(self.services.dashboard.refresh_analytics_if_stale, parent=self)
         .success(lambda refreshed: self.reload() if refreshed else None)
         .failure(self._failed).run())

    def _tick(self) -> None:
        # The clock moving is a change like any other: at once while shown, else when next shown.
        self.subscription.deliver(SHOWN_HERE)

    def _failed(self, error: BaseException) -> None:
        self.hint_label.setText(user_message(error))
        self.hint_label.show()

    # -- display --------------------------------------------------------------------------

    def _show_board(self, board: DashboardDTO) -> None:
        self.board = board
        now = datetime.now(UTC).astimezone(self.zone)
        self.greeting_label.setText(f"<h2>{html.escape(greeting(now.hour, board.display_name))}</h2>")
        self.date_label.setText(f"{board.today:%A, %d %B}")
        stats = board.stats
        self.due_card.set_value(str(stats.due_today), f"{stats.overdue} overdue" if stats.overdue else "",
                                warn=bool(stats.overdue))
        self.done_card.set_value(str(stats.completed_this_week))
        hours, minutes = divmod(stats.study_minutes_this_week, 60)
        self.minutes_card.set_value(str(stats.study_minutes_this_week), f"{hours} h {minutes:02d} min" if hours else "")
        self.streak_card.set_value(str(stats.streak_days), "keep it going!" if stats.streak_days >= 3 else "")
        self.cards_card.set_value(str(stats.cards_due), "open Flashcards to review" if stats.cards_due else "")
        charts.subject_chart(self.subject_view, board.subject_weeks, self.palette())
        self.heatmap.set_days(board.heatmap)
        self.upcoming_label.setText(self._upcoming_html(board))
        self.recent_label.setText(self._recent_html(board))
        empty = not (board.recent_tasks or board.upcoming_exams or any(day.active for day in board.heatmap))
        self.hint_label.setText("Welcome to Study Teddy! Add a task with Ctrl+N or start a focus session in the "
                                "Planner (Ctrl+3); your charts fill in as you study.")
        self.hint_label.setVisible(empty)

    def _upcoming_html(self, board: DashboardDTO) -> str:
        now = datetime.now(UTC)
        rows = []
        for exam in board.upcoming_exams:
            days = {0: "today", 1: "tomorrow"}.get(exam.days_left, f"in {exam.days_left} days")
            rows.append(f"Exam: <b>{html.escape(exam.title)}</b> ({html.escape(exam.subject)}) — {days}")
        for task in board.upcoming_tasks:
            due = html.escape(format_due(task.due_at, self.zone, now))
            line = f"{html.escape(task.title)} — {due}"
            rows.append(f"<span style='color:#e0533d'><b>⚠ {line}</b></span>" if task.is_overdue(now) else line)
        return "<br>".join(rows) or "Nothing due. Enjoy the calm, or plan ahead in the Planner."

    def _recent_html(self, board: DashboardDTO) -> str:
        rows = [f"{'✓' if task.is_done else '•'} {html.escape(task.title)}"
                + (f" <i>({html.escape(task.subject)})</i>" if task.subject else "")
                for task in board.recent_tasks]
        return "<br>".join(rows) or "Tasks you add or finish show up here."

    def _show_analytics(self, analytics: AnalyticsDTO) -> None:
        self.analytics = analytics
        weeks = analytics.weeks
        palette = self.palette()
        charts.weekly_bar_chart(self.minutes_view, "Study minutes per week", weeks,
                                [float(w.study_minutes) for w in weeks], charts.SERIES_COLOURS[0], palette)
        charts.weekly_bar_chart(self.tasks_view, "Tasks completed per week", weeks,
                                [float(w.tasks_completed) for w in weeks], charts.SERIES_COLOURS[1], palette)
        charts.weekly_bar_chart(self.reviews_view, "Flashcard reviews per week", weeks,
                                [float(w.reviews) for w in weeks], charts.SERIES_COLOURS[3], palette)
        charts.retention_chart(self.retention_view, weeks, palette)
        self.totals_label.setText(f"{analytics.total_study_minutes:,} min studied · "
                                  f"{analytics.total_tasks_completed:,} tasks done · "
                                  f"{analytics.total_reviews:,} reviews")

    def _new_task(self) -> None:
        from studyteddy_desktop.ui.panes.planner_pane import add_task_interactively

        self.new_dialog = add_task_interactively(self.services, self.window())
