"""Summaries made of the document's own sentences, which make way for indexing whenever a document arrives."""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from studyteddy_desktop.ai.text_language import STOPWORDS_BY_LANGUAGE, STRUCTURE_WORDS_BY_LANGUAGE
from studyteddy_desktop.db.models import BackgroundJob, Document, DocumentChunk
from studyteddy_desktop.domain.job_queue import DIGEST_JOB_KIND, INDEX_JOB_KIND
from studyteddy_desktop.domain.enums import DocumentStatus, JobState
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.profile_service import ProfileService
from studyteddy_desktop.worker.jobs.documents.digest_job import DocumentDigester, submit_pending_digests
from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.ai.test_key_concepts_languages import TOPOLOGY_DE
from tests.document_samples import long_pdf


@pytest.fixture()
def ready_document(database, endpoints, sentence_embedder, tmp_path):
    store = ContentStore(tmp_path / "files")
    jobs = JobService(database, HueyJobQueue.for_endpoints(endpoints))
    library = DocumentLibrary(database, jobs, store)
    outcome = library.import_file(long_pdf(tmp_path / "enzymes.pdf", 6))
    DocumentIndexer(database, store, embed=lambda texts: sentence_embedder.embed(texts).tolist()) \
        .index(outcome.document.id)
    jobs.complete(outcome.job_id)  # indexed here rather than by a worker
    return library, outcome.document.id


@pytest.fixture()
def digester(database):
    return DocumentDigester(database)


def _document_waits_to_be_indexed(database) -> None:
    with database.unit_of_work() as session:
        session.add(BackgroundJob(kind=INDEX_JOB_KIND, payload={}, state=JobState.QUEUED))


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _chunk_texts(database, document_id) -> list[str]:
    with database.unit_of_work() as session:
        return list(session.scalars(sa.select(DocumentChunk.text).where(DocumentChunk.document_id == document_id)
                                    .order_by(DocumentChunk.ordinal)))


def test_a_summary_is_written_when_nothing_waits_to_be_indexed(ready_document, digester, database):
    library, document_id = ready_document
    steps = []
    result = digester.digest(document_id, lambda _fraction, message: steps.append(message))
    assert "deferred" not in result
    assert steps == ["Finding key concepts", "Writing a summary"]
    document = library.get(document_id)
    assert document.summary and document.key_concepts
    assert "enzymes" in " ".join(document.key_concepts).lower()
    # Every sentence of the summary is a sentence of the document.
    text = _normalised(" ".join(_chunk_texts(database, document_id)))
    sentences = [s for s in document.summary.split(". ") if s]
    assert sentences and all(_normalised(sentence).rstrip(".") in text for sentence in sentences)


@pytest.fixture()
def topology_script(database, library_owner):
    """A ready German topology script, its pages stored as chunks the way indexing leaves them."""
    with database.unit_of_work() as session:
        document = Document(user_id=library_owner, title="Topologie", original_filename="topologie-skript.pdf",
                            content_sha256=uuid.uuid4().hex * 2, mime_type="application/pdf", size_bytes=1,
                            status=DocumentStatus.READY, chunk_count=len(TOPOLOGY_DE))
        session.add(document)
        session.flush()
        offset = 0
        for ordinal, text in enumerate(TOPOLOGY_DE):
            session.add(DocumentChunk(document_id=document.id, ordinal=ordinal, text=text, page_start=ordinal + 1,
                                      page_end=ordinal + 1, char_start=offset, char_end=offset + len(text),
                                      token_count=len(text.split())))
            offset += len(text)
        return document.id


@pytest.fixture()
def library_owner(database):
    return ProfileService(database).ensure_local_profile().id


def test_a_german_script_is_summarised_from_its_own_sentences_with_german_concepts(topology_script, digester,
                                                                                   database):
    result = digester.digest(topology_script, lambda _fraction, _message: None)
    assert result["summary_chars"] > 0
    with database.unit_of_work() as session:
        document = session.get(Document, topology_script)
        summary, concepts = document.summary, list(document.key_concepts)
    print(f"\nSummary: {summary}\nKey concepts: {concepts}")
    assert "Topologie" in summary
    chunks = [_normalised(text) for text in TOPOLOGY_DE]
    for sentence in re.split(r"(?<=\.) (?=[A-ZÄÖÜ])", summary):
        assert any(sentence in chunk for chunk in chunks), sentence
    not_concepts = frozenset().union(*STOPWORDS_BY_LANGUAGE.values(), *STRUCTURE_WORDS_BY_LANGUAGE.values())
    assert concepts and not any(word.lower() in not_concepts for concept in concepts for word in concept.split())
    assert {"Raum", "Menge", "Topologie"} & {word for concept in concepts for word in concept.split()}


def test_a_summary_steps_aside_for_a_document_that_arrived_before_it_started(ready_document, digester,
                                                                              database):
    library, document_id = ready_document
    _document_waits_to_be_indexed(database)
    steps = []
    result = digester.digest(document_id, lambda _fraction, message: steps.append(message))
    assert result["deferred"] and library.get(document_id).summary is None
    assert "Writing a summary" not in steps  # the summary's sentences were never chosen


def test_a_summary_steps_aside_for_a_document_that_arrives_while_it_is_written(ready_document, digester,
                                                                            database):
    library, document_id = ready_document
    steps = []

    def progress(_fraction: float, message: str) -> None:
        steps.append(message)
        if message == "Writing a summary":  # the sentences are about to be chosen
            _document_waits_to_be_indexed(database)

    result = digester.digest(document_id, progress)
    assert "Writing a summary" in steps
    assert result["deferred"] and library.get(document_id).summary is None


CALLERS = 6  # the worker's start and its consumer threads finishing jobs at the same moment


def test_callers_at_once_submit_one_summary_per_document(committing_database, endpoints):
    database = committing_database
    owner = ProfileService(database).ensure_local_profile().id
    with database.unit_of_work() as session:
        before = set(session.scalars(sa.select(BackgroundJob.id)))
        documents = [Document(user_id=owner, title=f"Unsummarised {n}", original_filename=f"notes-{n}.pdf",
                              content_sha256=uuid.uuid4().hex * 2, mime_type="pdf", size_bytes=1,
                              status=DocumentStatus.READY) for n in range(3)]
        session.add_all(documents)
        session.flush()
        document_ids = {str(document.id) for document in documents}
    jobs = JobService(database, HueyJobQueue.for_endpoints(endpoints))
    start = threading.Barrier(CALLERS, timeout=60)

    def submit() -> int:
        start.wait()
        return submit_pending_digests(database, jobs)

    try:
        with ThreadPoolExecutor(CALLERS) as callers:
            # result() raises what a caller raised, so no failure is lost in its thread.
            futures = [callers.submit(submit) for _ in range(CALLERS)]
            submitted = sum(future.result(timeout=60) for future in futures)
        with database.unit_of_work() as session:
            active = Counter(session.scalars(sa.select(BackgroundJob.payload["document_id"].astext).where(
                BackgroundJob.kind == DIGEST_JOB_KIND,
                BackgroundJob.state.in_((JobState.QUEUED, JobState.RUNNING)))))
        assert submitted >= len(document_ids)
        assert {document_id: active[document_id] for document_id in document_ids} \
            == dict.fromkeys(document_ids, 1)
    finally:
        # The session's database outlives this test: leave it as it was (a worker skips unknown job ids).
        with database.unit_of_work() as session:
            session.execute(sa.delete(BackgroundJob).where(BackgroundJob.id.not_in(before),
                                                           BackgroundJob.kind == DIGEST_JOB_KIND))
            session.execute(sa.delete(Document).where(Document.id.in_([uuid.UUID(i) for i in document_ids])))
