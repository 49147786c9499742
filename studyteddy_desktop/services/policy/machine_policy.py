"""The school's machine-wide policy as one frozen value, parsed by hand from its JSON form with safe defaults."""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.services.sync.server_client import normal_server_url

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FEATURE_KEYS = ("tutor_enabled", "ai_cards_enabled", "model_adding_enabled", "document_import_enabled")
# Every key the loader knows; the schema in packaging/ must list exactly these.
KNOWN_KEYS = ("sync_server_url", "require_sign_in", *FEATURE_KEYS, "language_model_file", "max_document_mb",
              "exam_mode")
_WINDOW_KEYS = ("days", "from", "to")
_FEATURE_WORDS = {"tutor_enabled": "The tutor is turned off.",
                  "ai_cards_enabled": "Making flashcards with AI is turned off.",
                  "model_adding_enabled": "Adding tutor models is turned off.",
                  "document_import_enabled": "Importing documents is turned off."}


@dataclass(frozen=True)
class ExamWindow:
    """Hours, local time, on given weekdays (0 = Monday); `end` before `start` runs past midnight."""

    days: tuple[int, ...]
    start: time
    end: time

    def covers(self, moment: datetime) -> datetime | None:
        """When this window, if it covers `moment`, ends; None when it does not cover it."""
        for days_back in (0, 1):
            opened = datetime.combine(moment.date() - timedelta(days=days_back), self.start, moment.tzinfo)
            if opened.weekday() not in self.days:
                continue
            closes = datetime.combine(opened.date(), self.end, moment.tzinfo)
            if closes <= opened:
                closes += timedelta(days=1)
            if opened <= moment < closes:
                return closes
        return None

    def describe(self) -> str:
        days = ", ".join(_DAY_NAMES[day] for day in self.days) if len(self.days) < 7 else "every day"
        return f"{days}, {self.start:%H:%M} to {self.end:%H:%M}"


@dataclass(frozen=True)
class MachinePolicy:
    """What the school fixed; the defaults are the app's normal behaviour (nothing fixed).

    `source` says where the policy was read from (None: no policy on this computer) and `problems`
    what in it could not be used, in words for the student and the school's administrator.
    """

    sync_server_url: str | None = None
    require_sign_in: bool = False
    tutor_enabled: bool = True
    ai_cards_enabled: bool = True
    model_adding_enabled: bool = True
    document_import_enabled: bool = True
    language_model_file: str | None = None
    max_document_mb: float | None = None
    exam_windows: tuple[ExamWindow, ...] = ()
    source: str | None = None
    problems: tuple[str, ...] = field(default=())
    # The whole file was unusable (unreadable, not JSON, not an object): nothing of it applies.
    unusable: bool = False

    @property
    def in_effect(self) -> bool:
        return self.source is not None

    def exam_ends_at(self, moment: datetime) -> datetime | None:
        """The end of the exam time covering `moment` (following back-to-back windows), or None."""
        ends = None
        for _ in range(16):  # back-to-back windows chain; a loop of windows covering a week stops here
            found = [end for window in self.exam_windows if (end := window.covers(ends or moment)) is not None]
            if not found:
                break
            ends = max(found)
        return ends

    def tutor_refusal(self, moment: datetime) -> str | None:
        """Why the tutor may not be asked at `moment`, or None when it may."""
        if not self.tutor_enabled:
            return "Your school has turned the tutor off on this computer."
        ends = self.exam_ends_at(moment)
        if ends is None:
            return None
        when = f"{ends:%H:%M}" if ends.date() == moment.date() else f"{_DAY_NAMES[ends.weekday()]} at {ends:%H:%M}"
        return f"The tutor is off during exam time set by your school. You can ask again from {when}."

    def problem_summary(self) -> str | None:
        """The problems in one message for Settings, or None when the policy was read whole."""
        if not self.problems:
            return None
        found = "; ".join(problem.rstrip(".") for problem in self.problems)
        if self.unusable:
            return (f"Your school's policy file ({self.source}) could not be used: {found}. Study Teddy works "
                    "as usual until your school fixes it.")
        return f"Your school's policy file ({self.source}) could not be read fully: {found}. The rest of it applies."

    def fixed_items(self) -> list[str]:
        """Every item the policy fixes, in plain words, in the order Settings lists them."""
        items = []
        if self.sync_server_url:
            items.append(f"The sync server is {self.sync_server_url}.")
        if self.require_sign_in:
            items.append("You need to sign in to your school's sync server.")
        items.extend(_FEATURE_WORDS[key] for key in FEATURE_KEYS if not getattr(self, key))
        if self.language_model_file:
            items.append(f"The tutor uses the model {self.language_model_file}.")
        if self.max_document_mb is not None:
            items.append(f"Documents can be at most {_megabytes(self.max_document_mb)}.")
        if self.exam_windows:
            items.append("The tutor is off in exam time: "
                         + "; ".join(window.describe() for window in self.exam_windows) + ".")
        return items


def _megabytes(value: float) -> str:
    return f"{value:g} MB"


def policy_from_values(values: Any, *, source: str, problems: tuple[str, ...] = ()) -> MachinePolicy:
    """A policy from the parsed file, key by key: a malformed key is left out and named in `problems`.

    Feature switches and `require_sign_in` fail closed (a school writes them to restrict, so a bad value
    restricts); the other keys fall back to the app's normal behaviour.
    """
    found = list(problems)
    if not isinstance(values, dict):
        found.append("it does not hold a set of settings (a JSON object), so none of it applies")
        return _logged(MachinePolicy(source=source, problems=tuple(found), unusable=True))
    fields: dict[str, Any] = {}
    for key, value in values.items():
        if key not in KNOWN_KEYS:
            found.append(f"“{str(key)[:60]}” is not a policy setting Study Teddy knows, so it is ignored")
            continue
        try:
            fields.update(_PARSERS[key](value))
        except _Malformed as error:
            closed = _FAIL_CLOSED.get(key) if error.keep is None else None
            found.append(f"{key}: {error.message}" + (", so to be safe it counts as "
                                                      f"{str(closed[key]).lower()}" if closed else ""))
            fields.update(error.keep or closed or {})
    return _logged(MachinePolicy(**fields, source=source, problems=tuple(found)))


def _logged(policy: MachinePolicy) -> MachinePolicy:
    for problem in policy.problems:
        log.warning("School policy from %s: %s", policy.source, problem)
    return policy


def with_problem(policy: MachinePolicy, problem: str) -> MachinePolicy:
    return _logged(dataclasses.replace(policy, problems=(*policy.problems, problem)))


class _Malformed(ValueError):
    """A key's value that cannot be used; `keep` is what of it still applies."""

    def __init__(self, message: str, keep: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.keep = keep


def _bool(key: str):
    def parse(value: Any) -> dict[str, Any]:
        if not isinstance(value, bool):
            raise _Malformed(f"should be true or false, not {_shown(value)}")
        return {key: value}
    return parse


def _url(value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        raise _Malformed(f"should be a server address in quotes, not {_shown(value)}")
    try:
        return {"sync_server_url": normal_server_url(value)}
    except InvalidInputError as error:
        raise _Malformed(error.message) from None


def _model_file(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value.strip() or "\x00" in value or len(value) > 1000:
        raise _Malformed(f"should be a model file name or path in quotes, not {_shown(value)}")
    return {"language_model_file": value.strip()}


def _size_cap(value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise _Malformed(f"should be a number of megabytes above 0, not {_shown(value)}")
    return {"max_document_mb": float(value)}


def _exam_mode(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(f"should be an object with a list of “windows”, not {_shown(value)}")
    extra = [str(key)[:40] for key in value if key != "windows"]
    windows = value.get("windows")
    if extra or not isinstance(windows, list):
        raise _Malformed("should hold only “windows”, a list like "
                         "[{\"days\": [\"mon\"], \"from\": \"08:00\", \"to\": \"12:00\"}]")
    parsed, bad = [], []
    for number, window in enumerate(windows, start=1):
        try:
            parsed.append(_window(window))
        except _Malformed as error:
            bad.append(f"window {number} {error}")
    if bad:
        # The good windows still apply; the message names the ones left out.
        raise _Malformed("; ".join(bad) + " (left out)", {"exam_windows": tuple(parsed)})
    return {"exam_windows": tuple(parsed)}


def _window(value: Any) -> ExamWindow:
    if not isinstance(value, dict) or set(value) - set(_WINDOW_KEYS) or not {"from", "to"} <= set(value):
        raise _Malformed("should look like {\"days\": [\"mon\", \"tue\"], \"from\": \"08:00\", \"to\": \"12:00\"}")
    days = value.get("days", list(DAYS))
    if not isinstance(days, list) or not days or any(day not in DAYS for day in days):
        raise _Malformed("has days that are not a list of mon, tue, wed, thu, fri, sat, sun")
    start, end = _clock(value["from"]), _clock(value["to"])
    if start == end:
        raise _Malformed("starts and ends at the same time")
    return ExamWindow(tuple(sorted({DAYS.index(day) for day in days})), start, end)


def _clock(value: Any) -> time:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":" and value.replace(":", "", 1).isdigit():
        hours, minutes = int(value[:2]), int(value[3:])
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise _Malformed(f"has a time {_shown(value)} that is not HH:MM from 00:00 to 23:59")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


_PARSERS = {"sync_server_url": _url, "require_sign_in": _bool("require_sign_in"),
            **{key: _bool(key) for key in FEATURE_KEYS}, "language_model_file": _model_file,
            "max_document_mb": _size_cap, "exam_mode": _exam_mode}
_FAIL_CLOSED: dict[str, dict[str, Any]] = {"require_sign_in": {"require_sign_in": True},
                                           **{key: {key: False} for key in FEATURE_KEYS}}
