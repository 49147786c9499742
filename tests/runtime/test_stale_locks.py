"""Lock and pid files in the data directory: cleared when their process is gone, kept if we cannot tell."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyteddy_desktop.runtime.bundled_postgres import BundledPostgres
from studyteddy_desktop.runtime.paths import DataPaths

_NOBODY = 65534
_HIDE_PIDS = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              'mount -t proc -o hidepid=2 proc /proc && exec "$@"', "sh"]
# Everything the child needs is imported while it is still root: the interpreter's own files may
# not be readable by the unprivileged user it becomes.
_PRELUDE = """
import json, os
from pathlib import Path
import psutil, redis, redis.backoff, redis.retry
from studyteddy_desktop.runtime import bundled_postgres, bundled_redis
from studyteddy_desktop.runtime.paths import DataPaths

def drop_privileges():
    os.setgroups([])
    os.setgid({uid})
    os.setuid({uid})

def report(call):
    try:
        call()
    except Exception as error:
        print(json.dumps({{"error": type(error).__name__, "message": str(error)}}))
    else:
        print(json.dumps({{"error": None, "message": ""}}))
""".format(uid=_NOBODY)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="becoming another user needs root")


def _as_nobody(code: str, *, hide_pids: bool = False) -> dict:
    command = [sys.executable, "-c", _PRELUDE + textwrap.dedent(code)]
    if hide_pids:
        command = [*_HIDE_PIDS, *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/", check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture()
def shared_data() -> Iterator[DataPaths]:
    """A data directory the unprivileged user owns, under a folder it can reach."""
    base = Path(tempfile.mkdtemp(prefix="studyteddy-locks-"))
    base.chmod(0o755)
    paths = DataPaths(base / "data")
    paths.prepare()
    paths.pgdata.mkdir(parents=True)
    paths.postgres_socket_dir.mkdir(parents=True)
    yield paths
    shutil.rmtree(base)


def _give_to_nobody(paths: DataPaths) -> None:
    for directory, subdirs, files in os.walk(paths.root):
        for name in [*subdirs, *files]:
            os.lchown(os.path.join(directory, name), _NOBODY, _NOBODY)
    os.chown(paths.root, _NOBODY, _NOBODY)


def _write_postgres_locks(paths: DataPaths, pid: int) -> list[Path]:
    pid_file = paths.pgdata / "postmaster.pid"
    pid_file.write_text(f"{pid}\n{paths.pgdata}\n0\n5432\n{paths.postgres_socket_dir}\n\n\n")
    socket_lock = paths.postgres_socket_dir / ".s.PGSQL.5432.lock"
    socket_lock.write_text(f"{pid}\n{paths.pgdata}\n")
    return [pid_file, socket_lock]


@pytest.fixture()
def can_hide_pids() -> None:
    probe = subprocess.run([*_HIDE_PIDS, "true"], capture_output=True, timeout=10, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a private /proc with hidepid here: {probe.stderr.decode().strip()}")


@needs_root
def test_redis_keeps_its_pid_file_and_socket_when_their_process_cannot_be_inspected(shared_data):
    # A root process running a program named like ours stands for a Redis another user started
    # here: an unprivileged user sees its name but may not read which file it runs.
    impostor = shared_data.root.parent / "bin" / "redis-server"
    impostor.parent.mkdir()
    shutil.copy(shutil.which("sleep"), impostor)
    holder = subprocess.Popen([str(impostor), "60"])
    try:
        shared_data.redis_pid.write_text(f"{holder.pid}\n")
        shared_data.redis_socket.write_text("")
        _give_to_nobody(shared_data)
        outcome = _as_nobody(f"""
            server = bundled_redis.BundledRedis(DataPaths(Path({str(shared_data.root)!r})))
            def refuse_to_launch(*args, **kwargs):
                raise RuntimeError("this test never launches a server")
            bundled_redis.subprocess.run = refuse_to_launch
            drop_privileges()
            report(server.ensure_running)
            """)
        assert shared_data.redis_pid.exists(), f"the pid file of a live process was removed: {outcome}"
        assert shared_data.redis_socket.exists()
        assert outcome["error"] == "ServiceStartError"
        assert str(holder.pid) in outcome["message"] and "cannot" in outcome["message"]
        assert holder.poll() is None
    finally:
        holder.kill()
        holder.wait()


@needs_root
def test_postgres_keeps_its_interlocks_when_their_process_is_hidden_from_us(shared_data, can_hide_pids):
    # Under hidepid=2 another user's processes vanish from /proc, yet they still run.
    holder = subprocess.Popen(["sleep", "60"])
    try:
        locks = _write_postgres_locks(shared_data, holder.pid)
        _give_to_nobody(shared_data)
        outcome = _as_nobody(f"""
            server = bundled_postgres.BundledPostgres(DataPaths(Path({str(shared_data.root)!r})))
            drop_privileges()
            report(server._clear_stale_files)
            """, hide_pids=True)
        assert [lock.exists() for lock in locks] == [True, True], f"interlocks removed: {outcome}"
        assert outcome["error"] == "ServiceStartError"
        assert str(holder.pid) in outcome["message"]
    finally:
        holder.kill()
        holder.wait()


def test_postgres_clears_interlocks_whose_process_is_gone(tmp_path):
    paths = DataPaths(tmp_path / "data")
    paths.prepare()
    paths.pgdata.mkdir(parents=True)
    paths.postgres_socket_dir.mkdir(parents=True)
    gone = subprocess.Popen(["true"])
    gone.wait()
    locks = _write_postgres_locks(paths, gone.pid)
    BundledPostgres(paths)._clear_stale_files()
    assert [lock.exists() for lock in locks] == [False, False]
