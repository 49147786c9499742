"""`studyteddy import`, `studyteddy search` and `studyteddy documents`: the library from a terminal."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studyteddy_desktop.commands.service_session import running_services, running_session
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.document_dto import DocumentDTO
from studyteddy_desktop.domain.errors import NotFoundError, StudyTeddyError

if TYPE_CHECKING:
    from studyteddy_desktop.runtime.worker_watch import WorkerWatch
    from studyteddy_desktop.services.app_services import AppServices

_FINAL = {"ready", "failed", "needs_password", "no_text", "cancelled"}
_POLL_S = 0.25
_BAR_WIDTH = 24


def register(commands: argparse._SubParsersAction) -> None:
    importer = commands.add_parser("import", help="import files or folders (recursively) and index them")
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    importer.add_argument("--subject", help="tag the imported documents with a subject")
    secret = importer.add_mutually_exclusive_group()
    secret.add_argument("--ask-password", action="store_true",
                        help="ask for the password of protected PDFs (it is not echoed)")
    secret.add_argument("--password-file", type=Path, metavar="FILE",
                        help="read the password of protected PDFs from FILE's first line ('-' for stdin)")
    # Still accepted for old scripts, but hidden: every account on the computer sees it in `ps`.
    secret.add_argument("--password", help=argparse.SUPPRESS)
    importer.set_defaults(handler=run_import)

    search = commands.add_parser("search", help="search your documents")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--subject", help="only documents with this subject")
    search.add_argument("--doc", action="append", metavar="NAME", help="only this document (repeatable)")
    search.add_argument("--json", action="store_true", help="print the hits as JSON")
    search.set_defaults(handler=run_search)

    listing = commands.add_parser("documents", help="list your documents and their state")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)


@dataclass
class _Tracked:
    path: Path
    document: DocumentDTO | None = None
    outcome: str = ""
    failed: bool = False


def _bar(fraction: float) -> str:
    filled = round(fraction * _BAR_WIDTH)
    return "[" + "#" * filled + "-" * (_BAR_WIDTH - filled) + f"] {fraction * 100:3.0f}%"


def _describe(document: DocumentDTO) -> tuple[str, bool]:
    if document.status == "ready":
        pages = f"{document.page_count} page{'s' if document.page_count != 1 else ''}, " if document.paged else ""
        return f"ready: {pages}{document.chunk_count} passages", False
    reason = document.status_reason or document.status
    label = {"needs_password": "needs a password", "no_text": "no text", "cancelled": "cancelled"}
    return f"{label.get(document.status, 'failed')}: {reason}", True


def _import_password(args: argparse.Namespace) -> str | None:
    """The PDF password from a prompt, a file or stdin; from --password only with a warning."""
    if args.password is not None:
        print("studyteddy: --password shows the password to every account on this computer; "
              "use --ask-password or --password-file instead.", file=sys.stderr)
        return args.password
    if args.ask_password:
        return getpass.getpass("Password for protected PDFs: ") or None
    if args.password_file is None:
        return None
    try:
        text = sys.stdin.read() if str(args.password_file) == "-" else args.password_file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StudyTeddyError(f"The password file {args.password_file} could not be read: {error}.") from error
    password = (text.splitlines() or [""])[0]
    if not password:
        raise StudyTeddyError(f"The password file {args.password_file} is empty.")
    return password


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    from studyteddy_desktop.services.documents.document_library import expand_import_paths

    files = list(expand_import_paths(args.paths))
    if not files:
        print("studyteddy: no importable files found (PDF, Word, web pages, Markdown, text).", file=sys.stderr)
        return 2
    password = _import_password(args)
    interactive = sys.stdout.isatty()
    tracked = [_Tracked(path) for path in files]
    with running_session(settings) as session:
        services = session.services
        for item in tracked:
            try:
                outcome = services.documents.import_file(item.path, subject=args.subject, password=password)
            except StudyTeddyError as error:
                item.outcome, item.failed = f"failed: {error.message}", True
                continue
            item.document = outcome.document
            if outcome.resumed:
                print(f"{item.path.name}: already being imported; following it (an interrupted import goes on "
                      f"from where it stopped).", flush=True)
            elif outcome.duplicate:
                item.outcome = f"already imported as “{outcome.document.title}” ({outcome.document.status})"
        _follow(services, [item for item in tracked if item.document and not item.outcome], interactive,
                session.worker_watch)
    for item in tracked:
        mark = "✗" if item.failed else "✓"
        print(f"{mark} {item.path}: {item.outcome}")
    return 1 if any(item.failed for item in tracked) else 0


def _follow(services: AppServices, pending: list[_Tracked], interactive: bool,
            watch: WorkerWatch | None) -> None:
    """Wait for each document to reach a final state, drawing one progress bar per file.

    A worker that dies meanwhile is started again (its start resumes the unfinished imports);
    one that will not start, or keeps dying without progress, ends the wait with its reason.
    """
    from studyteddy_desktop.runtime.worker_watch import WorkerState

    shown: dict[Path, int] = {}
    furthest: dict[Path, float] = {}
    while pending:
        if watch is not None:
            try:
                state = watch.check()
            except StudyTeddyError as error:
                if interactive:
                    print(flush=True)
                for item in pending:
                    item.outcome, item.failed = f"failed: {error.message}", True
                return
            if state is WorkerState.RESTARTED:
                print(("\n" if interactive else "") + "The background worker stopped; started it again, "
                      "and the import goes on.", flush=True)
        for item in list(pending):
            assert item.document is not None
            try:
                document = services.documents.get(item.document.id)
            except NotFoundError:
                item.outcome, item.failed = "failed: it was deleted while being imported", True
                pending.remove(item)
                continue
            # Only going past the furthest point counts: a restarted import starts its bar again.
            if watch is not None and document.progress > furthest.get(item.path, -1.0):
                furthest[item.path] = document.progress
                watch.progressed()
            if document.status in _FINAL:
                item.document = document
                item.outcome, item.failed = _describe(document)
                pending.remove(item)
                end_bar = _bar(1.0 if not item.failed else document.progress)
                print(f"\r{end_bar} {item.path.name}" if interactive else f"{end_bar} {item.path.name}", flush=True)
            elif interactive:
                print(f"\r{_bar(document.progress)} {item.path.name} ({document.status})", end="", flush=True)
            else:
                step = int(document.progress * 4)
                if shown.get(item.path, -1) < step:
                    shown[item.path] = step
                    print(f"{_bar(document.progress)} {item.path.name}", flush=True)
        if pending:
            time.sleep(_POLL_S)


def documents_named(services: AppServices, names: list[str]) -> list[uuid.UUID]:
    """The ids of the documents whose title or file name is one of `names` (any case)."""
    documents = services.documents.list_documents()
    found: list[uuid.UUID] = []
    for name in names:
        matches = [d.id for d in documents if name.casefold() in (d.title.casefold(), d.original_filename.casefold())]
        if not matches:
            raise NotFoundError(f"No document is called “{name}”. `studyteddy documents` lists them.")
        found += matches
    return found


def run_search(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings) as services:
        document_ids = documents_named(services, args.doc) if args.doc else None
        hits = services.search.search(args.query, limit=args.limit, document_ids=document_ids,
                                      subject=args.subject)
    if args.json:
        print(json.dumps([{"rank": rank, "document": hit.document_title, "document_id": str(hit.document_id),
                           "page": hit.page, "page_start": hit.page_start, "page_end": hit.page_end,
                           "score": round(hit.score, 6),
                           "snippet": hit.snippet, "chunk_id": str(hit.chunk_id)}
                          for rank, hit in enumerate(hits, start=1)], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("No passages match. Import documents with `studyteddy import`, or try other words.")
        return 0
    for rank, hit in enumerate(hits, start=1):
        where = f", {hit.page_label}" if hit.page_label else ""
        print(f"{rank:>2}. {hit.document_title}{where}")
        print(f"    {hit.snippet}")
    return 0


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        documents = services.documents.list_documents()
    if args.json:
        print(json.dumps([{"id": str(d.id), "title": d.title, "status": d.status, "reason": d.status_reason,
                           "pages": d.page_count, "passages": d.chunk_count, "size_bytes": d.size_bytes,
                           "subject": d.subject} for d in documents], ensure_ascii=False, indent=2))
        return 0
    if not documents:
        print("No documents yet. Import some with `studyteddy import PATH`.")
    for document in documents:
        state = document.status if not document.status_reason else f"{document.status} ({document.status_reason})"
        subject = f" [{document.subject}]" if document.subject else ""
        print(f"{document.title}{subject}: {state}, {document.page_count or 0} pages, {document.chunk_count} passages")
    return 0
