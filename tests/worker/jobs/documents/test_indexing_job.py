"""Importing and indexing documents with the real embedder: states, resumption, cancel, delete."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.models import DocumentChunk, DocumentPage
from studyteddy_desktop.domain.document_errors import (NoExtractableTextError, PasswordRequiredError,
                                                       SourceFileMissingError, UnsupportedFileTypeError,
                                                       WrongPasswordError)
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.document_samples import BIOLOGY_PAGES, image_only_pdf, long_pdf, text_pdf


class _Crash(Exception):
    """Stands in for the worker dying mid-document."""


@pytest.fixture()
def store(tmp_path):
    return ContentStore(tmp_path / "files")


@pytest.fixture()
def library(database, endpoints, store):
    return DocumentLibrary(database, JobService(database, HueyJobQueue.for_endpoints(endpoints)), store)


@pytest.fixture()
def indexer(database, store, sentence_embedder):
    return DocumentIndexer(database, store, embed=lambda texts: sentence_embedder.embed(texts).tolist())


def _chunks(database, document_id):
    with database.unit_of_work() as session:
        return list(session.execute(sa.select(DocumentChunk.ordinal, DocumentChunk.text,
                                              DocumentChunk.page_start, DocumentChunk.embedding.is_not(None))
                                    .where(DocumentChunk.document_id == document_id)
                                    .order_by(DocumentChunk.ordinal)))


def test_a_pdf_is_indexed_with_pages_chunks_and_embeddings(library, indexer, database, tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES), subject="Biology")
    assert outcome.document.status == "queued" and not outcome.duplicate
    result = indexer.index(outcome.document.id)
    document = library.get(outcome.document.id)
    assert (document.status, document.page_count, document.format_name) == ("ready", 3, "PDF")
    assert document.chunk_count == result.chunks == len(_chunks(database, document.id)) >= 1
    assert all(embedded for *_rest, embedded in _chunks(database, document.id))
    detail = library.detail(document.id)
    assert [page.page_number for page in detail.pages] == [1, 2, 3]
    assert "RuBisCO" in detail.pages[1].text


def test_importing_the_same_file_twice_indexes_it_once(library, tmp_path):
    pdf = text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES)
    first = library.import_file(pdf)
    copy = tmp_path / "renamed copy.pdf"
    copy.write_bytes(pdf.read_bytes())
    second = library.import_file(copy)
    # Still queued: the second import follows the first one's job instead of starting another.
    assert second.duplicate and second.document.id == first.document.id and second.job_id == first.job_id
    assert [d.id for d in library.list_documents()].count(first.document.id) == 1
    assert not any(d.original_filename == "renamed copy.pdf" for d in library.list_documents())


def test_an_interrupted_run_is_finished_by_the_next_with_no_duplicate_or_missing_chunk(
        library, database, store, sentence_embedder, tmp_path):
    outcome = library.import_file(long_pdf(tmp_path / "enzymes.pdf", 40))
    calls = []

    def dying_embed(texts):
        calls.append(len(texts))
        if len(calls) == 2:
            raise _Crash()
        return sentence_embedder.embed(texts).tolist()

    with pytest.raises(_Crash):
        DocumentIndexer(database, store, embed=dying_embed).index(outcome.document.id)
    embedded_before = sum(1 for *_rest, embedded in _chunks(database, outcome.document.id) if embedded)
    assert embedded_before == calls[0] > 0
    reembedded = []

    def counting_embed(texts):
        reembedded.extend(texts)
        return sentence_embedder.embed(texts).tolist()

    result = DocumentIndexer(database, store, embed=counting_embed).index(outcome.document.id)
    chunks = _chunks(database, outcome.document.id)
    assert [ordinal for ordinal, *_rest in chunks] == list(range(result.chunks))
    assert all(embedded for *_rest, embedded in chunks)
    assert len(reembedded) == result.chunks - embedded_before


def test_running_the_same_job_twice_leaves_the_same_rows(library, indexer, database, tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES * 3))
    indexer.index(outcome.document.id)
    before = _chunks(database, outcome.document.id)
    library.retry(outcome.document.id)
    indexer.index(outcome.document.id)
    assert _chunks(database, outcome.document.id) == before


def test_an_image_only_pdf_ends_in_the_no_text_state(library, indexer, tmp_path):
    outcome = library.import_file(image_only_pdf(tmp_path / "scan.pdf", tmp_path))
    with pytest.raises(NoExtractableTextError):
        indexer.index(outcome.document.id)
    document = library.get(outcome.document.id)
    assert document.status == "no_text" and "OCR" in document.status_reason


def test_an_encrypted_pdf_waits_for_its_password_then_indexes(library, indexer, tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "locked.pdf", BIOLOGY_PAGES, user_password="pw"))
    with pytest.raises(PasswordRequiredError):
        indexer.index(outcome.document.id)
    assert library.get(outcome.document.id).status == "needs_password"
    library.unlock(outcome.document.id, "wrong")
    with pytest.raises(WrongPasswordError):
        indexer.index(outcome.document.id, password="wrong")
    assert "does not open" in library.get(outcome.document.id).status_reason
    library.unlock(outcome.document.id, "pw")
    indexer.index(outcome.document.id, password="pw")
    assert library.get(outcome.document.id).status == "ready"
    with pytest.raises(InvalidInputError):
        library.unlock(outcome.document.id, "")


def test_cancelling_mid_run_stops_and_clears_what_was_written(library, database, store, sentence_embedder,
                                                                tmp_path):
    outcome = library.import_file(long_pdf(tmp_path / "long.pdf", 12))

    cancelled = []

    def cancelling_embed(texts):
        # Only before the first write: this test's database is one connection, which the
        # indexer's writer thread would otherwise be using at the same moment.
        if not cancelled:
            cancelled.append(library.cancel(outcome.document.id))
        return sentence_embedder.embed(texts).tolist()

    result = DocumentIndexer(database, store, embed=cancelling_embed).index(outcome.document.id)
    assert result.status == "cancelled"
    assert library.get(outcome.document.id).status == "cancelled"
    assert _chunks(database, outcome.document.id) == []
    library.retry(outcome.document.id)
    assert library.get(outcome.document.id).status == "queued"


def test_deleting_a_document_removes_its_chunks_pages_and_file(library, indexer, database, store, tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES))
    indexer.index(outcome.document.id)
    stored = library.detail(outcome.document.id).stored_file
    library.delete(outcome.document.id)
    assert _chunks(database, outcome.document.id) == []
    with database.unit_of_work() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(DocumentPage)
                              .where(DocumentPage.document_id == outcome.document.id)) == 0
    assert not __import__("pathlib").Path(stored).exists()
    with pytest.raises(NotFoundError):
        library.get(outcome.document.id)
    again = library.import_file(tmp_path / "bio.pdf")
    assert not again.duplicate


def test_a_stored_file_that_vanished_before_indexing_fails_clearly(library, indexer, store, tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES))
    store.remove(library.detail(outcome.document.id).stored_file.split("/files/")[-1])
    with pytest.raises(SourceFileMissingError):
        indexer.index(outcome.document.id)
    assert "moved or deleted" in library.get(outcome.document.id).status_reason


def test_the_original_may_be_deleted_after_import_because_a_copy_is_kept(library, indexer, tmp_path):
    original = text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES)
    outcome = library.import_file(original)
    original.unlink()
    indexer.index(outcome.document.id)
    assert library.get(outcome.document.id).status == "ready"


@pytest.mark.parametrize("make, error", [
    (lambda tmp: tmp / "missing.pdf", SourceFileMissingError),
    (lambda tmp: (tmp / "empty.txt").write_bytes(b"") and tmp / "empty.txt" or tmp / "empty.txt",
     UnsupportedFileTypeError),
    (lambda tmp: tmp, UnsupportedFileTypeError),
])
def test_files_that_cannot_be_imported_leave_no_document(library, tmp_path, make, error):
    before = library.list_documents()
    with pytest.raises(error):
        library.import_file(make(tmp_path))
    assert library.list_documents() == before


def test_subjects_and_titles_are_validated(library, tmp_path):
    outcome = library.import_file(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES))
    assert library.set_subject(outcome.document.id, "  Cell   Biology ").subject == "Cell Biology"
    with pytest.raises(InvalidInputError):
        library.set_subject(outcome.document.id, "x" * 121)
    with pytest.raises(InvalidInputError):
        library.rename(outcome.document.id, "   ")
    assert library.rename(outcome.document.id, "<b>Bio</b>'; DROP TABLE documents;--").title.startswith("<b>")
