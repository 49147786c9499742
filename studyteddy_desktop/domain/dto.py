"""Frozen values that cross the service boundary; never ORM rows, never Qt types."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ProfileDTO:
    id: uuid.UUID
    display_name: str
    subjects: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class JobDTO:
    id: uuid.UUID
    kind: str
    state: str
    progress: float
    message: str | None
    error: str | None
    attempts: int
    result: dict = field(default_factory=dict)
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ComponentHealth:
    """One checked part of the app: healthy or not, with what was found.

    An informational row is healthy but worth a note (no display on a server): it never fails a report.
    """

    name: str
    healthy: bool
    detail: str
    version: str | None = None
    informational: bool = False


@dataclass(frozen=True)
class HealthReport:
    components: tuple[ComponentHealth, ...]

    @property
    def healthy(self) -> bool:
        return all(component.healthy for component in self.components)

    def component(self, name: str) -> ComponentHealth:
        return next(component for component in self.components if component.name == name)


@dataclass(frozen=True)
class RuntimeEndpoints:
    """Where the running services are; plain strings so any layer can take them."""

    data_dir: str
    database_url: str
    # None when the queue and the worker's events run on PostgreSQL alone (no Redis on this machine).
    redis_url: str | None
    bundled_postgres: bool
    bundled_redis: bool
