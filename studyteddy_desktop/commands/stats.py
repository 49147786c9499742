"""`studyteddy stats`: the Dashboard's figures in the terminal."""

from __future__ import annotations

import argparse
import json

from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    stats = commands.add_parser("stats", help="print study statistics")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        services.dashboard.refresh_analytics_if_stale()
        board = services.dashboard.dashboard()
        analytics = services.dashboard.analytics(weeks=4)
    stats = board.stats
    retention = [week.true_retention for week in analytics.weeks if week.true_retention is not None]
    figures = {
        "due_today": stats.due_today, "overdue": stats.overdue,
        "completed_this_week": stats.completed_this_week,
        "study_minutes_this_week": stats.study_minutes_this_week, "streak_days": stats.streak_days,
        "cards_due": stats.cards_due,
        "last_4_weeks": {"study_minutes": analytics.total_study_minutes,
                         "tasks_completed": analytics.total_tasks_completed,
                         "reviews": analytics.total_reviews},
        "upcoming_exams": [{"title": e.title, "subject": e.subject, "days_left": e.days_left}
                           for e in board.upcoming_exams],
    }
    if retention:
        figures["last_4_weeks"]["true_retention"] = round(sum(retention) / len(retention), 3)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"Due today: {stats.due_today}   Overdue: {stats.overdue}   Cards due: {stats.cards_due}")
    print(f"This week: {stats.completed_this_week} task(s) done, {stats.study_minutes_this_week} min studied")
    print(f"Streak: {stats.streak_days} day(s)")
    print(f"Last 4 weeks: {analytics.total_study_minutes} min, {analytics.total_tasks_completed} task(s), "
          f"{analytics.total_reviews} review(s)")
    for exam in board.upcoming_exams:
        print(f"Exam: {exam.title} ({exam.subject}) in {exam.days_left} day(s)")
    return 0
