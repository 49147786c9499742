"""The `studyteddy` command: launches the app; subcommands for power users."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from studyteddy_desktop import __version__
from studyteddy_desktop.config import DATA_DIR_ENV, Settings
from studyteddy_desktop.domain.errors import StudyTeddyError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studyteddy", description="Study Teddy: your offline AI study companion.")
    parser.add_argument("--data-dir", metavar="DIR",
                        help=f"where your data lives (default: ${DATA_DIR_ENV} or your user data folder)")
    parser.add_argument("--version", action="version", version=f"Study Teddy {__version__}")
    parser.add_argument("--verbose", action="store_true", help="log what the app does")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    doctor = commands.add_parser("doctor", help="check every part of Study Teddy and print its health")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def run_doctor(settings: Settings, as_json: bool) -> int:
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
    from studyteddy_desktop.services.app_services import AppServices

    runtime = ServiceRuntime(settings)
    endpoints = runtime.start()
    services = AppServices(endpoints)
    try:
        report = services.health.report()
    finally:
        services.close()
        runtime.stop()
    if as_json:
        print(json.dumps({"healthy": report.healthy, "components": [
            {"name": c.name, "healthy": c.healthy, "detail": c.detail, "version": c.version}
            for c in report.components]}, indent=2))
    else:
        width = max(len(component.name) for component in report.components)
        for component in report.components:
            mark = " ok " if component.healthy else "FAIL"
            print(f"[{mark}] {component.name.ljust(width)}  {component.detail}")
        failing = [component.name for component in report.components if not component.healthy]
        print("All parts are healthy." if not failing else f"Unhealthy: {', '.join(failing)}.")
    return 0 if report.healthy else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.resolve(args.data_dir)
    try:
        if args.command == "doctor":
            return run_doctor(settings, args.json)
        from studyteddy_desktop.ui.application import run_gui

        return run_gui(settings)
    except StudyTeddyError as error:
        print(f"studyteddy: {error.message}", file=sys.stderr)
        if error.details:
            print(error.details, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
