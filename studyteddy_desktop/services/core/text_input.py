"""Checks on the short texts a student types anywhere (titles, subjects), with messages written for them."""

from __future__ import annotations

import re

from studyteddy_desktop.domain.errors import InvalidInputError

# The width of every `subject` column: tasks, exams, sessions, documents, decks and threads.
MAX_SUBJECT = 120

# PostgreSQL text cannot hold NUL, and other control characters only break the layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, *, limit: int, what: str, multiline: bool = False) -> str | None:
    """The text without control characters and runs of spaces; None when nothing is left."""
    if value is None:
        return None
    text = _CONTROL.sub("", str(value))
    text = text.strip() if multiline else " ".join(text.split())
    if not text:
        return None
    if len(text) > limit:
        raise InvalidInputError(f"The {what} can have at most {limit:,} characters.")
    return text


def clean_subject(value: str | None) -> str | None:
    """One subject name, on one line; None for an empty one."""
    return clean_text(value, limit=MAX_SUBJECT, what="subject name")
