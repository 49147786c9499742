"""Imports that a dead worker or a broken-down job interrupted: they resume or end, never hang half-done."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.db.models import BackgroundJob, Document
from studyteddy_desktop.domain.enums import DocumentStatus, JobState
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.event_channel import open_event_publisher
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.core.shared_store import open_shared_store
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.worker import tasks, worker_context
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.document_samples import BIOLOGY_PAGES, long_pdf, text_pdf
from tests.worker.test_tasks import _context
from tests.worker_support import session_worker


@pytest.fixture()
def queue(endpoints):
    queue = HueyJobQueue.for_endpoints(endpoints)
    yield queue
    queue.close()


@pytest.fixture()
def store(tmp_path):
    return ContentStore(tmp_path / "files")


@pytest.fixture()
def library(database, queue, store):
    return DocumentLibrary(database, JobService(database, queue), store)


@pytest.fixture()
def worker_inside(database, endpoints, queue, store, tmp_path):
    """The worker's context in this process, with a job service on the real queue."""
    shared_store = open_shared_store(endpoints.redis_url, endpoints.database_url)
    publisher = open_event_publisher(endpoints.redis_url, endpoints.database_url)
    context = dataclasses.replace(_context(database, shared_store, publisher, tmp_path), store=store,
                                  jobs=JobService(database, queue, worker_token="inside-test"))
    earlier = worker_context._current
    worker_context.install_context(context)
    yield context
    worker_context._current = earlier
    publisher.close()
    shared_store.close()


def _leave_half_done(database, job_id: uuid.UUID, document_id: uuid.UUID, job_state: JobState) -> None:
    """As a worker SIGKILLed mid-document leaves things: the job running (or gone), the document midway."""
    with database.unit_of_work() as session:
        session.get(BackgroundJob, job_id).state = job_state
        document = session.get(Document, document_id)
        document.status, document.progress = DocumentStatus.EMBEDDING, 0.56


def test_importing_an_unfinished_document_again_resumes_its_job(library, database, tmp_path):
    pdf = text_pdf(tmp_path / "script.pdf", BIOLOGY_PAGES)
    first = library.import_file(pdf)
    _leave_half_done(database, first.job_id, first.document.id, JobState.RUNNING)

    again = library.import_file(pdf)

    assert (again.duplicate, again.resumed, again.job_id) == (True, True, first.job_id)
    assert again.document.id == first.document.id


def test_an_unfinished_document_whose_job_ended_gets_a_new_job(library, database, tmp_path):
    pdf = text_pdf(tmp_path / "script.pdf", BIOLOGY_PAGES)
    first = library.import_file(pdf)
    _leave_half_done(database, first.job_id, first.document.id, JobState.FAILED)

    again = library.import_file(pdf)

    assert again.resumed and again.job_id not in (None, first.job_id)
    with database.unit_of_work() as session:
        assert session.get(BackgroundJob, again.job_id).state == JobState.QUEUED


def test_importing_a_finished_document_again_is_only_a_duplicate(library, database, tmp_path):
    pdf = text_pdf(tmp_path / "script.pdf", BIOLOGY_PAGES)
    first = library.import_file(pdf)
    with database.unit_of_work() as session:
        session.get(Document, first.document.id).status = DocumentStatus.READY

    again = library.import_file(pdf)

    assert (again.duplicate, again.resumed, again.job_id) == (True, False, None)


def test_a_pdf_password_never_enters_the_job_row_and_is_dropped_when_the_job_ends(
        library, database, queue, worker_inside, tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "locked.pdf", BIOLOGY_PAGES, user_password="pw-4711"),
                                  password="pw-4711")
    with database.unit_of_work() as session:
        payload = session.get(BackgroundJob, outcome.job_id).payload
        stored = session.execute(sa.text("SELECT payload::text FROM background_jobs WHERE id = :id"),
                                 {"id": outcome.job_id}).scalar_one()
    assert "pw-4711" not in stored and "password" not in payload
    assert queue.secret_of(outcome.job_id) == "pw-4711"

    assert tasks.run_job(str(outcome.job_id)) == "done"

    assert library.get(outcome.document.id).status == "ready"
    assert queue.secret_of(outcome.job_id) is None


class _BrokenEmbedder:
    def get(self):
        return self

    def embed(self, _texts):
        raise RuntimeError("the embedding model broke down")


def test_a_document_whose_indexing_breaks_down_ends_failed_not_half_done(library, database, worker_inside,
                                                                         tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES))
    broken = dataclasses.replace(worker_inside, embedder=_BrokenEmbedder())
    worker_context.install_context(broken)

    assert tasks.run_job(str(outcome.job_id)) == "failed"

    document = library.get(outcome.document.id)
    assert document.status == "failed" and "RuntimeError" in (document.status_reason or "")
    # A failed document may be retried; a half-done one was refused as "already being indexed".
    assert library.retry(outcome.document.id).status == "queued"


def _document_named(database, title: str) -> Document | None:
    with database.unit_of_work() as session:
        return session.scalars(sa.select(Document).where(Document.title == title,
                                                         Document.deleted_at.is_(None))).first()


def _delete_imported(endpoints, database, title: str) -> None:
    """The session's library is shared with other tests' searches: leave it as it was."""
    document = _document_named(database, title)
    if document is not None:
        services = open_services(endpoints)
        try:
            services.documents.delete(document.id)
        finally:
            services.close()


def test_the_import_command_restarts_a_killed_worker_and_finishes(committing_database, endpoints,
                                                                  session_data_dir, tmp_path):
    pdf = long_pdf(tmp_path / f"killed-{uuid.uuid4().hex[:8]}.pdf", 60)
    command = subprocess.Popen([sys.executable, "-m", "studyteddy_desktop", "--data-dir", str(session_data_dir),
                                "import", str(pdf)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    worker = session_worker(endpoints)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            document = _document_named(committing_database, pdf.stem)
            if document is not None and document.status == DocumentStatus.EMBEDDING and document.progress > 0.1:
                break
            assert command.poll() is None, command.communicate()
            time.sleep(0.1)
        else:
            raise AssertionError("the import never got under way")
        os.kill(worker.running_pid(), signal.SIGKILL)
        stdout, stderr = command.communicate(timeout=240)
    finally:
        if command.poll() is None:
            command.kill()
        worker.stop()
        _delete_imported(endpoints, committing_database, pdf.stem)
    assert command.returncode == 0, stdout + stderr
    assert "started it again" in stdout
    assert f"✓ {pdf}: ready: 60 pages" in stdout


@pytest.mark.parametrize("kind", ["redis", "postgres"])
def test_an_import_while_the_queue_is_down_is_a_clear_message_and_the_document_waits(database, store, tmp_path,
                                                                                     kind):
    from studyteddy_desktop.domain.errors import ServiceUnavailableError
    from tests.worker.test_tasks import DEAD_STORE_URLS

    # The queue's own server gone (Redis, or the queue's database); the app's database still answers.
    redis_url, database_url = DEAD_STORE_URLS[kind]
    dead = HueyJobQueue(redis_url, database_url=database_url)
    library = DocumentLibrary(database, JobService(database, dead), store)
    before = {document.id for document in library.list_documents()}
    with pytest.raises(ServiceUnavailableError, match="job queue is not answering"):
        library.import_file(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES))
    # The row was saved first: the next worker's start queues it, and importing again resumes it.
    # Other tests' committed documents share this database, so only the new row is looked at.
    added = [document for document in library.list_documents() if document.id not in before]
    assert [document.status for document in added] == ["queued"]
    dead.close()
