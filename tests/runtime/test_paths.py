"""The short socket directory in the shared temp folder: made private, and never one planted there."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.errors import DataDirectoryError
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime

_NOBODY = 65534


@pytest.fixture()
def long_paths(tmp_path: Path) -> Iterator[DataPaths]:
    """Data paths too long for a socket, so their sockets fall back to the temp folder."""
    paths = DataPaths(tmp_path / ("a very long folder name for sockets " * 3) / "Study Teddy")
    assert not paths.socket_dir.is_relative_to(paths.root)
    yield paths
    fallback = paths.socket_dir
    if fallback.is_symlink() or fallback.is_file():
        fallback.unlink()
    elif fallback.exists():
        shutil.rmtree(fallback)


def test_a_new_fallback_directory_is_private_to_us(long_paths):
    long_paths.prepare()
    info = os.lstat(long_paths.socket_dir)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
    assert stat.S_IMODE(info.st_mode) == 0o700


@pytest.mark.parametrize("mode", [0o700, 0o710, 0o711, 0o755])
def test_our_own_fallback_directory_that_others_cannot_write_is_reused(long_paths, mode):
    # A root start leaves 0710 or 0711 (earlier versions 0755), so the database server's user can reach it.
    long_paths.socket_dir.mkdir(mode=0o700)
    long_paths.socket_dir.chmod(mode)
    long_paths.prepare()
    assert stat.S_IMODE(os.lstat(long_paths.socket_dir).st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_fallback_directory_owned_by_another_user_is_refused(long_paths):
    long_paths.socket_dir.mkdir(mode=0o700)
    os.chown(long_paths.socket_dir, _NOBODY, _NOBODY)
    with pytest.raises(DataDirectoryError, match=f"belongs to uid {_NOBODY}"):
        long_paths.prepare()


def test_a_fallback_directory_open_to_others_is_refused(long_paths):
    long_paths.socket_dir.mkdir()
    long_paths.socket_dir.chmod(0o777)
    with pytest.raises(DataDirectoryError, match="open to other users"):
        long_paths.prepare()
    assert stat.S_IMODE(os.lstat(long_paths.socket_dir).st_mode) == 0o777


def test_a_symlink_planted_as_the_fallback_directory_is_refused_and_not_followed(long_paths, tmp_path):
    target = tmp_path / "planted"
    target.mkdir(mode=0o700)
    long_paths.socket_dir.symlink_to(target)
    with pytest.raises(DataDirectoryError, match="symbolic link"):
        long_paths.prepare()
    assert list(target.iterdir()) == []


def test_a_dangling_symlink_is_refused_too(long_paths, tmp_path):
    long_paths.socket_dir.symlink_to(tmp_path / "nowhere")
    with pytest.raises(DataDirectoryError, match="symbolic link"):
        long_paths.prepare()
    assert not (tmp_path / "nowhere").exists()


def test_the_servers_start_twice_through_a_fallback_socket_directory(long_paths):
    # A second start re-checks the directory a root start opened for the database server's user.
    for _ in range(2):
        runtime = ServiceRuntime(Settings(data_dir=long_paths.root), with_worker=False)
        runtime.start()
        try:
            assert (long_paths.postgres_socket_dir / ".s.PGSQL.5432").is_socket()
            # No Redis socket where the queue runs on PostgreSQL alone.
            assert long_paths.redis_socket.is_socket() == (runtime.redis is not None)
            assert not os.lstat(long_paths.socket_dir).st_mode & 0o022
        finally:
            runtime.stop()
