"""Letting the database server's own account (used when we run as root) reach its files, and no one else."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

from studyteddy_desktop.runtime.paths import DataPaths

# Search only, for the server's own group: it passes through, and cannot list what else is there.
_SEARCH_FOR_GROUP = 0o710
# When that group is shared with other accounts, everyone may pass through (still not list).
_SEARCH_FOR_ALL = 0o711


def open_path_to_server_user(paths: DataPaths, account: pwd.struct_passwd) -> None:
    """Give the server's account a way through our directories to its home and socket directory.

    PostgreSQL refuses to run as root, so a root start runs it as a dedicated system user. The
    wheel's own helper opens every parent directory g+rx,o+rx, which let every account list the
    data directory; here our directories go to the server's private group, search only.
    """
    ours = paths.searchable_by_server_user()
    private_group = _is_private_group(account)
    for directory in ours:
        if private_group:
            os.chown(directory, -1, account.pw_gid)
            directory.chmod(_SEARCH_FOR_GROUP)
        else:
            directory.chmod(_SEARCH_FOR_ALL)
    for inside in (paths.root, paths.socket_dir):
        for parent in inside.parents:
            if parent not in ours and not _can_search(parent, account):
                parent.chmod(stat.S_IMODE(parent.stat().st_mode) | stat.S_IXOTH)


def _is_private_group(account: pwd.struct_passwd) -> bool:
    """Whether the account's primary group is its own: no other member, nobody else's primary group."""
    try:
        if grp.getgrgid(account.pw_gid).gr_mem:
            return False
    except KeyError:
        return False
    return all(entry.pw_gid != account.pw_gid or entry.pw_uid == account.pw_uid for entry in pwd.getpwall())


def _can_search(directory: Path, account: pwd.struct_passwd) -> bool:
    info = directory.stat()
    if info.st_uid == account.pw_uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid == account.pw_gid:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)
