"""What the worker tells the app while it works: progress, streamed text, outcomes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
    """What a mutation changed, so each pane refreshes only what it shows."""

    profile: bool = False
    jobs: bool = False
    services: bool = False
