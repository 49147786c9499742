"""The layout of a data directory, and the short socket directory when its path is too long."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from studyteddy_desktop.domain.errors import DataDirectoryError
from studyteddy_desktop.runtime.private_files import PRIVATE_DIR_MODE, tighten_tree

# sun_path holds 108 bytes on Linux (104 on macOS); keep room for the longest socket name.
_SOCKET_PATH_LIMIT = 100
_LONGEST_SOCKET_NAME = ".s.PGSQL.5432.lock"


@dataclass(frozen=True)
class DataPaths:
    """Every file and directory the app keeps under one data directory."""

    root: Path

    @classmethod
    def from_string(cls, root: str) -> DataPaths:
        return cls(Path(root))

    @property
    def postgres_home(self) -> Path:
        return self.root / "postgres"

    @property
    def pgdata(self) -> Path:
        return self.postgres_home / "data"

    @property
    def postgres_log(self) -> Path:
        return self.postgres_home / "server.log"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def redis_config(self) -> Path:
        return self.redis_dir / "redis.conf"

    @property
    def redis_log(self) -> Path:
        return self.redis_dir / "redis.log"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def clients_dir(self) -> Path:
        return self.run_dir / "clients"

    @property
    def lifecycle_lock(self) -> Path:
        return self.run_dir / "lifecycle.lock"

    @property
    def worker_lock(self) -> Path:
        return self.run_dir / "worker.lock"

    @property
    def worker_pid(self) -> Path:
        return self.run_dir / "worker.pid"

    @property
    def redis_pid(self) -> Path:
        return self.run_dir / "redis.pid"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def worker_log(self) -> Path:
        return self.logs_dir / "worker.log"

    @property
    def app_log(self) -> Path:
        return self.logs_dir / "app.log"

    @property
    def files_dir(self) -> Path:
        return self.root / "files"

    @property
    def media_dir(self) -> Path:
        """Images that flashcards show, named by content hash."""
        return self.root / "media"

    @property
    def backups_dir(self) -> Path:
        """Snapshots of the database and the files, made daily and before schema upgrades."""
        return self.root / "backups"

    @property
    def models_dir(self) -> Path:
        """Copies of the bundled language model prepared for this machine (made on first use)."""
        return self.root / "models"

    @property
    def socket_dir(self) -> Path:
        """Where the unix sockets live: inside run/ unless that path is too long for a socket."""
        preferred = self.run_dir / "sockets"
        if len(os.fsencode(preferred / _LONGEST_SOCKET_NAME)) <= _SOCKET_PATH_LIMIT:
            return preferred
        digest = hashlib.sha256(os.fsencode(self.root)).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"studyteddy-{os.getuid()}-{digest}"

    @property
    def socket_dir_is_shared(self) -> bool:
        """Whether the sockets live in the temp folder every user can write to."""
        return self.socket_dir != self.run_dir / "sockets"

    @property
    def postgres_socket_dir(self) -> Path:
        return self.socket_dir / "postgres"

    @property
    def redis_socket(self) -> Path:
        return self.socket_dir / "redis.sock"

    def searchable_by_server_user(self) -> list[Path]:
        """The directories that may keep search bits: run as root, the database server runs as its
        own user (see bundled_postgres), who must pass through them to its files and socket."""
        if os.geteuid() != 0:
            return []
        return [self.root, self.run_dir, self.socket_dir]

    def prepare(self) -> None:
        """Create the directories, or explain why the data directory cannot be used."""
        try:
            # On a shared school computer other accounts must not list or read any of it.
            self.root.parent.mkdir(parents=True, exist_ok=True)
            self.root.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
            if self.socket_dir_is_shared:
                _claim_shared_socket_dir(self.socket_dir)
            for directory in (self.run_dir, self.socket_dir, self.clients_dir, self.logs_dir,
                              self.redis_dir, self.files_dir, self.media_dir, self.postgres_home):
                directory.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            # PostgreSQL refuses a data directory open to others and makes its own files 0600.
            tighten_tree(self.root, searchable=self.searchable_by_server_user(), left_inside=[self.pgdata])
            probe = self.run_dir / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as error:
            raise DataDirectoryError(
                f"Study Teddy cannot use the data directory {self.root}: {error.strerror or error}. "
                "Choose another folder with --data-dir or fix its permissions.",
                details=str(error),
            ) from error


def _claim_shared_socket_dir(directory: Path) -> None:
    """Make our socket directory in the shared temp folder, or adopt it only if it is safely ours.

    Anyone can create names in the temp folder, so an existing entry may have been planted to catch
    our sockets. We accept only a real directory (never a symlink, which is not followed) that we own
    and that nobody else can write to. One that is ours but writable by others is refused too, not
    tightened: our code never leaves it so, and a chmod would not evict what others may already have
    put inside. The sticky temp folder then keeps others from swapping it later.
    """
    try:
        directory.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(directory)
    if stat.S_ISLNK(info.st_mode):
        problem = "it is a symbolic link"
    elif not stat.S_ISDIR(info.st_mode):
        problem = "it is not a directory"
    elif info.st_uid != os.geteuid():
        problem = f"it belongs to uid {info.st_uid}, not to you (uid {os.geteuid()})"
    # Others may pass through: a root start lets the database server's own user reach its socket
    # (0710 to that user's group, 0711 when the group is shared; earlier versions left 0755).
    elif info.st_mode & 0o022:
        problem = f"its mode {stat.S_IMODE(info.st_mode):04o} leaves it open to other users"
    else:
        return
    raise DataDirectoryError(
        f"Study Teddy will not use the socket directory {directory}: {problem}. "
        "Someone else may have made it; remove it if it is yours, or choose a shorter --data-dir.",
        details=f"{directory}: mode {stat.S_IMODE(info.st_mode):04o}, owner uid {info.st_uid}")
