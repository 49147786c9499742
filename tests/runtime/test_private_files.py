"""A data directory other accounts cannot list or read, and server URLs kept off the command line."""

from __future__ import annotations

import grp
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.runtime.bundled_postgres import SYSTEM_USER_WHEN_ROOT
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.runtime.probe_account import attempts_as, open_parent, probe_account
from tests.runtime.processes import wait_until_gone
from tests.worker_support import session_worker


@pytest.fixture()
def parent_anyone_can_list() -> Iterator[Path]:
    parent = open_parent()
    yield parent
    shutil.rmtree(parent, ignore_errors=True)


def _tree(root: Path) -> list[Path]:
    found = [root]
    for directory, subdirectories, files in os.walk(root):
        found += [Path(directory) / name for name in (*subdirectories, *files)]
    return found


def _leave_an_earlier_versions_layout(data_dir: Path) -> None:
    """What a start before this change left behind: everything 0755/0644."""
    for directory in (data_dir, data_dir / "logs", data_dir / "files" / "ab"):
        directory.mkdir(mode=0o755, parents=True, exist_ok=True)
        directory.chmod(0o755)
    for old_file in (data_dir / "logs" / "app.log", data_dir / "files" / "ab" / "ab12.pdf"):
        old_file.write_bytes(b"from an earlier version")
        old_file.chmod(0o644)


def test_other_accounts_can_neither_list_nor_read_anything_in_the_data_directory(parent_anyone_can_list):
    account = probe_account()
    data_dir = parent_anyone_can_list / "Study Teddy"
    _leave_an_earlier_versions_layout(data_dir)
    runtime = ServiceRuntime(Settings(data_dir=data_dir), with_worker=True)
    endpoints = runtime.start()
    try:
        HueyJobQueue.for_endpoints(endpoints).ping(timeout=120)
        document = parent_anyone_can_list / "notes.txt"
        document.write_text("Photosynthesis makes sugar from light.", encoding="utf-8")
        ContentStore(DataPaths(data_dir).files_dir).add(document)
        document.unlink()
        everything = _tree(data_dir)
        assert any(path.name == "worker.log" for path in everything)
        # The files checked below include Redis's own where it runs; without Redis (the queue on
        # PostgreSQL) none of them may appear.
        redis_files = {"appendonly.aof", "redis.conf"} & {path.name for path in everything}
        assert redis_files == (set() if endpoints.redis_url is None else {"appendonly.aof", "redis.conf"})

        outcomes = attempts_as(account, [parent_anyone_can_list, *everything])
        # The control: the probe reaches the parent, so only our own modes stop it below.
        assert outcomes.pop(parent_anyone_can_list) == "allowed"
        allowed = sorted(str(path) for path, outcome in outcomes.items() if outcome != "EACCES")
        assert allowed == []
        assert _modes_open_to_others(data_dir, everything) == []
    finally:
        runtime.stop()
    assert wait_until_gone(data_dir) == []


def _modes_open_to_others(data_dir: Path, everything: list[Path]) -> list[str]:
    """Every entry with group or other bits, but for the search-only path of the server's account."""
    paths = DataPaths(data_dir)
    server_path = set(paths.searchable_by_server_user())
    server_group = grp.getgrnam(SYSTEM_USER_WHEN_ROOT).gr_gid if server_path else None
    open_ones = []
    for path in everything:
        info = os.lstat(path)
        mode = stat.S_IMODE(info.st_mode)
        if path in server_path and mode == 0o710 and info.st_gid == server_group:
            continue
        if mode & 0o077:
            open_ones.append(f"{mode:o} {path}")
    return open_ones


def test_a_password_in_the_database_url_stays_off_the_workers_command_line(endpoints: RuntimeEndpoints):
    # Trust authentication on the private socket ignores it, as it would not on an external server.
    password = "hunter2-on-the-command-line"
    with_password = endpoints.database_url.replace("postgres@", f"postgres:{password}@", 1)
    assert password in with_password
    worker = session_worker(RuntimeEndpoints(
        data_dir=endpoints.data_dir, database_url=with_password, redis_url=endpoints.redis_url,
        bundled_postgres=endpoints.bundled_postgres, bundled_redis=endpoints.bundled_redis))
    worker.ensure_running()
    try:
        pid = worker.running_pid()
        assert pid is not None
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert password.encode() not in command_line
        if endpoints.redis_url is not None:
            assert endpoints.redis_url.encode() not in command_line
        assert HueyJobQueue.for_endpoints(endpoints).ping(timeout=120) == pid
    finally:
        worker.stop()
