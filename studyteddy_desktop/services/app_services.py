"""Wires the services to running endpoints; the one object the UI and the CLI hold."""

from __future__ import annotations

from pathlib import Path

import redis

from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.services.database import Database
from studyteddy_desktop.services.health_service import HealthService
from studyteddy_desktop.services.job_service import JobService
from studyteddy_desktop.services.profile_service import ProfileService
from studyteddy_desktop.worker.queue import TaskQueue


class AppServices:
    """The service layer for one process: each attribute is a service with a narrow job."""

    def __init__(self, endpoints: RuntimeEndpoints, *, database: Database | None = None) -> None:
        self.endpoints = endpoints
        self.database = database or Database(endpoints.database_url)
        self.redis_client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=5)
        self.queue = TaskQueue(endpoints.redis_url)
        self.profile = ProfileService(self.database)
        self.jobs = JobService(self.database, self.queue)
        self.health = HealthService(self.database, self.redis_client, self.queue, Path(endpoints.data_dir))

    def close(self) -> None:
        self.redis_client.close()
        self.database.dispose()
