"""The `studyteddy` command: launches the app; subcommands for power users."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from studyteddy_desktop import __version__
from studyteddy_desktop.config import DATA_DIR_ENV, Settings
from studyteddy_desktop.domain.errors import StudyTeddyError

# Each module has register(subparsers), which sets `handler(settings, args) -> exit code`.
COMMAND_MODULES = (
    "studyteddy_desktop.commands.doctor",
    "studyteddy_desktop.commands.tasks",
    "studyteddy_desktop.commands.calendar",
    "studyteddy_desktop.commands.stats",
    "studyteddy_desktop.commands.documents",
    "studyteddy_desktop.commands.cards",
    "studyteddy_desktop.commands.tutor",
    "studyteddy_desktop.commands.backups",
    "studyteddy_desktop.commands.sync",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studyteddy", description="Study Teddy: your offline AI study companion.")
    parser.add_argument("--data-dir", metavar="DIR",
                        help=f"where your data lives (default: ${DATA_DIR_ENV} or your user data folder)")
    parser.add_argument("--version", action="version", version=f"Study Teddy {__version__}")
    parser.add_argument("--verbose", action="store_true", help="log what the app does")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.resolve(args.data_dir)
    try:
        handler = getattr(args, "handler", None)
        if handler is not None:
            return handler(settings, args)
        from studyteddy_desktop.assembly import open_services
        from studyteddy_desktop.ui.application import run_gui

        return run_gui(settings, open_services)
    except StudyTeddyError as error:
        print(f"studyteddy: {error.message}", file=sys.stderr)
        if error.details:
            print(error.details, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
