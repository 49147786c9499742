"""`studyteddy doctor`: check every part of Study Teddy and print its health."""

from __future__ import annotations

import argparse
import json

from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser("doctor", help="check every part of Study Teddy and print its health")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings) as services:
        report = services.health.report()
    if args.json:
        print(json.dumps({"healthy": report.healthy, "components": [
            {"name": c.name, "healthy": c.healthy, "detail": c.detail, "version": c.version,
             "informational": c.informational}
            for c in report.components]}, indent=2))
    else:
        width = max(len(component.name) for component in report.components)
        for component in report.components:
            # An informational row (no display on a server) is healthy, but "ok" would overstate it.
            mark = "FAIL" if not component.healthy else "info" if component.informational else " ok "
            print(f"[{mark}] {component.name.ljust(width)}  {component.detail}")
        failing = [component.name for component in report.components if not component.healthy]
        print("All parts are healthy." if not failing else f"Unhealthy: {', '.join(failing)}.")
    return 0 if report.healthy else 1
