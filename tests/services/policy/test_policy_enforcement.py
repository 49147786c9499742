"""The services obey the school's policy, so the window and the `studyteddy` command refuse alike."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, time

import pytest

from studyteddy_desktop.ai.model_files import default_llm_path
from studyteddy_desktop.domain.errors import BlockedByPolicyError, InvalidInputError
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from studyteddy_desktop.services.policy.machine_policy import ExamWindow, MachinePolicy
from studyteddy_desktop.services.tutor.language_models import LanguageModels
from studyteddy_desktop.services.tutor.tutor_service import TutorService
from studyteddy_desktop.worker.queue import HueyJobQueue

LOCKED = MachinePolicy(sync_server_url="https://sync.example-school.org", require_sign_in=True,
                       tutor_enabled=False, ai_cards_enabled=False, model_adding_enabled=False,
                       document_import_enabled=False, source="test")
MONDAY = datetime(2026, 11, 30)
EXAMS = MachinePolicy(exam_windows=(ExamWindow((0, 1, 2, 3, 4), time(8, 30), time(12)),), source="test")


@pytest.fixture()
def locked(endpoints) -> Iterator[AppServices]:
    services = AppServices(endpoints, HueyJobQueue.for_endpoints(endpoints), policy=LOCKED)
    yield services
    services.close()


@pytest.fixture()
def queue(endpoints) -> Iterator[HueyJobQueue]:
    queue = HueyJobQueue.for_endpoints(endpoints)
    yield queue
    queue.close()


def _models(database, policy: MachinePolicy) -> LanguageModels:
    return LanguageModels(StudyPreferences(database, LocalStudent(database)), policy=policy)


def test_every_service_holds_the_one_policy(locked):
    assert locked.policy is LOCKED
    assert {id(service.policy) for service in (locked.tutor, locked.card_drafts, locked.documents,
                                               locked.language_models)} == {id(LOCKED)}


def test_the_tutor_is_refused_when_the_school_turned_it_off(locked):
    with pytest.raises(BlockedByPolicyError, match="turned the tutor off"):
        locked.tutor.ask("What is osmosis?")


def test_ai_cards_are_refused(locked):
    with pytest.raises(BlockedByPolicyError, match="turned off making flashcards with AI"):
        locked.card_drafts.request(uuid.uuid4())


def test_document_import_is_refused(locked, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Cells\nMitochondria make energy.")
    with pytest.raises(BlockedByPolicyError, match="turned off importing documents"):
        locked.documents.import_file(notes)


def test_adding_a_model_is_refused(locked, tmp_path):
    with pytest.raises(BlockedByPolicyError, match="turned off adding tutor models"):
        locked.language_models.add_model(tmp_path / "any.gguf")


def test_the_sync_server_is_fixed(locked):
    assert locked.sync.policy_server_url == "https://sync.example-school.org"
    assert locked.sync.status().policy_server_url == "https://sync.example-school.org"
    with pytest.raises(InvalidInputError, match="Your school set the sync server to https://sync.example-school.org"):
        locked.sync.sign_in("https://elsewhere.example.org", "me", "secret", "laptop")


def test_documents_over_the_size_cap_are_refused_with_size_and_cap(database, endpoints, tmp_path):
    services = AppServices(endpoints, HueyJobQueue.for_endpoints(endpoints),
                           policy=MachinePolicy(max_document_mb=1, source="test"))
    try:
        big = tmp_path / "lecture.md"
        big.write_text("cells " * 262_144)  # 1.5 MB
        with pytest.raises(BlockedByPolicyError) as refused:
            services.documents.import_file(big)
        assert refused.value.message == "“lecture.md” is 1.5 MB; your school allows documents of up to 1 MB."
        small = tmp_path / "exactly.md"
        small.write_text("a" * 1024 * 1024)
        services.documents._check_size(small)  # at the cap is allowed
    finally:
        services.close()


def test_exam_time_turns_the_tutor_off_and_says_when_it_is_back(database, queue):
    inside = TutorService(database, LocalStudent(database), queue, policy=EXAMS,
                          clock=lambda: MONDAY.replace(hour=9, minute=15))
    with pytest.raises(BlockedByPolicyError) as refused:
        inside.ask("What is osmosis?")
    assert refused.value.message == ("The tutor is off during exam time set by your school. "
                                     "You can ask again from 12:00.")
    outside = TutorService(database, LocalStudent(database), queue, policy=EXAMS,
                           clock=lambda: MONDAY.replace(hour=12))
    assert outside.refusal() is None
    asked = outside.ask("What is osmosis?")
    assert asked.question == "What is osmosis?"
    outside.cancel(asked.id)
    weekend = TutorService(database, LocalStudent(database), queue, policy=EXAMS,
                           clock=lambda: datetime(2026, 12, 5, 9, 15))
    assert weekend.refusal() is None


def test_a_pinned_model_is_used_whatever_the_student_chose(database, tmp_path):
    bundled = default_llm_path()
    assert bundled is not None
    copy = tmp_path / "school-model.gguf"
    shutil.copyfile(bundled, copy)
    free = _models(database, MachinePolicy())
    own = tmp_path / "own.gguf"
    shutil.copyfile(bundled, own)
    free.add_model(own)
    free.set_settings(LanguageModelSettings(model_path=str(own)))
    pinned = _models(database, MachinePolicy(language_model_file=str(copy), source="test"))
    assert pinned.settings().model_path == str(copy)
    assert [model.path for model in pinned.list_models() if model.active] == [str(copy)]
    with pytest.raises(BlockedByPolicyError, match="Your school chose the model"):
        pinned.set_settings(LanguageModelSettings(model_path=str(own)))
    tuned = pinned.set_settings(LanguageModelSettings(model_path=str(copy), context_size=8192))
    assert tuned.model_path == str(copy) and tuned.context_size == 8192
    # The student's own choice is kept for a computer without the pin.
    assert free.settings().model_path == str(own)
    by_name = _models(database, MachinePolicy(language_model_file=bundled.name, source="test"))
    assert by_name.settings().model_path is None  # the bundled model
    assert _models(database, MachinePolicy(language_model_file="own.gguf", source="test")
                   ).settings().model_path == str(own)
