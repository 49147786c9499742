"""Documents across two devices: stable passage ids, adopting a synced file, and files through a real server."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.models import BackgroundJob, Document, DocumentChunk, Flashcard
from studyteddy_desktop.domain.job_queue import INDEX_JOB_KIND
from studyteddy_desktop.domain.sync_dto import SyncError
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.ingest.passage_identity import passage_id
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.flashcards.card_links import relink_cards
from studyteddy_desktop.services.sync.document_files import (WAITING_FOR_FILE, fetch_arrived_files,
                                                             upload_missing_files)
from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.scratch_database import migrated_database
from tests.services.sync.document_devices import (arrive_card, arrive_document,
                                                  card_on_passage, chunks_of, notes_pdf, signed_in_client,
                                                  stored_path_of)


@dataclass
class Device:
    database: Database
    store: ContentStore
    library: DocumentLibrary
    indexer: DocumentIndexer
    scratch: Path


@pytest.fixture(scope="module")
def devices(engine, endpoints, sentence_embedder, tmp_path_factory) -> Iterator[tuple[Device, Device]]:
    """Two devices of one student: a database, a file store and a library each."""
    queue = HueyJobQueue.for_endpoints(endpoints)
    with migrated_database(engine, "device_a") as first, migrated_database(engine, "device_b") as second:
        made = []
        for name, fresh in (("a", first), ("b", second)):
            database = Database(fresh.url, engine=fresh)
            store = ContentStore(tmp_path_factory.mktemp(f"device-{name}") / "files")
            made.append(Device(database, store, DocumentLibrary(database, JobService(database, queue), store),
                               DocumentIndexer(database, store,
                                               embed=lambda texts: sentence_embedder.embed(texts).tolist()),
                               tmp_path_factory.mktemp(f"scratch-{name}")))
        yield made[0], made[1]


def _index_jobs(device: Device, document_id: uuid.UUID) -> list[BackgroundJob]:
    with device.database.unit_of_work() as session:
        return list(session.scalars(sa.select(BackgroundJob).where(
            BackgroundJob.kind == INDEX_JOB_KIND, BackgroundJob.payload["document_id"].astext == str(document_id))))


def test_passage_ids_come_from_the_document_and_survive_reindexing(devices, tmp_path):
    device, _other = devices
    document_id = device.library.import_file(notes_pdf(tmp_path, "reactor.pdf")[0]).document.id
    device.indexer.index(document_id)
    with device.database.unit_of_work() as session:
        sha256 = session.get(Document, document_id).content_sha256
    first = chunks_of(device.database, document_id)
    assert len(first) >= 2
    assert [chunk.id for chunk in first] == [passage_id(document_id, sha256, chunk.char_start, chunk.char_end)
                                             for chunk in first]

    device.library.retry(document_id)
    device.indexer.index(document_id)
    assert chunks_of(device.database, document_id) == first

    # Rows as an older version left them: a random id, and each passage's id held at another ordinal,
    # so inserting the new rows before the old ones go would collide on the primary key.
    with device.database.unit_of_work() as session:
        session.execute(sa.update(DocumentChunk).where(DocumentChunk.document_id == document_id,
                                                       DocumentChunk.ordinal == 0)
                        .values(id=sa.func.gen_random_uuid()))
        session.execute(sa.update(DocumentChunk).where(DocumentChunk.document_id == document_id)
                        .values(ordinal=DocumentChunk.ordinal + 1000))
    device.library.retry(document_id)
    result = device.indexer.index(document_id)
    assert result.status == "ready" and result.embedded == len(first)
    assert chunks_of(device.database, document_id) == first


def test_a_synced_file_is_adopted_once_and_queued_for_indexing(devices, tmp_path):
    first, second = devices
    pdf, _word = notes_pdf(tmp_path, "adopt.pdf")
    document_id = first.library.import_file(pdf).document.id
    arrive_document(first.database, second.database, document_id)
    assert second.library.get(document_id).status == "queued"
    assert second.library.detail(document_id).stored_file is None and _index_jobs(second, document_id) == []
    # The indexer leaves a document without its file alone, instead of failing it.
    assert second.indexer.index(document_id).status == "skipped"

    adopted = second.library.adopt_synced_file(document_id, pdf)
    assert adopted.status == "queued"
    stored = second.library.detail(document_id).stored_file
    assert stored is not None and stored.endswith(".pdf") and Path(stored).read_bytes() == pdf.read_bytes()
    jobs = _index_jobs(second, document_id)
    assert [job.state for job in jobs] == ["queued"]

    again = second.library.adopt_synced_file(document_id, pdf)
    assert again.id == document_id and [job.id for job in _index_jobs(second, document_id)] == [jobs[0].id]
    assert second.indexer.index(document_id).status == "ready"


def test_a_file_with_other_bytes_is_refused_and_the_document_keeps_waiting(devices, tmp_path):
    first, second = devices
    document_id = first.library.import_file(notes_pdf(tmp_path, "real.pdf")[0]).document.id
    arrive_document(first.database, second.database, document_id)
    impostor, _word = notes_pdf(tmp_path, "impostor.pdf")
    second.store.root.mkdir(parents=True, exist_ok=True)
    files_before = sorted(path for path in second.store.root.rglob("*") if path.is_file())

    with pytest.raises(SyncError, match="not the one your other device uploaded"):
        second.library.adopt_synced_file(document_id, impostor)
    assert second.library.get(document_id).status == "queued"
    assert second.library.detail(document_id).stored_file is None
    assert _index_jobs(second, document_id) == []
    assert sorted(path for path in second.store.root.rglob("*") if path.is_file()) == files_before


def test_a_file_goes_up_from_one_device_and_down_to_the_other(devices, replicas, make_student,  # noqa: F811
                                                              tmp_path, caplog):
    first, second = devices
    student = make_student()
    laptop = signed_in_client(replicas[0], student, "laptop")
    desktop = signed_in_client(replicas[1], student, "desktop")
    pdf, _word = notes_pdf(tmp_path, "transfer.pdf")
    document_id = first.library.import_file(pdf).document.id
    arrive_document(first.database, second.database, document_id)

    # Not uploaded yet: the document waits, saying why, and the next sync tries again.
    assert fetch_arrived_files(desktop, second.database, second.library, second.scratch) == (0, 0)
    waiting = second.library.get(document_id)
    assert (waiting.status, waiting.status_reason) == ("queued", WAITING_FOR_FILE)

    ticks: list[tuple[int, int]] = []
    files, sent = upload_missing_files(laptop, first.database, first.store,
                                       lambda done, total: ticks.append((done, total)))
    assert files >= 1 and sent >= pdf.stat().st_size and ticks[0] == (0, files) and ticks[-1] == (files, files)
    assert upload_missing_files(laptop, first.database, first.store) == (0, 0)

    files, received = fetch_arrived_files(desktop, second.database, second.library, second.scratch)
    assert files >= 1 and received >= pdf.stat().st_size
    arrived = second.library.detail(document_id)
    assert (arrived.document.status, arrived.document.status_reason) == ("queued", None)
    assert Path(arrived.stored_file).read_bytes() == pdf.read_bytes()
    assert [job.state for job in _index_jobs(second, document_id)] == ["queued"]
    assert list(second.scratch.iterdir()) == []
    assert fetch_arrived_files(desktop, second.database, second.library, second.scratch) == (0, 0)
    assert [job.state for job in _index_jobs(second, document_id)] == ["queued"]

    # A file gone from the store is skipped, said in the log, and tried again next time.
    gone_id = first.library.import_file(notes_pdf(tmp_path, "gone.pdf")[0]).document.id
    first.store.path_of(stored_path_of(first.database, gone_id)).unlink()
    with caplog.at_level(logging.WARNING, logger="studyteddy_desktop.services.sync.document_files"):
        assert upload_missing_files(laptop, first.database, first.store) == (0, 0)
    assert "missing from the store" in caplog.text
    with first.database.unit_of_work() as session:
        sha256 = session.get(Document, gone_id).content_sha256
        assert session.scalar(sa.text("SELECT count(*) FROM sync_uploaded_files WHERE sha256 = :sha"),
                              {"sha": sha256}) == 0
    laptop.close()
    desktop.close()


def test_a_card_follows_its_passage_to_the_other_device(devices, replicas, make_student, tmp_path):  # noqa: F811
    first, second = devices
    student = make_student()
    laptop = signed_in_client(replicas[0], student, "laptop")
    desktop = signed_in_client(replicas[2], student, "desktop")
    pdf, word = notes_pdf(tmp_path, "cards.pdf")
    document_id = first.library.import_file(pdf).document.id
    first.indexer.index(document_id)
    source = chunks_of(first.database, document_id)[-1]
    card_id = card_on_passage(first.database, document_id, source, f"Reactor {word}")

    arrive_document(first.database, second.database, document_id)
    upload_missing_files(laptop, first.database, first.store)
    assert fetch_arrived_files(desktop, second.database, second.library, second.scratch)[0] == 1
    assert second.indexer.index(document_id).status == "ready"
    # The card arrives after the document was indexed here: sync re-links it.
    arrive_card(first.database, second.database, card_id)
    assert relink_cards(second.database, document_id) == {"relinked": 1, "flagged": 0}
    with second.database.unit_of_work() as session:
        card = session.get(Flashcard, card_id)
        passage = session.get(DocumentChunk, card.source_chunk_id)
        assert card.source_chunk_id == source.id and passage.text == source.text and word in passage.text
        assert not card.needs_review_flag
    assert relink_cards(second.database, document_id) == {"relinked": 0, "flagged": 0}
    laptop.close()
    desktop.close()
