"""Hybrid search: meaning and exact words both find the right page; filters and bad queries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.models import Document, UserProfile
from studyteddy_desktop.domain.enums import DocumentStatus
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.documents.document_search import DocumentSearch, fuse_rankings
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.document_samples import BIOLOGY_PAGES, text_pdf

MAX_RESULTS = 100

BIOLOGY = f"Biology {uuid.uuid4().hex[:6]}"
HISTORY = f"History {uuid.uuid4().hex[:6]}"
HISTORY_PAGES = [
    "The French Revolution began in 1789 with the storming of the Bastille in Paris.",
    "Napoleon Bonaparte crowned himself emperor in 1804 and reshaped European law with his code.",
]


@pytest.fixture()
def indexed(database, endpoints, sentence_embedder, tmp_path):
    store = ContentStore(tmp_path / "files")
    library = DocumentLibrary(database, JobService(database, HueyJobQueue.for_endpoints(endpoints)), store)
    indexer = DocumentIndexer(database, store, embed=lambda texts: sentence_embedder.embed(texts).tolist())
    # Subjects unique to this test: other tests may have committed documents on the same topics.
    biology = library.import_file(text_pdf(tmp_path / "biology.pdf", BIOLOGY_PAGES), subject=BIOLOGY)
    history = library.import_file(text_pdf(tmp_path / "history.pdf", HISTORY_PAGES), subject=HISTORY)
    for outcome in (biology, history):
        indexer.index(outcome.document.id)
    search = DocumentSearch(database, sentence_embedder.embed_query, LocalStudent(database).user_id)
    return search, biology.document, history.document


HIDDEN = f"Botany {uuid.uuid4().hex[:6]}"
HIDDEN_PAGES = {
    "indexing": "Quillwort spores drift across the cold lake where the quillwort grows underwater.",
    "deleted": "A quillwort keeps its leaves all winter, and quillwort roots anchor it in sand.",
    "other user": "Every quillwort is a lycophyte; the quillwort family has about two hundred species.",
}


@pytest.fixture()
def hidden(indexed, database, sentence_embedder, endpoints, tmp_path):
    """Three indexed documents no search of this student may reach, each for another reason."""
    store = ContentStore(tmp_path / "hidden-files")
    library = DocumentLibrary(database, JobService(database, HueyJobQueue.for_endpoints(endpoints)), store)
    indexer = DocumentIndexer(database, store, embed=lambda texts: sentence_embedder.embed(texts).tolist())
    documents = {}
    for reason, text in HIDDEN_PAGES.items():
        outcome = library.import_file(text_pdf(tmp_path / f"{reason}.pdf", [text]), subject=HIDDEN)
        indexer.index(outcome.document.id)
        documents[reason] = outcome.document.id
    with database.unit_of_work() as session:
        # Re-indexing writes fresh chunks batch by batch while the document is not ready yet.
        session.execute(sa.update(Document).where(Document.id == documents["indexing"])
                        .values(status=DocumentStatus.EMBEDDING))
        # A tombstone whose chunks are still there: deleted while the worker was still writing them.
        session.execute(sa.update(Document).where(Document.id == documents["deleted"])
                        .values(deleted_at=sa.func.now()))
        # Later than the local profile, so it stays the local student.
        other = UserProfile(display_name="Another student", created_at=datetime.now(UTC) + timedelta(days=1))
        session.add(other)
        session.flush()
        session.execute(sa.update(Document).where(Document.id == documents["other user"])
                        .values(user_id=other.id))
    return documents


def test_documents_still_indexing_deleted_or_of_another_student_are_never_found(indexed, hidden):
    search, biology, _history = indexed
    hidden_ids = set(hidden.values())
    unfiltered = search.search("quillwort", limit=MAX_RESULTS)
    assert unfiltered and not {hit.document_id for hit in unfiltered} & hidden_ids
    assert not {hit.document_id for hit in search.search("Which lycophyte grows underwater in lakes?",
                                                          limit=MAX_RESULTS)} & hidden_ids
    assert search.search("quillwort", subject=HIDDEN) == []
    assert search.search("quillwort", document_ids=list(hidden_ids)) == []
    by_documents = search.search("quillwort", limit=MAX_RESULTS, document_ids=[*hidden_ids, biology.id])
    assert {hit.document_id for hit in by_documents} == {biology.id}
    # Whose documents a search covers can be named, as the worker's tutor does for each question.
    with search.database.unit_of_work() as session:
        other = session.scalar(sa.select(Document.user_id).where(Document.id == hidden["other user"]))
    theirs = search.search("quillwort", limit=MAX_RESULTS, user_id=other)
    assert {hit.document_id for hit in theirs} == {hidden["other user"]}


def test_a_question_in_other_words_finds_the_page_that_answers_it(indexed):
    search, biology, _history = indexed
    top = search.search("Which process releases oxygen by splitting water?", limit=3, subject=BIOLOGY)[0]
    assert (top.document_id, top.page) == (biology.id, 1)


def test_an_exact_term_finds_its_page(indexed):
    search, biology, _history = indexed
    hits = search.search("Krebs", limit=5, document_ids=[biology.id, _history.id])
    assert (hits[0].document_id, hits[0].page) == (biology.id, 3)
    assert "«Krebs»" in hits[0].snippet


def test_filters_by_document_and_subject(indexed):
    search, biology, history = indexed
    assert {hit.document_id for hit in search.search("emperor", subject=BIOLOGY.lower())} == {biology.id}
    assert {hit.document_id for hit in search.search("energy", document_ids=[history.id])} == {history.id}
    assert search.search("energy", document_ids=[uuid.uuid4()]) == []


@pytest.mark.parametrize("query", ["", "   ", "x" * 1001, "\x00\x01"])
def test_empty_and_huge_queries_are_refused(indexed, query):
    with pytest.raises(InvalidInputError):
        indexed[0].search(query)


@pytest.mark.parametrize("query", ["a & | ! ( :* <-> ')", "'; DROP TABLE document_chunks; --",
                                   "\"unclosed quote", "ΣΨΩ 光合作用"])
def test_hostile_queries_return_results_or_nothing_but_never_fail(indexed, query):
    search = indexed[0]
    hits = search.search(query, limit=5)
    # The meaning half ranks every passage, so even a query of symbols reaches both documents and
    # the limit takes the best of the full ranking: distinct passages, best first.
    ranking = [hit.chunk_id for hit in search.search(query, limit=MAX_RESULTS)]
    assert len(ranking) >= 2 and len(set(ranking)) == len(ranking)
    assert [hit.chunk_id for hit in hits] == ranking[:5]
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert [hit.chunk_id for hit in search.search(query, limit=1)] == ranking[:1]
    assert search.search("chlorophyll")


def test_limits_outside_the_range_are_refused(indexed):
    with pytest.raises(InvalidInputError):
        indexed[0].search("cells", limit=0)


def test_reciprocal_rank_fusion_rewards_agreement():
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fused = fuse_rankings([[a, b, c], [c, b]])
    assert [item for item, _score in fused][0] in (b, c)
    assert dict(fused)[b] == pytest.approx(1 / 62 + 1 / 62)
