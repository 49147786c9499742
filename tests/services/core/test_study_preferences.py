"""Preferences kept in the profile's JSON: concurrent writers of different keys all keep theirs."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from studyteddy_desktop.db.models import UserProfile
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from studyteddy_desktop.services.tutor.language_models import LanguageModels

ROUNDS = 5
ZONE_ROUNDS = 40


@pytest.fixture()
def committed_settings(committing_database):
    """The profile's settings as they were, put back afterwards: this test really commits."""
    student = LocalStudent(committing_database)
    with committing_database.unit_of_work() as session:
        before = dict(session.get(UserProfile, student.user_id()).settings or {})
    yield student
    with committing_database.unit_of_work() as session:
        session.get(UserProfile, student.user_id(), with_for_update=True).settings = before


def _at_once(*writers: Callable[[int], None], rounds: int = ROUNDS) -> None:
    start = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def run(writer: Callable[[int], None], round_: int) -> None:
        try:
            start.wait(timeout=30)
            writer(round_)
        except BaseException as error:  # the main thread asserts on it
            errors.append(error)

    for round_ in range(rounds):
        threads = [threading.Thread(target=run, args=(writer, round_)) for writer in writers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors


def test_two_preference_writers_at_once_both_keep_their_key(committing_database, committed_settings):
    first = StudyPreferences(committing_database, committed_settings)
    second = StudyPreferences(committing_database, committed_settings)
    # A new key each round: a key lost in one round is not written back by the next.
    _at_once(lambda n: first.set_section(f"test_first_{n}", {"round": n}),
             lambda n: second.set_section(f"test_second_{n}", {"round": n}))
    for n in range(ROUNDS):
        assert first.section(f"test_first_{n}") == {"round": n}
        assert first.section(f"test_second_{n}") == {"round": n}


def test_a_zone_change_at_once_with_a_preference_write_keeps_both(committing_database, committed_settings):
    preferences = StudyPreferences(committing_database, committed_settings)
    zones = ["Europe/Berlin", "Asia/Tokyo"]

    def new_zone(n: int) -> None:
        from zoneinfo import ZoneInfo

        # A second process whose computer moved to another zone resolves the profile.
        LocalStudent(committing_database, zone=ZoneInfo(zones[n % 2])).user_id()

    # The zone's window between read and write is short: more rounds to meet it.
    _at_once(new_zone, lambda n: preferences.set_section(f"test_reminders_{n}", {"round": n}),
             rounds=ZONE_ROUNDS)
    lost = [n for n in range(ZONE_ROUNDS) if preferences.section(f"test_reminders_{n}") != {"round": n}]
    assert lost == []
    with committing_database.unit_of_work() as session:
        settings = session.get(UserProfile, committed_settings.user_id()).settings
    assert settings["timezone"] == zones[(ZONE_ROUNDS - 1) % 2]


def test_two_models_added_at_once_are_both_listed(committing_database, committed_settings, tmp_path):
    models = LanguageModels(StudyPreferences(committing_database, committed_settings))
    paths = [tmp_path / f"model-{n}.gguf" for n in range(2 * ROUNDS)]
    for path in paths:
        path.write_bytes(b"GGUF" + bytes(16))
    _at_once(lambda n: models.add_model(paths[2 * n]), lambda n: models.add_model(paths[2 * n + 1]))
    assert sorted(models.added_paths()) == sorted(str(path.resolve()) for path in paths)
