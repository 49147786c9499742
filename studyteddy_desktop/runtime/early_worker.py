"""Starting the worker before the app loads its database libraries, so the two loads overlap.

The worker claims its lock at once and then waits until the database holds this build's schema
and its queue answers, so starting it early changes nothing about the order the servers come up in.
"""

from __future__ import annotations

from studyteddy_desktop.config import Settings
from studyteddy_desktop.runtime.bundled_postgres import bundled_database_url
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.worker_process import WorkerProcess


def start_worker_early(settings: Settings) -> None:
    """Start the worker for this data directory unless one runs; errors surface later, in start()."""
    paths = DataPaths(settings.data_dir)
    try:
        paths.prepare()
    except Exception:
        return  # ServiceRuntime.start() reports an unusable data directory with a clear message.
    database_url = settings.database_url or bundled_database_url(paths)
    redis_url = settings.redis_url or (None if settings.queue_on_postgres else f"unix://{paths.redis_socket}")
    worker = WorkerProcess(paths, database_url=database_url, redis_url=redis_url,
                           stop_servers_when_orphaned=settings.uses_bundled_postgres or settings.uses_bundled_redis)
    try:
        worker.ensure_running()
    except Exception:
        return  # start() tries again and reports why the worker would not start.
