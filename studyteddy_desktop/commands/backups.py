"""`studyteddy backup`: make, list and restore snapshots of the whole profile."""

from __future__ import annotations

import argparse
import sys

from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    backup = commands.add_parser("backup", help="back up or restore your data (database and documents)")
    actions = backup.add_subparsers(dest="backup_action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="back up your data now")
    create.set_defaults(handler=create_backup)
    listing = actions.add_parser("list", help="list the backups, newest first")
    listing.set_defaults(handler=list_backups)
    restore = actions.add_parser("restore", help="replace your data with a backup's")
    restore.add_argument("backup_id", metavar="ID", help="a backup's id, as `studyteddy backup list` shows")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(handler=restore_backup)


def human_size(size_bytes: int) -> str:
    size = float(size_bytes)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _report(step: str, fraction: float) -> None:
    print(f"  {fraction:4.0%}  {step}", file=sys.stderr, flush=True)


def create_backup(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        info = services.backups.back_up_now(_report)
        root = services.backups.store.root
    print(f"Backed up to {info.id}: {human_size(info.size_bytes)}, {info.file_count} file(s), in {root}")
    return 0


def list_backups(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        backups = services.backups.list()
        keep = services.backups.keep()
    if not backups:
        print("No backups yet. `studyteddy backup create` makes one; the app makes one a day.")
        return 0
    print(f"{'ID':<22} {'Made (local time)':<18} {'Reason':<12} {'Size':>9}")
    for info in backups:
        made = info.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{info.id:<22} {made:<18} {info.reason:<12} {human_size(info.size_bytes):>9}")
    print(f"{len(backups)} backup(s); the newest {keep} are kept.")
    return 0


def restore_backup(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        target = services.backups.store.get(args.backup_id)
        made = target.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if not args.yes:
            if not sys.stdin.isatty():
                print("studyteddy: restoring replaces all your current data; add --yes to confirm.",
                      file=sys.stderr)
                return 2
            answer = input(f"Replace all your current data with the backup from {made} ({target.reason})? "
                           "A backup of the current data is made first. [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                print("Nothing was changed.")
                return 1
        safety = services.backups.restore(target.id, _report)
    print(f"Restored the backup from {made}. Your data from just before is kept as backup {safety.id}.")
    print("If a Study Teddy window is open, restart it to see the restored data.")
    return 0
