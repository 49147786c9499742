"""A tutor answer never goes on unseen when its stop flag is unreadable: store gone before or mid-answer."""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.db.models import AIInteraction, ConversationThread, Document, DocumentChunk
from studyteddy_desktop.domain.enums import DocumentStatus, InteractionMode, InteractionStatus
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.domain.job_queue import cancel_key
from studyteddy_desktop.domain.tutor_dto import EVENT_SOURCES, EVENT_TOKENS
from studyteddy_desktop.runtime.bundled_redis import BundledRedis
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.postgres_shared_store import PostgresSharedStore
from studyteddy_desktop.services.core.shared_store import SharedStore
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.services.tutor.language_models import LanguageModels
from studyteddy_desktop.worker.jobs.tutor import stop_flag
from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import TutorAnswerer

DEAD_REDIS_URL = "unix:///nonexistent/studyteddy-tests/redis.sock"
# Where a runtime without Redis keeps its stop flags, on a socket directory nobody serves.
DEAD_DATABASE_URL = "postgresql+psycopg://nobody@/studyteddy?host=%2Fnonexistent%2Fst"


@pytest.fixture()
def scratch_redis() -> Iterator[BundledRedis]:
    """A Redis of the test's own, so the test may stop it without touching the session's."""
    with tempfile.TemporaryDirectory(prefix="st-redis-") as root:
        paths = DataPaths(Path(root))
        paths.prepare()
        server = BundledRedis(paths)
        server.ensure_running()
        yield server
        server.stop()


@pytest.fixture(scope="module")
def language_models(tmp_path_factory) -> LanguageModelSlot:
    return LanguageModelSlot(tmp_path_factory.mktemp("tutor-models"))


SKY_NOTES = ("Sunlight is scattered by the molecules of the air, and blue light is scattered much more than red "
             "light because its wavelength is shorter. This Rayleigh scattering is why the sky looks blue by day. "
             "At sunset the light crosses more air, the blue is scattered away, and the sky looks red.")


def _question(database: Database, embedder) -> uuid.UUID:
    """A question the student's notes cover: only those reach the model, which is what these tests stop."""
    user_id = LocalStudent(database).user_id()
    with database.unit_of_work() as session:
        document = Document(user_id=user_id, title="Sky notes", original_filename="sky.md",
                            content_sha256=uuid.uuid4().hex * 2, mime_type="text/markdown",
                            size_bytes=len(SKY_NOTES), status=DocumentStatus.READY)
        session.add(document)
        session.flush()
        session.add(DocumentChunk(document_id=document.id, ordinal=0, text=SKY_NOTES, char_start=0,
                                  char_end=len(SKY_NOTES), token_count=len(SKY_NOTES.split()),
                                  embedding=embedder.embed([SKY_NOTES])[0].tolist()))
        thread = ConversationThread(id=uuid.uuid4(), user_id=user_id, title="Stop flag tests")
        session.add(thread)
        session.flush()
        row = AIInteraction(id=uuid.uuid4(), thread_id=thread.id, user_id=user_id, mode=InteractionMode.EXPLAIN,
                            question="Explain in a few sentences why the sky looks blue.",
                            status=InteractionStatus.GENERATING)
        session.add(row)
        session.flush()
        return row.id


def _answerer(database: Database, models: LanguageModelSlot, embedder, shared_store: SharedStore,
              publish) -> TutorAnswerer:
    settings = LanguageModels(StudyPreferences(database, LocalStudent(database))).settings
    search = DocumentSearch(database, lambda text: embedder.embed_query(text))
    return TutorAnswerer(database, search, models, settings, shared_store, publish)


def _unreachable_store(kind: str) -> SharedStore:
    if kind == "redis":
        return redis.Redis.from_url(DEAD_REDIS_URL)
    return PostgresSharedStore(DEAD_DATABASE_URL, timeout_s=1)


def _row(database: Database, interaction_id: uuid.UUID) -> AIInteraction:
    with database.unit_of_work() as session:
        row = session.get(AIInteraction, interaction_id)
        assert row is not None
        session.expunge(row)
        return row


@pytest.mark.parametrize("kind", ["redis", "postgres"])
def test_an_unreadable_stop_flag_fails_the_answer_before_any_of_it_is_written(database, language_models,
                                                                              sentence_embedder, kind):
    interaction_id = _question(database, sentence_embedder)
    events: list[WorkerEvent] = []
    store = _unreachable_store(kind)
    answerer = _answerer(database, language_models, sentence_embedder, store, events.append)

    status = answerer.answer(interaction_id)

    row = _row(database, interaction_id)
    assert status == "failed" and row.status == InteractionStatus.FAILED, (status, row.answer)
    assert row.error == stop_flag.STOP_FLAG_UNREADABLE
    assert row.model_name is None and row.answer == ""
    assert not [event for event in events if event.kind == EVENT_TOKENS]
    store.close()


def test_a_stop_flag_lost_as_the_model_starts_stops_the_answer_and_keeps_what_was_shown(
        database, language_models, sentence_embedder, scratch_redis):
    interaction_id = _question(database, sentence_embedder)
    streamed: list[str] = []
    grounded: list[bool] = []

    def publish(event: WorkerEvent) -> None:
        if event.kind == EVENT_SOURCES:
            grounded.append(event.data["grounded"])
            scratch_redis.stop()  # Redis goes away as the model starts writing
        if event.kind == EVENT_TOKENS:
            streamed.append(event.data["text"])

    client = redis.Redis.from_url(scratch_redis.url)
    answerer = _answerer(database, language_models, sentence_embedder, client, publish)

    started = time.monotonic()
    status = answerer.answer(interaction_id)

    row = _row(database, interaction_id)
    assert grounded == [True], "the notes did not cover the question, so the model was not asked"
    assert status == "failed" and row.status == InteractionStatus.FAILED, (status, row.answer)
    assert row.error == stop_flag.STOP_FLAG_UNREADABLE
    # It stopped after a few unread checks, not at the end of a 400-token answer; what was shown is kept.
    assert row.completion_tokens < 200 and time.monotonic() - started < 30
    assert row.answer == "".join(streamed).strip()


def test_the_stop_flag_tolerates_a_missed_read_but_not_several_in_a_row(scratch_redis):
    work_id = uuid.uuid4()
    client = redis.Redis.from_url(scratch_redis.url)
    flag = stop_flag.StopFlag(client, work_id)
    assert flag.asked() is False
    client.set(cancel_key(work_id), b"1")
    assert flag.asked() is True

    scratch_redis.stop()
    misses = [flag.asked() for _ in range(stop_flag.UNREADABLE_STOP_CHECKS - 1)]
    assert misses == [False] * (stop_flag.UNREADABLE_STOP_CHECKS - 1)
    with pytest.raises(stop_flag.StopFlagUnreadable) as lost:
        flag.asked()
    assert lost.value.message == stop_flag.STOP_FLAG_UNREADABLE


def test_general_knowledge_is_written_only_by_a_model_able_to_and_never_as_quotes(
        database, language_models, sentence_embedder, scratch_redis, tmp_path, monkeypatch):
    from studyteddy_desktop.ai import model_files
    from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings

    # The bundled model's weights under another name, with the size rule lowered to let them count as large.
    large = tmp_path / "large-model.gguf"
    large.write_bytes(model_files.default_llm_path().read_bytes())
    monkeypatch.setattr(model_files, "GENERAL_KNOWLEDGE_MIN_BYTES", 1)
    user_id = LocalStudent(database).user_id()
    with database.unit_of_work() as session:
        thread = ConversationThread(id=uuid.uuid4(), user_id=user_id, title="General knowledge")
        session.add(thread)
        session.flush()
        asked = AIInteraction(id=uuid.uuid4(), thread_id=thread.id, user_id=user_id, mode=InteractionMode.EXPLAIN,
                              question="Name three famous paintings by Leonardo da Vinci.",
                              status=InteractionStatus.GENERATING, general_knowledge=True)
        session.add(asked)
    events: list[WorkerEvent] = []
    search = DocumentSearch(database, lambda text: sentence_embedder.embed_query(text))
    answerer = TutorAnswerer(database, search, language_models, lambda: LanguageModelSettings(model_path=str(large)),
                             redis.Redis.from_url(scratch_redis.url), events.append)

    assert answerer.answer(asked.id) == "done"

    row = _row(database, asked.id)
    assert row.grounded is False and row.quotes == [] and row.citations == []
    assert row.answer.strip() and row.completion_tokens > 0 and "<passage" not in row.answer
    assert row.answer == "".join(event.data["text"] for event in events if event.kind == EVENT_TOKENS).strip()
