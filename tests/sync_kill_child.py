"""A desktop profile's sync in a process of its own, printing its progress, for tests that SIGKILL it mid-way."""

from __future__ import annotations

import argparse
import sys

from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.worker.queue import HueyJobQueue


def main() -> int:
    parser = argparse.ArgumentParser()
    for option in ("--database-url", "--data-dir", "--server", "--login", "--password"):
        parser.add_argument(option, required=True)
    # Missing or empty: the queue runs on PostgreSQL, in the profile's own database.
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()
    endpoints = RuntimeEndpoints(data_dir=args.data_dir, database_url=args.database_url,
                                 redis_url=args.redis_url or None, bundled_postgres=False, bundled_redis=False)
    services = AppServices(endpoints, HueyJobQueue.for_endpoints(endpoints), database=Database(args.database_url))
    services.sync.sign_in(args.server, args.login, args.password, "killed laptop")
    print("signed-in", flush=True)

    def progress(step) -> None:
        print(f"{step.phase} {step.done} {step.total}", flush=True)

    result = services.sync.sync(progress)
    print(f"done {result.pushed} {result.pulled}", flush=True)
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
