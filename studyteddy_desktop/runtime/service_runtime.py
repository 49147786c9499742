"""Bringing up, attaching to and shutting down everything the app needs, in order."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from studyteddy_desktop.config import Settings, bundled_redis_available
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.runtime.app_instances import AppInstanceRegistry, exclusive_lock
from studyteddy_desktop.runtime.bundled_postgres import BundledPostgres
from studyteddy_desktop.runtime.bundled_redis import BundledRedis
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.worker_process import WorkerProcess

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float], None]
# Called with the data directory and the database URL before an existing database is migrated.
SchemaUpgradeHook = Callable[[Path, str], object]
_LIFECYCLE_WAIT_S = 120


class ServiceRuntime:
    """Starts (or attaches to) PostgreSQL, Redis and the worker; the last app process out stops them."""

    def __init__(self, settings: Settings, *, with_worker: bool = True,
                 before_schema_upgrade: SchemaUpgradeHook | None = None) -> None:
        self.settings = settings
        self.before_schema_upgrade = before_schema_upgrade
        self.paths = DataPaths(settings.data_dir)
        self.with_worker = with_worker
        self.registry = AppInstanceRegistry(self.paths)
        self.postgres = BundledPostgres(self.paths) if settings.uses_bundled_postgres else None
        self.redis = BundledRedis(self.paths) if settings.uses_bundled_redis else None
        self.worker: WorkerProcess | None = None
        self.endpoints: RuntimeEndpoints | None = None

    def start(self, progress: ProgressCallback | None = None) -> RuntimeEndpoints:
        report = progress or (lambda _step, _fraction: None)
        report("Preparing your data folder", 0.05)
        self.paths.prepare()
        with exclusive_lock(self.paths.lifecycle_lock, timeout=_LIFECYCLE_WAIT_S, purpose="starting up"):
            self.registry.register()
            try:
                return self._start_locked(report)
            except BaseException:
                self.registry.unregister()
                if not self.registry.others_alive():
                    self._stop_services()
                raise

    def _start_locked(self, report: ProgressCallback) -> RuntimeEndpoints:
        database_url = self.postgres.url_text if self.postgres else self.settings.database_url
        # None: the queue and the worker's events run on PostgreSQL (no Redis on this machine).
        redis_url = self.redis.url if self.redis else self.settings.redis_url
        assert database_url is not None
        self.endpoints = RuntimeEndpoints(
            data_dir=str(self.paths.root), database_url=database_url, redis_url=redis_url,
            bundled_postgres=self.postgres is not None, bundled_redis=self.redis is not None)
        if self.with_worker:
            # Spawned first: its imports overlap with the servers starting, and it waits until
            # the schema is at head and Redis answers before it touches them.
            report("Starting the worker", 0.1)
            self.worker = self._worker_process()
            self.worker.ensure_running()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="start-redis") as alongside:
            # Redis starts while PostgreSQL does: neither needs the other, and both mostly wait. Leaving
            # the block waits for it, so a failure below never stops a Redis still starting.
            redis_started = alongside.submit(self.redis.ensure_running) if self.redis else None
            self._start_database(database_url, report)
            if redis_started is not None:
                report("Starting the job queue", 0.8)
                redis_started.result()
        report("Ready", 1.0)
        return self.endpoints

    def _start_database(self, database_url: str, report: ProgressCallback) -> None:
        report("Starting the database", 0.2)
        if self.postgres:
            self.postgres.ensure_running()
        report("Updating the database schema", 0.6)
        # Imported only now, so the servers start while the app loads these on another thread.
        import sqlalchemy as sa

        from studyteddy_desktop.db.schema_version import database_is_at_shipped_head

        engine = sa.create_engine(database_url, poolclass=sa.NullPool)
        try:
            # Alembic and every model take half a second to load; most starts need neither.
            if not database_is_at_shipped_head(engine):
                from studyteddy_desktop.db.migrate import upgrade_to_head

                if self.before_schema_upgrade is not None:
                    report("Backing up your data before the update", 0.5)
                    self.before_schema_upgrade(self.paths.root, database_url)
                upgrade_to_head(engine)
        finally:
            engine.dispose()

    def _worker_process(self) -> WorkerProcess:
        assert self.endpoints is not None
        return WorkerProcess(self.paths, database_url=self.endpoints.database_url,
                             redis_url=self.endpoints.redis_url,
                             stop_servers_when_orphaned=self.postgres is not None or self.redis is not None)

    def stop(self) -> bool:
        """Leave the data directory; True when this was the last app process and servers stopped."""
        with exclusive_lock(self.paths.lifecycle_lock, timeout=_LIFECYCLE_WAIT_S, purpose="shutting down"):
            self.registry.unregister()
            if self.registry.others_alive():
                return False
            self._stop_services()
            return True

    def _stop_services(self) -> None:
        """Stop the worker first (it uses the others), then Redis, then PostgreSQL."""
        if self.worker is None and self.endpoints is not None:
            self.worker = self._worker_process()
        if self.worker is not None:
            self.worker.stop()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


def stop_orphaned_servers(paths: DataPaths) -> None:
    """Called by a worker whose apps all died: stop the bundled servers if still nobody uses them."""
    registry = AppInstanceRegistry(paths)
    with exclusive_lock(paths.lifecycle_lock, timeout=10, purpose="cleaning up"):
        if registry.others_alive():
            return
        if bundled_redis_available():
            # A data folder used in both modes may have a Redis from the other; stopping none is harmless.
            BundledRedis(paths).stop()
        BundledPostgres(paths).stop()
