"""A document synced to a second device through the real worker: its file arrives, is indexed there, and a
card made on the first device finds its passage on the second."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa

from studyteddy_desktop.db.models import DocumentChunk, Flashcard
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.sync.document_files import fetch_arrived_files, upload_missing_files
from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.job_support import delete_when_idle
from tests.scratch_database import migrated_database
from tests.services.sync.document_devices import (arrive_card, arrive_document,
                                                  card_on_passage, chunks_of, notes_pdf, signed_in_client)


def test_a_card_made_on_one_device_finds_its_passage_once_the_other_indexed_the_file(
        services, worker, engine, endpoints, sentence_embedder, replicas, make_student, tmp_path):
    student = make_student()
    laptop = signed_in_client(replicas[0], student, "laptop")
    desktop = signed_in_client(replicas[1], student, "desktop")
    pdf, word = notes_pdf(tmp_path, f"{uuid.uuid4().hex[:8]} reactor.pdf")
    deck_name = f"Reactor {word}"
    with migrated_database(engine, "laptop") as fresh:
        first = Database(fresh.url, engine=fresh)
        store = ContentStore(tmp_path / "laptop files")
        library = DocumentLibrary(first, JobService(first, HueyJobQueue.for_endpoints(endpoints)), store)
        document_id = library.import_file(pdf).document.id
        DocumentIndexer(first, store, embed=lambda texts: sentence_embedder.embed(texts).tolist()).index(document_id)
        source = chunks_of(first, document_id)[1]
        card_id = card_on_passage(first, document_id, source, deck_name)
        assert upload_missing_files(laptop, first, store)[0] == 1

        # The pull brings the document and its card together; the file follows.
        arrive_document(first, services.database, document_id)
        arrive_card(first, services.database, card_id)
    try:
        files, _received = fetch_arrived_files(desktop, services.database, services.documents, tmp_path / "scratch")
        assert files == 1
        deadline = time.monotonic() + 240
        while True:
            with services.database.unit_of_work() as session:
                card = session.get(Flashcard, card_id)
                passage = session.get(DocumentChunk, card.source_chunk_id) if card.source_chunk_id else None
            if passage is not None:
                break
            status = services.documents.get(document_id).status
            assert status not in {"failed", "no_text", "cancelled"} and time.monotonic() < deadline, status
            time.sleep(0.2)
        assert services.documents.get(document_id).status == "ready"
        assert (card.source_chunk_id, passage.text) == (source.id, source.text) and word in passage.text
        assert not card.needs_review_flag
    finally:
        delete_when_idle(services, pdf.name, deck_name)
        laptop.close()
        desktop.close()
