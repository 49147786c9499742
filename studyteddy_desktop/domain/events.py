"""What the worker tells the app while it works, and what a write or a finished job changed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class WorkerEvent:
    """One event from the worker; `kind` names it, `job_id` ties it to a background job row."""

    kind: str
    job_id: str | None = None
    progress: float | None = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: str | bytes) -> WorkerEvent:
        values = json.loads(raw)
        return cls(kind=str(values["kind"]), job_id=values.get("job_id"),
                   progress=values.get("progress"), message=values.get("message", ""),
                   data=values.get("data") or {})


@dataclass(frozen=True)
class Changes:
    """What a write (or the worker) changed, as flat flags, so each pane refreshes only what it shows.

    `initiator` is who asked for the change: a widget, or the WorkerEvent that reported it. It lets a
    screen tell its own changes from others' and takes no part in comparing two values.
    """

    tasks: bool = False
    exams: bool = False
    sessions: bool = False
    focus: bool = False
    decks: bool = False
    cards: bool = False
    reviews: bool = False
    documents: bool = False
    threads: bool = False
    preferences: bool = False
    profile: bool = False
    jobs: bool = False
    initiator: object = field(default=None, compare=False, repr=False)

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(name for name in _FLAGS if getattr(self, name))

    def __bool__(self) -> bool:
        return bool(self.flags)

    def __or__(self, other: Changes) -> Changes:
        # Gathered changes from several initiators belong to none of them.
        initiator = self.initiator if self.initiator is other.initiator else None
        return Changes(**{name: True for name in self.flags | other.flags}, initiator=initiator)

    def overlaps(self, other: Changes) -> bool:
        return bool(self.flags & other.flags)

    def by(self, initiator: object) -> Changes:
        return replace(self, initiator=initiator)

    @property
    def from_worker(self) -> bool:
        return isinstance(self.initiator, WorkerEvent)


_FLAGS = tuple(item.name for item in fields(Changes) if item.name != "initiator")
