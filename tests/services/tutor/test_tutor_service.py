"""Tutor threads and answers as records: rename, delete with undo, ratings, scopes, bad input."""

from __future__ import annotations

import uuid

import pytest

from studyteddy_desktop.db.models import AIInteraction
from studyteddy_desktop.domain.enums import InteractionStatus
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.shared_store import SharedStore, open_shared_store
from studyteddy_desktop.domain.job_queue import cancel_key
from studyteddy_desktop.services.tutor.tutor_service import TutorService
from studyteddy_desktop.worker.queue import HueyJobQueue


@pytest.fixture()
def tutor(database, endpoints) -> TutorService:
    queue = HueyJobQueue.for_endpoints(endpoints)
    yield TutorService(database, LocalStudent(database), queue)
    queue.close()


@pytest.fixture()
def shared_store(endpoints) -> SharedStore:
    """Where the queue raises stop flags: the session's Redis, or PostgreSQL where the queue runs there."""
    store = open_shared_store(endpoints.redis_url, endpoints.database_url)
    yield store
    store.close()


def _finished(database, tutor: TutorService, thread_id, question: str, answer: str) -> uuid.UUID:
    """An answer as the worker leaves it, written directly: these tests need no model."""
    with database.unit_of_work() as session:
        row = AIInteraction(thread_id=thread_id, user_id=tutor.student.user_id(), mode="explain", question=question,
                            answer=answer, status=InteractionStatus.DONE, grounded=True)
        session.add(row)
        session.flush()
        return row.id


def test_threads_are_created_renamed_and_listed(tutor):
    first = tutor.create_thread("Cells")
    second = tutor.create_thread("  Thermo   dynamics ")
    assert second.title == "Thermo dynamics"
    renamed = tutor.rename_thread(first.id, "Cell biology revision")
    assert renamed.title == "Cell biology revision"
    titles = [thread.title for thread in tutor.list_threads()]
    assert {"Cell biology revision", "Thermo dynamics"} <= set(titles)
    with pytest.raises(InvalidInputError, match="needs a name"):
        tutor.rename_thread(first.id, "   ")
    assert len(tutor.rename_thread(first.id, "x" * 500).title) == 120


def test_deleting_a_thread_can_be_undone_with_its_answers(database, tutor):
    thread = tutor.create_thread("History")
    answer_id = _finished(database, tutor, thread.id, "Why 1914?", "Because of [1].")
    tutor.delete_thread(thread.id)
    assert thread.id not in [t.id for t in tutor.list_threads()]
    with pytest.raises(NotFoundError):
        tutor.interactions(thread.id)
    restored = tutor.restore_thread(thread.id)
    assert restored.interaction_count == 1
    assert [a.id for a in tutor.interactions(thread.id)] == [answer_id]


def test_ratings_are_one_to_five_and_only_for_finished_answers(database, tutor):
    thread = tutor.create_thread("Ratings")
    answer_id = _finished(database, tutor, thread.id, "Q", "A")
    assert tutor.rate(answer_id, 4).feedback_rating == 4
    assert tutor.rate(answer_id, None).feedback_rating is None
    for bad in (0, 6, 2.5, True):
        with pytest.raises(InvalidInputError, match="1 to 5"):
            tutor.rate(answer_id, bad)
    asked = tutor.ask("What is entropy?", thread_id=thread.id)
    with pytest.raises(InvalidInputError, match="once it is finished"):
        tutor.rate(asked.id, 5)
    with pytest.raises(InvalidInputError, match="still being written"):
        tutor.retry(asked.id)


def test_asking_records_the_question_and_a_scope_that_later_questions_keep(database, tutor, shared_store):
    asked = tutor.ask("  What is a phospholipid?  ")
    assert asked.question == "What is a phospholipid?" and asked.status == "generating" and asked.grounded is None
    thread = next(t for t in tutor.list_threads() if t.id == asked.thread_id)
    assert thread.title == "What is a phospholipid?" and thread.document_ids == ()
    tutor.cancel(asked.id)
    assert shared_store.exists(cancel_key(asked.id))
    interrupted = tutor.mark_interrupted(asked.id, "The worker stopped.")
    assert interrupted.status == "failed" and interrupted.error == "The worker stopped."
    shared_store.delete(cancel_key(asked.id))


def test_hostile_and_odd_questions_are_stored_verbatim_and_safely(tutor):
    hostile = "'); DROP TABLE ai_interactions; -- <script>alert(1)</script> \x00 ünïcødé 🧪"
    asked = tutor.ask(hostile)
    assert asked.question == hostile.replace("\x00", "").strip()
    with pytest.raises(InvalidInputError, match="Type a question"):
        tutor.ask("\x00\x00  ")


def test_another_students_thread_and_answers_stay_out_of_reach(database, tutor):
    from studyteddy_desktop.db.models import ConversationThread, UserProfile

    tutor.student.user_id()  # this installation's student first, then a second account beside it
    with database.unit_of_work() as session:
        stranger = UserProfile(display_name="Someone else", subjects=[])
        session.add(stranger)
        session.flush()
        thread = ConversationThread(user_id=stranger.id, title="Their notes", document_scope=[])
        session.add(thread)
        session.flush()
        answer = AIInteraction(thread_id=thread.id, user_id=stranger.id, mode="explain", question="Theirs?",
                               answer="Private.", status=InteractionStatus.DONE, grounded=True)
        session.add(answer)
        session.flush()
        thread_id, answer_id = thread.id, answer.id
    assert thread_id not in {listed.id for listed in tutor.list_threads()}
    for attempt in (lambda: tutor.interactions(thread_id), lambda: tutor.interaction(answer_id),
                    lambda: tutor.rate(answer_id, 5), lambda: tutor.restore_thread(thread_id),
                    lambda: tutor.rename_thread(thread_id, "Mine now")):
        with pytest.raises(NotFoundError):
            attempt()
