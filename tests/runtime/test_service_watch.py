"""The service watch: a bundled Redis or PostgreSQL killed under the app is started again on the same files."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import psutil
import pytest
import sqlalchemy as sa

from studyteddy_desktop.config import Settings
from studyteddy_desktop.runtime.process_identity import wait_for_exit
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.runtime.service_watch import ServiceKeepsStoppingError, ServiceWatch
from studyteddy_desktop.runtime.worker_watch import WorkerState, WorkerWatch
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.runtime.processes import wait_until_gone


@pytest.fixture()
def runtime(tmp_path) -> Iterator[ServiceRuntime]:
    """Servers of its own, never the session's: these tests kill them."""
    data_dir = tmp_path / "data"
    runtime = ServiceRuntime(Settings(data_dir=data_dir), with_worker=False)
    runtime.start()
    yield runtime
    runtime.stop()
    assert wait_until_gone(data_dir) == []


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    assert wait_for_exit(pid, timeout=10)


def _needs_redis(runtime: ServiceRuntime) -> None:
    if runtime.redis is None:
        pytest.skip("the queue runs on PostgreSQL: this runtime starts no Redis to kill")


def _engine(runtime: ServiceRuntime) -> sa.Engine:
    assert runtime.endpoints is not None
    return sa.create_engine(runtime.endpoints.database_url, poolclass=sa.NullPool)


def test_servers_that_run_are_left_alone(runtime):
    assert runtime.postgres is not None
    # Without Redis (the queue on PostgreSQL) there is one server to watch, and no Redis was started.
    assert (runtime.redis is None) == runtime.settings.queue_on_postgres
    servers = [server for server in (runtime.redis, runtime.postgres) if server is not None]
    pids = [server.running_pid() for server in servers]
    assert None not in pids
    watch = ServiceWatch.of(runtime)
    assert watch.check() == ()
    assert [server.running_pid() for server in servers] == pids
    assert watch.restarts == 0


def test_a_killed_redis_is_started_again_on_the_same_append_only_file(runtime):
    _needs_redis(runtime)
    redis = runtime.redis
    assert redis is not None
    redis.client().set("queued-before-the-kill", "job")
    time.sleep(1.5)  # appendfsync everysec: what a SIGKILL may lose is the last second
    killed = redis.running_pid()
    assert killed is not None
    _kill(killed)
    assert redis.running_pid() is None

    watch = ServiceWatch.of(runtime)
    assert watch.check() == ("Redis",)
    assert redis.running_pid() not in (None, killed)
    assert redis.client().ping()
    assert redis.client().get("queued-before-the-kill") == b"job"
    assert watch.check() == ()


def test_a_killed_postgres_with_a_busy_backend_is_recovered_with_committed_data(runtime):
    postgres = runtime.postgres
    assert postgres is not None
    engine = _engine(runtime)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE before_the_kill (value int)"))
        connection.execute(sa.text("INSERT INTO before_the_kill VALUES (42)"))
    busy_started = threading.Event()

    def run_a_long_query() -> None:
        try:
            with engine.connect() as connection:
                busy_started.set()
                # Busy in the CPU: it notices its postmaster's death only much later, and keeps
                # the old shared memory (and so any new server) locked until it exits.
                connection.execute(sa.text("SELECT count(*) FROM generate_series(1, 100000000000)"))
        except sa.exc.OperationalError:
            pass

    busy = threading.Thread(target=run_a_long_query, daemon=True)
    busy.start()
    assert busy_started.wait(10)
    time.sleep(0.5)
    killed = postgres.running_pid()
    assert killed is not None
    _kill(killed)
    assert postgres.running_pid() is None
    assert (postgres.paths.pgdata / "postmaster.pid").exists()

    watch = ServiceWatch.of(runtime)
    assert watch.check() == ("PostgreSQL",)
    assert postgres.running_pid() not in (None, killed)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT value FROM before_the_kill")) == 42
    assert "redo done" in postgres.paths.postgres_log.read_text(encoding="utf-8", errors="replace")
    busy.join(10)
    assert not busy.is_alive()
    engine.dispose()


def test_a_postgres_that_will_not_start_is_reported_after_the_limit_not_retried_for_ever(runtime):
    postgres = runtime.postgres
    assert postgres is not None
    _kill(postgres.running_pid())
    # Database files this server cannot use: every start fails the same way.
    version_file = postgres.paths.pgdata / "PG_VERSION"
    real_version = version_file.read_text()
    version_file.write_text("99\n")
    try:
        watch = ServiceWatch.of(runtime, max_restarts=2)
        assert watch.check() == ()
        assert watch.check() == ()
        for _ in range(2):
            with pytest.raises(ServiceKeepsStoppingError) as gave_up:
                watch.check()
        log_text = postgres.paths.postgres_log.read_text(encoding="utf-8", errors="replace")
        assert log_text.count("incompatible with server") == 2
        assert gave_up.value.service == "PostgreSQL"
        assert str(postgres.paths.postgres_log) in gave_up.value.message
        assert "would not start" in gave_up.value.message
        assert postgres.running_pid() is None
    finally:
        version_file.write_text(real_version)


def test_progress_gives_a_server_that_died_again_its_tries_back(runtime):
    # Redis where the queue runs on it; without Redis, the one server there is.
    if runtime.redis is not None:
        server, name, log_file = runtime.redis, "Redis", runtime.paths.redis_log
    else:
        server, name, log_file = runtime.postgres, "PostgreSQL", runtime.paths.postgres_log
    assert server is not None
    watch = ServiceWatch.of(runtime, max_restarts=1)
    _kill(server.running_pid())
    assert watch.check() == (name,)
    _kill(server.running_pid())
    with pytest.raises(ServiceKeepsStoppingError, match=f"{name} stopped 2 times in a row") as gave_up:
        watch.check()
    assert str(log_file) in gave_up.value.message
    watch.progressed()
    assert watch.check() == (name,)
    assert server.running_pid() is not None
    if runtime.redis is not None:
        assert runtime.redis.client().ping()
    else:
        engine = _engine(runtime)
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT 1")) == 1
        engine.dispose()


def test_external_servers_are_not_watched(runtime):
    assert runtime.endpoints is not None
    external = ServiceRuntime(Settings(data_dir=runtime.paths.root, database_url=runtime.endpoints.database_url,
                                       redis_url=runtime.endpoints.redis_url), with_worker=False)
    assert external.redis is None and external.postgres is None
    # Redis where the queue runs on it; without Redis, the one server there is.
    server = runtime.redis or runtime.postgres
    assert server is not None
    _kill(server.running_pid())
    assert ServiceWatch.of(external).check() == ()
    assert server.running_pid() is None
    # The runtime's own watch does bring it back (PostgreSQL after a crash needs its orphaned backends ended).
    assert ServiceWatch.of(runtime).check() == ("Redis" if runtime.redis else "PostgreSQL",)


def test_the_worker_watch_starts_the_servers_before_the_worker(tmp_path):
    runtime = ServiceRuntime(Settings(data_dir=tmp_path / "data"))
    runtime.start()
    try:
        assert runtime.worker is not None and runtime.postgres is not None
        # Without Redis (the queue on PostgreSQL) the database is the one server the worker waits for.
        if runtime.redis is not None:
            _kill(runtime.redis.running_pid())
        _kill(runtime.postgres.running_pid())
        _kill(runtime.worker.running_pid())
        watch = WorkerWatch(runtime.worker, services=ServiceWatch.of(runtime))
        report = watch.check_all()
        assert report.services_restarted == (("PostgreSQL", "Redis") if runtime.redis else ("PostgreSQL",))
        assert report.worker is WorkerState.RESTARTED
        if runtime.redis is not None:
            assert runtime.redis.client().ping()
        queue = HueyJobQueue.for_endpoints(runtime.endpoints)
        try:
            assert queue.ping(timeout=120) == runtime.worker.running_pid()
        finally:
            queue.close()
        worker_pid = runtime.worker.running_pid()
        assert worker_pid is not None and psutil.Process(worker_pid).is_running()
    finally:
        runtime.stop()
    assert wait_until_gone(tmp_path / "data") == []
