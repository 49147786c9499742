"""`studyteddy login`, `logout` and `sync`: this device's sync account and a sync run from the terminal."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import socket
import sys
from typing import TYPE_CHECKING

from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.sync_dto import (
    AccountMismatchError,
    SyncAuthError,
    SyncError,
    SyncOfflineError,
    SyncProgressDTO,
    SyncState,
    SyncStatusDTO,
)

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

# A script tells "the server was unreachable, try later" from "this needs a person" (2) by it.
EXIT_OFFLINE = 3


def register(commands: argparse._SubParsersAction) -> None:
    login = commands.add_parser("login", help="sign this device in to a sync server")
    login.add_argument("server", metavar="SERVER", help="the sync server's address, e.g. https://sync.school.org")
    login.add_argument("--email", dest="login", metavar="LOGIN", help="your login (asked for if not given)")
    login.add_argument("--device", metavar="NAME", default=None,
                       help="how this device appears in your account (default: this computer's name)")
    login.set_defaults(handler=log_in)
    logout = commands.add_parser("logout", help="sign this device out; your data stays on it")
    logout.set_defaults(handler=log_out)
    sync = commands.add_parser("sync", help="send and receive changes with the sync server now")
    sync.add_argument("--json", action="store_true", help="print the result as JSON")
    sync.set_defaults(handler=sync_now)


def default_device_name() -> str:
    return socket.gethostname().strip() or "This computer"


def log_in(settings: Settings, args: argparse.Namespace) -> int:
    login = (args.login or _ask("Login (email): ")).strip()
    if not login:
        print("studyteddy: a login is needed to sign in; pass --email LOGIN or type it when asked.",
              file=sys.stderr)
        return 2
    device = (args.device or default_device_name()).strip() or default_device_name()
    # Asked before the servers start, so the student is not kept waiting for the prompt.
    password = _ask_password(f"Password for {login}: ")
    if password is None:
        return 2
    with running_services(settings, with_worker=False) as services:
        try:
            status = _sign_in(services, args.server, login, password, device)
        except SyncOfflineError as error:
            return _offline(error, json_output=False)
        if status is None:
            print("Nothing was changed. This device stays signed out and keeps its data.")
            return 1
    print(f"Signed in to {status.server_url or args.server} as {status.account_login or login} "
          f"on “{status.device_name or device}”.")
    if status.token_kept:
        print("Your sign-in is kept in the system keyring, so `studyteddy sync` and the app stay signed in.")
    else:
        print("This computer has no system keyring, so the sign-in is kept for this session only: the next "
              "`studyteddy` command has to sign in again (`studyteddy sync` asks for your password).")
    print("Run `studyteddy sync` to send and receive your changes.")
    return 0


def _sign_in(services: AppServices, server: str, login: str, password: str,
             device: str) -> SyncStatusDTO | None:
    """Sign in; None when the student declined to replace another account's data."""
    try:
        return services.sync.sign_in(server, login, password, device)
    except AccountMismatchError as mismatch:
        print(f"{mismatch.message}", file=sys.stderr)
        print(f"Study Teddy can back this data up (the backup keeps {mismatch.holder_login}'s records), clear "
              f"it, and then fill this folder from {login}'s account instead.", file=sys.stderr)
        if not _confirm(f"Back up this data and start fresh as {login}? [y/N] "):
            return None
        return services.sync.sign_in(server, login, password, device, start_fresh=True)


def log_out(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        before = services.sync.status()
        if before.state is SyncState.LOCAL_ONLY:
            print("This device is not signed in to a sync server; nothing to sign out of.")
            return 0
        services.sync.sign_out()
    where = f" of {before.server_url}" if before.server_url else ""
    print(f"Signed out{where}. Your study data stays on this computer; sign in again with `studyteddy login`.")
    return 0


def sync_now(settings: Settings, args: argparse.Namespace) -> int:
    # The worker indexes the documents that arrive, so they are searchable when the command ends.
    with running_services(settings, with_worker=True) as services:
        status = services.sync.status()
        if status.state is SyncState.LOCAL_ONLY:
            return _failed(SyncState.LOCAL_ONLY, "This device is not signed in to a sync server. Sign in with "
                           "`studyteddy login SERVER` first.", json_output=args.json, code=2)
        if status.state is SyncState.NEEDS_SIGN_IN:
            signed_in = _sign_in_again(services, status, json_output=args.json)
            if signed_in is not None:
                return signed_in
        show_progress = sys.stderr.isatty()
        try:
            result = services.sync.sync(progress=_print_progress if show_progress else None)
        except SyncOfflineError as error:
            return _offline(error, json_output=args.json)
        except SyncAuthError as error:
            return _failed(SyncState.NEEDS_SIGN_IN, f"{error.message} Sign in again with `studyteddy login "
                           f"{status.server_url or 'SERVER'}`.", json_output=args.json, code=2)
        except SyncError as error:
            return _failed(SyncState.ERROR, error.message, json_output=args.json, code=2)
        finally:
            if show_progress:
                # Ends the progress line, so the summary starts on a line of its own.
                print(file=sys.stderr, flush=True)
        after = services.sync.status()
    if args.json:
        figures = dataclasses.asdict(result)
        figures.update(status=after.state.value, pending_changes=after.pending_changes,
                       last_synced_at=after.last_synced_at.isoformat() if after.last_synced_at else None)
        print(json.dumps(figures, indent=2))
        return 0
    print(f"Synced with {after.server_url} in {result.seconds:.1f} s: sent {result.pushed:,} change(s), "
          f"received {result.pulled:,}; document files: {result.files_sent} sent, "
          f"{result.files_received} received.")
    if result.waiting_records:
        print(f"{result.waiting_records:,} received record(s) wait for the records they belong to; "
              "the next sync brings those.")
    if result.conflicts:
        print(f"{result.conflicts} conflict(s): the same text was changed on two devices. Both versions are "
              "kept; open Study Teddy to choose which one stays.")
    else:
        print("No conflicts.")
    return 0


def _sign_in_again(services: AppServices, status: SyncStatusDTO, *, json_output: bool) -> int | None:
    """Ask for the password of the account this device was signed in to; an exit code if that failed."""
    reason = status.message or "This device's sign-in has ended."
    if not (status.server_url and status.account_login):
        return _failed(SyncState.NEEDS_SIGN_IN, f"{reason} Sign in again with `studyteddy login SERVER`.",
                       json_output=json_output, code=2)
    print(reason, file=sys.stderr)
    password = _ask_password(f"Password for {status.account_login} at {status.server_url}: ")
    if password is None:
        return 2
    try:
        services.sync.sign_in(status.server_url, status.account_login, password,
                              status.device_name or default_device_name())
    except SyncOfflineError as error:
        return _offline(error, json_output=json_output)
    return None


def _ask_password(prompt: str) -> str | None:
    try:
        password = getpass.getpass(prompt)
    except EOFError:
        password = ""
    if not password:
        print("studyteddy: no password was given, so nothing was signed in. Type it when asked; it is never "
              "taken as an argument, so it stays out of your shell history.", file=sys.stderr)
        return None
    return password


def _ask(question: str) -> str:
    try:
        return input(question)
    except EOFError:  # stdin closed or empty: nothing was typed
        return ""


def _confirm(question: str) -> bool:
    return _ask(question).strip().lower() in {"y", "yes"}


def _print_progress(progress: SyncProgressDTO) -> None:
    # One line rewritten in place; the spaces wipe the end of a longer line before it.
    print(f"\r  {progress.text:<60}", end="", file=sys.stderr, flush=True)


def _offline(error: SyncOfflineError, *, json_output: bool) -> int:
    return _failed(SyncState.OFFLINE, f"{error.message} Your changes are kept on this computer; try again "
                   "when the server can be reached.", json_output=json_output, code=EXIT_OFFLINE)


def _failed(state: SyncState, message: str, *, json_output: bool, code: int) -> int:
    if json_output:
        print(json.dumps({"status": state.value, "message": message}, indent=2))
    print(f"studyteddy: {message}", file=sys.stderr)
    return code
