"""The student's documents: import, list, open, cancel, retry, unlock, re-tag and delete."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from studyteddy_desktop.db.models import BackgroundJob, Document
from studyteddy_desktop.db.repositories.document_repository import DocumentRepository
from studyteddy_desktop.db.repositories.job_repository import JobRepository
from studyteddy_desktop.domain.job_queue import INDEX_JOB_KIND
from studyteddy_desktop.domain.document_dto import (
    DocumentDetailDTO,
    DocumentDTO,
    DocumentPageDTO,
    ImportOutcome,
)
from studyteddy_desktop.domain.document_errors import SourceFileMissingError, UnsupportedFileTypeError
from studyteddy_desktop.domain.enums import DocumentStatus, JobState
from studyteddy_desktop.domain.errors import BlockedByPolicyError, InvalidInputError, NotFoundError
from studyteddy_desktop.domain.sync_dto import SyncError
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.ingest.format_registry import SUPPORTED_EXTENSIONS, detect_format
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.text_input import clean_subject
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.core.profile_service import ProfileService
from studyteddy_desktop.services.policy.machine_policy import MachinePolicy
from studyteddy_desktop.services.policy.policy_sources import system_policy

_RESTARTABLE = {DocumentStatus.FAILED, DocumentStatus.CANCELLED, DocumentStatus.NEEDS_PASSWORD,
                DocumentStatus.NO_TEXT, DocumentStatus.READY}


def document_dto(document: Document) -> DocumentDTO:
    return DocumentDTO(
        id=document.id, title=document.title, original_filename=document.original_filename,
        status=str(document.status), status_reason=document.status_reason,
        progress=float(document.progress or 0.0), page_count=document.page_count,
        chunk_count=document.chunk_count or 0, size_bytes=document.size_bytes, subject=document.subject,
        format_name=document.format_name, paged=bool(document.paged), created_at=document.created_at,
        indexed_at=document.indexed_at, source_path=document.source_path, summary=document.summary,
        key_concepts=tuple(str(concept) for concept in (document.key_concepts or ())))


def expand_import_paths(paths: list[Path]) -> Iterator[Path]:
    """Files as given, and the supported files inside folders, recursively, in a stable order."""
    for path in paths:
        if path.is_dir():
            for root, directories, files in os.walk(path):
                directories[:] = sorted(d for d in directories if not d.startswith("."))
                for name in sorted(files):
                    candidate = Path(root) / name
                    if not name.startswith(".") and candidate.suffix.lower() in SUPPORTED_EXTENSIONS:
                        yield candidate
        else:
            yield path


# What the student reads when the school's policy turns importing off, here and in the Documents pane.
IMPORT_TURNED_OFF = "Your school has turned off importing documents on this computer."

class DocumentLibrary:
    def __init__(self, database: Database, jobs: JobService, store: ContentStore, *,
                 policy: MachinePolicy | None = None) -> None:
        self.database = database
        self.jobs = jobs
        self.store = store
        self.policy = policy if policy is not None else system_policy()
        self._profiles = ProfileService(database)
        self._owner: uuid.UUID | None = None

    def import_file(self, path: Path, *, subject: str | None = None,
                    password: str | None = None) -> ImportOutcome:
        """Copy the file into the library and queue it for indexing; refuse what cannot be read."""
        if not self.policy.document_import_enabled:
            raise BlockedByPolicyError(IMPORT_TURNED_OFF)
        subject = clean_subject(subject)
        if not path.exists():
            raise SourceFileMissingError(f"There is no file at {path}.")
        if not path.is_file():
            raise UnsupportedFileTypeError(f"{path} is not a file.")
        self._check_size(path)
        try:
            file_format = detect_format(path)
        except FileNotFoundError as error:
            raise SourceFileMissingError(f"{path} disappeared while it was being imported.") from error
        try:
            stored = self.store.add(path)
        except FileNotFoundError as error:
            raise SourceFileMissingError(f"{path} disappeared while it was being imported.") from error
        except PermissionError as error:
            raise UnsupportedFileTypeError(f"Study Teddy may not read {path}.") from error
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            existing = documents.live_with_hash(owner_id, stored.sha256)
            if existing is not None and DocumentStatus(existing.status).is_final:
                return ImportOutcome(document_dto(existing), duplicate=True, job_id=None)
            if existing is not None:
                outcome = self._resume(session, existing)
            else:
                outcome = self._add(documents, owner_id, path, stored, file_format, subject)
        self._start(outcome.job_id, password)
        return outcome

    def _check_size(self, path: Path) -> None:
        cap = self.policy.max_document_mb
        if cap is None:
            return
        size = path.stat().st_size
        if size > cap * 1024 * 1024:
            shown = f"{size / 1024 ** 2:.1f} MB" if size >= 1024 ** 2 else f"{size / 1024:.0f} KB"
            raise BlockedByPolicyError(f"“{path.name}” is {shown}; your school allows "
                                       f"documents of up to {cap:g} MB.")

    def _add(self, documents: DocumentRepository, owner_id: uuid.UUID, path: Path, stored,
             file_format, subject: str | None) -> ImportOutcome:
        document = documents.add(Document(
            user_id=owner_id, title=path.stem[:500] or path.name[:500], original_filename=path.name,
            content_sha256=stored.sha256, mime_type=file_format.name, size_bytes=stored.size_bytes,
            subject=subject, status=DocumentStatus.QUEUED, stored_path=stored.relative_path,
            source_path=str(path.absolute()), paged=file_format.name == "pdf"))
        job = self._new_job(documents.session, document.id)
        documents.session.refresh(document)
        return ImportOutcome(document_dto(document), duplicate=False, job_id=job.id)

    def _resume(self, session, document: Document) -> ImportOutcome:
        """Queue an unfinished document's job again (a dead worker left it), or a new one if it has none."""
        job = JobRepository(session).unfinished_for_document(INDEX_JOB_KIND, document.id)
        if job is None:
            job = self._new_job(session, document.id)
        return ImportOutcome(document_dto(document), duplicate=True, job_id=job.id, resumed=True)

    @staticmethod
    def _new_job(session, document_id: uuid.UUID) -> BackgroundJob:
        return JobRepository(session).add(BackgroundJob(kind=INDEX_JOB_KIND,
                                                        payload={"document_id": str(document_id)},
                                                        state=JobState.QUEUED))

    def _start(self, job_id: uuid.UUID, password: str | None) -> None:
        if password:
            self.jobs.hold_secret(job_id, password)
        self.jobs.enqueue(job_id)

    def adopt_synced_file(self, document_id: uuid.UUID, downloaded: Path) -> DocumentDTO:
        """Give a document that arrived by sync, still without a file, the bytes fetched for it, and queue
        it for indexing. `downloaded` should end in the document's own suffix (the store keeps it).

        Bytes that do not hash to the document's SHA-256 are refused and the document keeps waiting.
        Idempotent: a document that already has its file is returned as it is, queued no second time.
        """
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            document = self._require(DocumentRepository(session), owner_id, document_id)
            if document.stored_path is not None:
                return document_dto(document)
            expected, title = document.content_sha256, document.title
        try:
            stored = self.store.add(downloaded)
        except FileNotFoundError as error:
            raise SourceFileMissingError(f"The file fetched for “{title}” disappeared before it was "
                                         "added. The next sync fetches it again.") from error
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            if stored.sha256 != expected.lower():
                if not documents.other_live_users_of_file(stored.relative_path, document_id):
                    self.store.remove(stored.relative_path)
                raise SyncError(f"The file that arrived for “{title}” is not the one your other device "
                                "uploaded, so it was not added. The next sync fetches it again.",
                                details=f"expected {expected}, got {stored.sha256}")
            document = self._require(documents, owner_id, document_id, for_update=True)
            if document.stored_path is not None:  # another caller adopted it meanwhile
                return document_dto(document)
            document.stored_path = stored.relative_path
            document.status, document.status_reason, document.progress = DocumentStatus.QUEUED, None, 0.0
            outcome = self._resume(session, document)
            session.flush()
            dto = document_dto(document)
        self._start(outcome.job_id, None)
        return dto

    def list_documents(self) -> list[DocumentDTO]:
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            return [document_dto(document) for document in DocumentRepository(session).live_for_user(owner_id)]

    def get(self, document_id: uuid.UUID) -> DocumentDTO:
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            return document_dto(self._require(DocumentRepository(session), owner_id, document_id))

    def detail(self, document_id: uuid.UUID) -> DocumentDetailDTO:
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            document = self._require(documents, owner_id, document_id)
            pages = tuple(DocumentPageDTO(page.ordinal, page.page_number, page.char_start, page.text)
                          for page in documents.pages(document_id))
            stored = str(self.store.path_of(document.stored_path)) if document.stored_path else None
            return DocumentDetailDTO(document_dto(document), pages, stored)

    def retry(self, document_id: uuid.UUID, *, password: str | None = None) -> DocumentDTO:
        """Index again: after a failure, a cancel, or with the password a protected PDF asked for."""
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            document = self._require(documents, owner_id, document_id, for_update=True)
            if document.status not in _RESTARTABLE:
                raise InvalidInputError(f"“{document.title}” is already being indexed.")
            document.status, document.status_reason, document.progress = DocumentStatus.QUEUED, None, 0.0
            job = self._new_job(session, document.id)
            session.flush()
            dto = document_dto(document)
        self._start(job.id, password)
        return dto

    def unlock(self, document_id: uuid.UUID, password: str) -> DocumentDTO:
        if not password:
            raise InvalidInputError("Enter the PDF's password.")
        return self.retry(document_id, password=password)

    def cancel(self, document_id: uuid.UUID) -> DocumentDTO:
        """Stop indexing; the worker notices between batches and clears what it wrote."""
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            document = self._require(documents, owner_id, document_id, for_update=True)
            if DocumentStatus(document.status).is_final:
                return document_dto(document)
            document.status = DocumentStatus.CANCELLED
            document.status_reason = "Cancelled by you. Choose Retry to index it again."
            document.progress = 0.0
            return document_dto(document)

    def set_subject(self, document_id: uuid.UUID, subject: str | None) -> DocumentDTO:
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            document = self._require(DocumentRepository(session), owner_id, document_id, for_update=True)
            document.subject = clean_subject(subject)
            session.flush()
            return document_dto(document)

    def rename(self, document_id: uuid.UUID, title: str) -> DocumentDTO:
        cleaned = " ".join(title.split())
        if not cleaned:
            raise InvalidInputError("A document needs a title.")
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            document = self._require(DocumentRepository(session), owner_id, document_id, for_update=True)
            document.title = cleaned[:500]
            session.flush()
            return document_dto(document)

    def delete(self, document_id: uuid.UUID) -> None:
        """Tombstone the document, drop its chunks and pages, and its file unless shared."""
        owner_id = self._owner_id()
        with self.database.unit_of_work() as session:
            documents = DocumentRepository(session)
            document = self._require(documents, owner_id, document_id, for_update=True)
            documents.soft_delete(document)
            if not DocumentStatus(document.status).is_final:
                document.status = DocumentStatus.CANCELLED
            documents.delete_derived_rows(document_id)
            document.chunk_count = 0
            stored_path = document.stored_path
            shared = stored_path is not None and documents.other_live_users_of_file(stored_path, document_id)
        if stored_path and not shared:
            self.store.remove(stored_path)

    def _owner_id(self) -> uuid.UUID:
        """The local profile, whose documents these are: looked up once, as LocalStudent does, since
        the pane asks for a document at every progress tick and the profile's id never changes."""
        if self._owner is None:
            self._owner = self._profiles.ensure_local_profile().id
        return self._owner

    @staticmethod
    def _require(documents: DocumentRepository, owner_id: uuid.UUID, document_id: uuid.UUID, *,
                 for_update: bool = False) -> Document:
        document = documents.get(document_id, user_id=owner_id, for_update=for_update)
        if document is None:
            raise NotFoundError("That document no longer exists.")
        return document
