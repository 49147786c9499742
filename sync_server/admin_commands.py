"""`studyteddy-server admin …`: the admin's account work from the server's own shell."""

from __future__ import annotations

import argparse
import sys

from studyteddy_desktop.services.core.database import Database
from sync_server.accounts.administration import AccountAdministration
from sync_server.accounts.schemas import AccountCreate, CreatedAccount
from sync_server.core.config import ServerSettings
from sync_server.core.errors import ApiError


def _print_created(created: CreatedAccount) -> None:
    password = f"  password: {created.initial_password}" if created.initial_password else ""
    print(f"created {created.account.login} ({created.account.role}){password}")


def run_admin_command(settings: ServerSettings, args: argparse.Namespace) -> int:
    database = Database(settings.database_url)
    accounts = AccountAdministration(database)
    try:
        if args.admin_command == "create-account":
            _print_created(accounts.create(AccountCreate(login=args.login, display_name=args.name, role=args.role)))
            return 0
        try:
            text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            print(f"studyteddy-server: the roster {args.file} could not be read: {error}", file=sys.stderr)
            return 2
        report = accounts.import_roster(text)
        for created in report.created:
            _print_created(created)
        for login in report.skipped:
            print(f"skipped {login}: it already has an account")
        for problem in report.errors:
            print(f"error {problem}", file=sys.stderr)
        print(f"{len(report.created)} created, {len(report.skipped)} skipped, {len(report.errors)} rejected.")
        return 1 if report.errors else 0
    except ApiError as error:
        print(f"studyteddy-server: {error.message}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
