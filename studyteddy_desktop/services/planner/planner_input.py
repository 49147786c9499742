"""Checks on what a student types into the planner, with messages written for them."""

from __future__ import annotations

from datetime import UTC, datetime

from studyteddy_desktop.domain.enums import TaskPriority
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.services.core.text_input import clean_text

MAX_TITLE = 500
MAX_DESCRIPTION = 20_000
MAX_NOTES = 5_000
# 100 hours: anything bigger is a project to split, or a typo (minutes for seconds).
MAX_ESTIMATE_MINUTES = 6_000
MAX_ACTUAL_MINUTES = 100_000
EARLIEST_DATE = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(2200, 1, 1, tzinfo=UTC)

def clean_title(value: str | None) -> str:
    title = clean_text(value, limit=MAX_TITLE, what="title")
    if title is None:
        raise InvalidInputError("A task needs a title.")
    return title


def clean_estimate(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError("The estimate must be a whole number of minutes.")
    if value < 0:
        raise InvalidInputError("The estimate cannot be negative.")
    if value == 0:
        return None
    if value > MAX_ESTIMATE_MINUTES:
        raise InvalidInputError(
            f"An estimate over {MAX_ESTIMATE_MINUTES // 60} hours is too big for one task: split it up.")
    return value


def clean_actual(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError("The time spent must be zero or more minutes.")
    if value > MAX_ACTUAL_MINUTES:
        raise InvalidInputError("That is more time than a task can plausibly take.")
    return value


def clean_moment(value: datetime | None, *, what: str = "due date") -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware")  # a bug in the caller, not user input
    if not EARLIEST_DATE <= value < LATEST_DATE:
        raise InvalidInputError(f"The {what} must be between 1970 and 2199.")
    return value.astimezone(UTC)


def clean_priority(value: TaskPriority | str) -> TaskPriority:
    try:
        return TaskPriority(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(priority.value for priority in TaskPriority)
        raise InvalidInputError(f"Unknown priority {value!r}: choose one of {choices}.") from None


def clean_focus_score(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInputError("A focus score is a whole number from 1 to 5.")
    return value
