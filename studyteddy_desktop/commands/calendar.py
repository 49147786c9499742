"""`studyteddy calendar export|import FILE.ics`: exchange tasks and exams with other calendars."""

from __future__ import annotations

import argparse

from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    calendar = commands.add_parser("calendar", help="export tasks and exams to .ics, or import events")
    actions = calendar.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write tasks and exams to an .ics file")
    export.add_argument("file", metavar="FILE.ics")
    export.set_defaults(handler=run_export)
    load = actions.add_parser("import", help="add the events and to-dos of an .ics file")
    load.add_argument("file", metavar="FILE.ics")
    load.set_defaults(handler=run_import)


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        tasks, exams = services.calendar.export_ics(args.file)
    print(f"Wrote {tasks} task(s) and {exams} exam(s) to {args.file}.")
    return 0


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        result = services.calendar.import_ics(args.file)
    print(f"Imported {args.file}: {result.summary()}")
    return 0
