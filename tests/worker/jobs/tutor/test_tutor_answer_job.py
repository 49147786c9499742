"""A tutor answer never goes on unseen when its stop flag cannot be read: Redis gone before or mid-answer."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.db.models import AIInteraction, ConversationThread
from studyteddy_desktop.domain.enums import InteractionMode, InteractionStatus
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.domain.job_queue import cancel_key
from studyteddy_desktop.domain.tutor_dto import EVENT_TOKENS
from studyteddy_desktop.runtime.bundled_redis import BundledRedis
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.services.tutor.language_models import LanguageModels
from studyteddy_desktop.worker.jobs.tutor import tutor_answer_job as answer_job
from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import TutorAnswerer

DEAD_REDIS_URL = "unix:///nonexistent/studyteddy-tests/redis.sock"


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


def _question(database: Database) -> uuid.UUID:
    user_id = LocalStudent(database).user_id()
    with database.unit_of_work() as session:
        thread = ConversationThread(id=uuid.uuid4(), user_id=user_id, title="Stop flag tests")
        session.add(thread)
        session.flush()
        row = AIInteraction(id=uuid.uuid4(), thread_id=thread.id, user_id=user_id, mode=InteractionMode.EXPLAIN,
                            question="Explain in a few sentences why the sky looks blue.",
                            status=InteractionStatus.GENERATING)
        session.add(row)
        session.flush()
        return row.id


def _answerer(database: Database, models: LanguageModelSlot, embedder, client: redis.Redis,
              publish) -> TutorAnswerer:
    settings = LanguageModels(StudyPreferences(database, LocalStudent(database))).settings
    search = DocumentSearch(database, lambda text: embedder.embed_query(text))
    return TutorAnswerer(database, search, models, settings, client, publish)


def _row(database: Database, interaction_id: uuid.UUID) -> AIInteraction:
    with database.unit_of_work() as session:
        row = session.get(AIInteraction, interaction_id)
        assert row is not None
        session.expunge(row)
        return row


def test_an_unreadable_stop_flag_fails_the_answer_before_any_of_it_is_written(database, language_models,
                                                                              sentence_embedder):
    interaction_id = _question(database)
    events: list[WorkerEvent] = []
    client = redis.Redis.from_url(DEAD_REDIS_URL)
    answerer = _answerer(database, language_models, sentence_embedder, client, events.append)

    status = answerer.answer(interaction_id)

    row = _row(database, interaction_id)
    assert status == "failed" and row.status == InteractionStatus.FAILED, (status, row.answer)
    assert row.error == answer_job.STOP_FLAG_UNREADABLE
    assert row.model_name is None and row.answer == ""
    assert not [event for event in events if event.kind == EVENT_TOKENS]


def test_a_stop_flag_lost_mid_answer_stops_the_answer_and_keeps_its_text(database, language_models,
                                                                         sentence_embedder, scratch_redis):
    interaction_id = _question(database)
    streamed: list[str] = []

    def publish(event: WorkerEvent) -> None:
        if event.kind == EVENT_TOKENS:
            if not streamed:
                scratch_redis.stop()  # Redis goes away while the model is writing
            streamed.append(event.data["text"])

    client = redis.Redis.from_url(scratch_redis.url)
    answerer = _answerer(database, language_models, sentence_embedder, client, publish)

    status = answerer.answer(interaction_id)

    row = _row(database, interaction_id)
    assert streamed, "the model wrote nothing, so Redis was never stopped"
    assert status == "failed" and row.status == InteractionStatus.FAILED, (status, row.answer)
    assert row.error == answer_job.STOP_FLAG_UNREADABLE
    assert row.answer and row.answer.startswith(streamed[0].strip()[:10])


def test_the_stop_flag_tolerates_a_missed_read_but_not_several_in_a_row(scratch_redis):
    work_id = uuid.uuid4()
    client = redis.Redis.from_url(scratch_redis.url)
    flag = answer_job.StopFlag(client, work_id)
    assert flag.asked() is False
    client.set(cancel_key(work_id), b"1")
    assert flag.asked() is True

    scratch_redis.stop()
    misses = [flag.asked() for _ in range(answer_job.UNREADABLE_STOP_CHECKS - 1)]
    assert misses == [False] * (answer_job.UNREADABLE_STOP_CHECKS - 1)
    with pytest.raises(answer_job.StopFlagUnreadable) as lost:
        flag.asked()
    assert lost.value.message == answer_job.STOP_FLAG_UNREADABLE
