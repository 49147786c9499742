"""Planner: tasks, exams, focus sessions, reminders and the calendar file."""
