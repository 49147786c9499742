"""Documents through the real worker process: live progress events, and a worker killed mid-document."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.models import DocumentChunk
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.core.event_channel import open_event_subscription
from tests.document_samples import BIOLOGY_PAGES, long_pdf, text_pdf
from tests.worker_support import session_worker

FINAL = {"ready", "failed", "no_text", "needs_password", "cancelled"}



@pytest.fixture()
def services(endpoints: RuntimeEndpoints) -> Iterator[AppServices]:
    services = open_services(endpoints)
    created: list = []
    services.created_documents = created  # type: ignore[attr-defined]
    yield services
    for document_id in created:
        services.documents.delete(document_id)
    services.close()


def _wait(services: AppServices, document_id, predicate, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = services.documents.get(document_id)
        if predicate(document):
            return document
        time.sleep(0.05)
    raise AssertionError(f"document never got there: {services.documents.get(document_id)}")


def test_import_reports_live_progress_and_ends_ready(services, endpoints, tmp_path):
    worker = session_worker(endpoints)
    worker.ensure_running()
    subscription = open_event_subscription(endpoints.redis_url, endpoints.database_url)
    try:
        outcome = services.documents.import_file(long_pdf(tmp_path / "enzymes.pdf", 30), subject="Biology")
        services.created_documents.append(outcome.document.id)
        document = _wait(services, outcome.document.id, lambda d: d.status in FINAL)
        events = []
        while (event := subscription.next_event(timeout=0.3)) is not None:
            # Only the indexing job: a summary job for the same document follows it.
            if event.data.get("document_id") == str(outcome.document.id) \
                    and event.data.get("kind") == "document_index":
                events.append(event)
    finally:
        subscription.close()
        worker.stop()
    assert document.status == "ready" and document.page_count == 30
    progress = [event.progress for event in events if event.kind == "job.progress"]
    assert progress == sorted(progress) and len(progress) >= 2
    assert events[-1].kind == "job.done" and events[-1].data["chunks"] == document.chunk_count


def test_a_worker_killed_mid_document_is_replaced_and_finishes_the_job(services, endpoints, tmp_path):
    worker = session_worker(endpoints)
    worker.ensure_running()
    outcome = services.documents.import_file(long_pdf(tmp_path / "long.pdf", 120))
    services.created_documents.append(outcome.document.id)
    _wait(services, outcome.document.id, lambda d: d.status == "embedding" and d.progress > 0.1)
    os.kill(worker.running_pid(), signal.SIGKILL)
    time.sleep(0.5)
    assert services.documents.get(outcome.document.id).status == "embedding"

    replacement = session_worker(endpoints)
    replacement.ensure_running()
    try:
        document = _wait(services, outcome.document.id, lambda d: d.status in FINAL)
    finally:
        replacement.stop()
    assert document.status == "ready"
    with services.database.unit_of_work() as session:
        ordinals = list(session.scalars(sa.select(DocumentChunk.ordinal)
                                        .where(DocumentChunk.document_id == document.id,
                                               DocumentChunk.embedding.is_not(None))
                                        .order_by(DocumentChunk.ordinal)))
    assert ordinals == list(range(document.chunk_count))


def test_a_protected_pdf_is_unlocked_through_the_worker(services, endpoints, tmp_path):
    worker = session_worker(endpoints)
    worker.ensure_running()
    try:
        outcome = services.documents.import_file(text_pdf(tmp_path / "locked.pdf", BIOLOGY_PAGES,
                                                          user_password="pw"))
        services.created_documents.append(outcome.document.id)
        document = _wait(services, outcome.document.id, lambda d: d.status in FINAL)
        assert document.status == "needs_password"
        job = services.documents.unlock(outcome.document.id, "pw")
        document = _wait(services, job.id, lambda d: d.status in FINAL and d.status != "needs_password")
    finally:
        worker.stop()
    assert document.status == "ready"
