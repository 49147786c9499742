"""Hostile files through the worker's indexing path: the document row ends in a final state with a reason."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from studyteddy_desktop.domain.document_errors import DocumentProblem
from studyteddy_desktop.ingest.extracted_document import ExtractionLimits
from tests.document_samples import BIOLOGY_PAGES, pdf_with_unicode_map
from tests.ingest.hostile_files import (EXTENSIONS, FORMAT_MUTATORS, GENERIC_MUTATORS, apply_mutations,
                                        cached_seeds, docx_bytes, with_zip_headers, word_xml)

FUZZ_LIMITS = ExtractionLimits(max_seconds=20)


@pytest.fixture()
def library_and_indexer(database, endpoints, sentence_embedder, tmp_path):
    from studyteddy_desktop.ingest.content_store import ContentStore
    from studyteddy_desktop.services.core.job_service import JobService
    from studyteddy_desktop.services.documents.document_library import DocumentLibrary
    from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
    from studyteddy_desktop.worker.queue import HueyJobQueue

    store = ContentStore(tmp_path / "files")
    library = DocumentLibrary(database, JobService(database, HueyJobQueue.for_endpoints(endpoints)), store)
    indexer = DocumentIndexer(database, store, embed=lambda texts: sentence_embedder.embed(texts).tolist(),
                              limits=FUZZ_LIMITS)
    return library, indexer


def _index_to_final_state(library_and_indexer, path: Path):
    library, indexer = library_and_indexer
    outcome = library.import_file(path)
    try:
        indexer.index(outcome.document.id)
    except DocumentProblem:
        pass
    return library.get(outcome.document.id)


def test_hostile_files_that_used_to_crash_the_reader_end_ready_or_failed_with_their_reason(
        library_and_indexer, tmp_path):
    surrogate = tmp_path / "maths.pdf"
    surrogate.write_bytes(pdf_with_unicode_map(b"DC00"))
    marked = tmp_path / "from word.html"
    marked.write_text("<p>Osmosis moves water.</p><![if !supportLists]><p>Diffusion moves solutes.</p>")
    locked = tmp_path / "locked.docx"
    locked.write_bytes(with_zip_headers(docx_bytes(word_xml(BIOLOGY_PAGES), content_types=False),
                                        encrypted=True))
    assert _index_to_final_state(library_and_indexer, surrogate).status == "ready"
    assert _index_to_final_state(library_and_indexer, marked).status == "ready"
    document = _index_to_final_state(library_and_indexer, locked)
    assert document.status == "failed" and "encrypted zip" in (document.status_reason or "")


@pytest.mark.parametrize(("file_format", "mutator_names"), [
    ("pdf", ["flip_bits", "truncate"]), ("pdf", ["replace_xref"]), ("docx", ["docx_xml_bytes"]),
    ("html", ["insert_invalid_utf8", "insert_nuls"]), ("text", ["insert_nuls"]), ("text", ["delete_chunk"])])
def test_a_mutated_file_through_the_pipeline_ends_in_a_final_state_with_a_reason(
        library_and_indexer, tmp_path, file_format, mutator_names):
    mutators = {mutator.__name__: mutator for mutator in FORMAT_MUTATORS[file_format] + GENERIC_MUTATORS}
    hostile = apply_mutations(file_format, cached_seeds()[file_format][0],
                              [mutators[name] for name in mutator_names], random.Random(7))
    path = tmp_path / f"hostile{EXTENSIONS[file_format]}"
    path.write_bytes(hostile.data)
    try:
        document = _index_to_final_state(library_and_indexer, path)
    except DocumentProblem as refused:  # refused at import: no row, and the student is told why
        assert refused.message.strip()
        return
    assert document.status in {"ready", "failed", "no_text", "needs_password"}
    assert document.status == "ready" or (document.status_reason or "").strip()
