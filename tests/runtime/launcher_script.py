"""A stand-in app process for runtime tests: starts the runtime on a data directory and waits.

Usage: python launcher_script.py DATA_DIR [--profile NAME] [--stop-after SECONDS]
Prints "READY <json endpoints>" once the services are up, then waits for stdin to close
(or for the given seconds) and stops the runtime.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from studyteddy_desktop.config import Settings
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.assembly import open_services


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--profile")
    parser.add_argument("--no-worker", action="store_true")
    args = parser.parse_args()
    runtime = ServiceRuntime(Settings(data_dir=args.data_dir), with_worker=not args.no_worker)
    endpoints = runtime.start()
    services = open_services(endpoints)
    if args.profile:
        services.profile.update_profile(display_name=args.profile)
    print("READY " + json.dumps(dataclasses.asdict(endpoints)), flush=True)
    sys.stdin.read()
    services.close()
    stopped = runtime.stop()
    print(f"STOPPED {'servers' if stopped else 'detached'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
