"""A worker process on the session's servers, as the tests start it."""

from __future__ import annotations

from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.worker_process import WorkerProcess


def session_worker(endpoints: RuntimeEndpoints) -> WorkerProcess:
    """Not yet started; the servers belong to the test session, so an orphaned worker leaves them be."""
    return WorkerProcess(DataPaths.from_string(endpoints.data_dir), database_url=endpoints.database_url,
                         redis_url=endpoints.redis_url, stop_servers_when_orphaned=False)
