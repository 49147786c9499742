"""Summaries make way for indexing, whether a document arrives before they start or during."""

from __future__ import annotations

import pytest

from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.domain.job_queue import INDEX_JOB_KIND
from studyteddy_desktop.domain.enums import JobState
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.worker.jobs.documents.digest_job import DocumentDigester
from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.tutor.language_models import LanguageModels
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.document_samples import long_pdf


@pytest.fixture()
def ready_document(database, endpoints, sentence_embedder, tmp_path):
    store = ContentStore(tmp_path / "files")
    jobs = JobService(database, HueyJobQueue(endpoints.redis_url))
    library = DocumentLibrary(database, jobs, store)
    outcome = library.import_file(long_pdf(tmp_path / "enzymes.pdf", 6))
    DocumentIndexer(database, store, embed=lambda texts: sentence_embedder.embed(texts).tolist()) \
        .index(outcome.document.id)
    jobs.complete(outcome.job_id)  # indexed here rather than by a worker
    return library, outcome.document.id


@pytest.fixture()
def digester(database, tmp_path):
    settings = LanguageModels(StudyPreferences(database, LocalStudent(database))).settings
    return DocumentDigester(database, LanguageModelSlot(tmp_path / "models"), settings)


def _document_waits_to_be_indexed(database) -> None:
    with database.unit_of_work() as session:
        session.add(BackgroundJob(kind=INDEX_JOB_KIND, payload={}, state=JobState.QUEUED))


def test_a_summary_is_written_when_nothing_waits_to_be_indexed(ready_document, digester):
    library, document_id = ready_document
    result = digester.digest(document_id, lambda _fraction, _message: None)
    assert "deferred" not in result
    document = library.get(document_id)
    assert document.summary and document.key_concepts


def test_a_summary_steps_aside_for_a_document_that_arrived_before_it_started(ready_document, digester,
                                                                              database):
    library, document_id = ready_document
    _document_waits_to_be_indexed(database)
    steps = []
    result = digester.digest(document_id, lambda _fraction, message: steps.append(message))
    assert result["deferred"] and library.get(document_id).summary is None
    assert "Writing a summary" not in steps  # the language model was never asked


def test_a_summary_steps_aside_for_a_document_that_arrives_while_it_is_written(ready_document, digester,
                                                                            database):
    library, document_id = ready_document
    steps = []

    def progress(_fraction: float, message: str) -> None:
        steps.append(message)
        if message == "Writing a summary":  # the model is about to read the prompt
            _document_waits_to_be_indexed(database)

    result = digester.digest(document_id, progress)
    assert "Writing a summary" in steps
    assert result["deferred"] and library.get(document_id).summary is None
