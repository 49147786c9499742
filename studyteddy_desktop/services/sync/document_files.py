"""Document files between devices: send this device's files once, fetch the ones whose records arrived."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from studyteddy_desktop.db.models import Document, SyncUploadedFile
from studyteddy_desktop.domain.document_errors import DocumentProblem
from studyteddy_desktop.domain.errors import NotFoundError
from studyteddy_desktop.domain.sync_dto import SyncAuthError, SyncError, SyncOfflineError
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.sync.server_client import ServerClient

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]  # (files done, files in all)

WAITING_FOR_FILE = "Waiting for this file from your other device."


@dataclass(frozen=True)
class _Arrived:
    document_id: uuid.UUID
    sha256: str
    suffix: str


def upload_missing_files(client: ServerClient, database: Database, store: ContentStore,
                         progress: ProgressFn | None = None) -> tuple[int, int]:
    """Upload every live document's file the server has not had from this device yet: (files, bytes)."""
    with database.unit_of_work() as session:
        rows = session.execute(
            sa.select(Document.content_sha256, Document.stored_path)
            .where(Document.deleted_at.is_(None), Document.stored_path.is_not(None),
                   ~sa.exists().where(SyncUploadedFile.sha256 == Document.content_sha256))
            .order_by(Document.created_at)).all()
    pending = dict(rows)  # documents sharing a file send it once
    files = sent = 0
    for done, (sha256, stored_path) in enumerate(pending.items()):
        if progress is not None:
            progress(done, len(pending))
        path = store.path_of(stored_path)
        try:
            sent += client.put_blob(sha256, path)
        except FileNotFoundError:
            log.warning("The file of document %s is missing from the store (%s); not uploaded", sha256, path)
            continue
        with database.unit_of_work() as session:
            # The server keeps what it has; recording it means this device never sends it again.
            session.execute(insert(SyncUploadedFile).values(sha256=sha256).on_conflict_do_nothing())
        files += 1
    if progress is not None and pending:
        progress(len(pending), len(pending))
    return files, sent


def fetch_arrived_files(client: ServerClient, database: Database, library: DocumentLibrary, scratch_dir: Path,
                        progress: ProgressFn | None = None) -> tuple[int, int]:
    """Fetch the file of every live document that arrived without one and queue it for indexing:
    (files, bytes). A file the other device has not uploaded yet waits for a later sync."""
    with database.unit_of_work() as session:
        arrived = [_Arrived(row.id, row.content_sha256, PurePath(row.original_filename).suffix.lower()[:16])
                   for row in session.execute(
                       sa.select(Document.id, Document.content_sha256, Document.original_filename)
                       .where(Document.deleted_at.is_(None), Document.stored_path.is_(None))
                       .order_by(Document.created_at))]
    try:
        scratch_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SyncError(f"Study Teddy cannot write fetched files into {scratch_dir}. Check that the disk has "
                        "room and try again.", details=str(error)) from error
    files = received = 0
    for done, document in enumerate(arrived):
        if progress is not None:
            progress(done, len(arrived))
        size = _fetch_one(client, database, library, scratch_dir, document)
        if size is not None:
            files, received = files + 1, received + size
    if progress is not None and arrived:
        progress(len(arrived), len(arrived))
    return files, received


def _fetch_one(client: ServerClient, database: Database, library: DocumentLibrary, scratch_dir: Path,
               document: _Arrived) -> int | None:
    """The bytes received for the document's file, or None when it has to wait."""
    # The store keeps the suffix, and the extractor reads the format from it.
    target = scratch_dir / f"{document.sha256}{document.suffix}"
    try:
        size = client.get_blob(document.sha256, target)
        library.adopt_synced_file(document.document_id, target)
    except SyncError as error:
        if not _not_uploaded_yet(error):
            raise
        _mark_waiting(database, document.document_id)
        return None
    except NotFoundError:
        log.info("Document %s was deleted while its file was fetched", document.document_id)
        return None
    except (OSError, DocumentProblem) as error:
        raise SyncError("A fetched document file could not be added to your library. Check that the disk "
                        "has room, then sync again.", details=repr(error)) from error
    finally:
        target.unlink(missing_ok=True)
    return size


def _not_uploaded_yet(error: SyncError) -> bool:
    """The server's 404 for a file: the other device has not sent it (yet)."""
    return not isinstance(error, (SyncOfflineError, SyncAuthError)) and error.details == "HTTP 404"


def _mark_waiting(database: Database, document_id: uuid.UUID) -> None:
    with database.unit_of_work() as session:
        session.execute(sa.update(Document)
                        .where(Document.id == document_id, Document.stored_path.is_(None),
                               Document.status_reason.is_distinct_from(WAITING_FOR_FILE))
                        .values(status_reason=WAITING_FOR_FILE))
