"""Files and folders of a data directory that only their owner may list or read."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# For the child processes we start (Redis, the worker): whatever they create is private too.
PRIVATE_UMASK = 0o077
_GROUP_AND_OTHER = 0o077
_SEARCH_BITS = stat.S_IXGRP | stat.S_IXOTH


def open_private(path: Path) -> BinaryIO:
    """Open a log or lock file as `path.open("a+b")` does, but created 0600 when new."""
    descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    return os.fdopen(descriptor, "a+b")


def write_private_text(path: Path, text: str) -> None:
    """Write a whole text file that nobody else may read, an existing one included."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(text)


def tighten_tree(root: Path, *, searchable: Collection[Path] = (), left_inside: Collection[Path] = ()) -> int:
    """Take group and other bits off every directory and file under root; how many changed.

    Earlier versions left the tree 0755/0644. Directories in `searchable` keep only their search
    bits: when running as root the database server's own user passes through them to its files.
    The insides of `left_inside` are not walked (their server keeps them private; this walk runs
    on every start). Symbolic links are never followed, sockets are left to their servers, and an
    entry we cannot change (another user's) is skipped: this must not stop the app from starting.
    """
    keep_search = {os.path.normpath(path) for path in searchable}
    not_walked = {os.path.normpath(path) for path in left_inside}
    changed = _tighten(os.path.normpath(root), keep_search)
    return changed + _tighten_below(os.path.normpath(root), keep_search, not_walked)


def _tighten(path: str, keep_search: set[str], info: os.stat_result | None = None) -> int:
    try:
        info = info or os.lstat(path)
        mode = stat.S_IMODE(info.st_mode)
        if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)) or not mode & _GROUP_AND_OTHER:
            return 0
        allowed = _SEARCH_BITS if path in keep_search else 0
        wanted = mode & ~(_GROUP_AND_OTHER & ~allowed)
        if wanted == mode:
            return 0
        os.chmod(path, wanted)  # lstat said a directory or a file: no link
        return 1
    except OSError as error:
        log.debug("Could not make %s private: %s", path, error)
        return 0


def _tighten_below(directory: str, keep_search: set[str], not_walked: set[str]) -> int:
    changed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError as error:
        log.debug("Could not list %s to make it private: %s", directory, error)
        return 0
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        changed += _tighten(entry.path, keep_search, info)
        if stat.S_ISDIR(info.st_mode) and entry.path not in not_walked:
            changed += _tighten_below(entry.path, keep_search, not_walked)
    return changed
