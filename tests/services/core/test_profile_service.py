"""The local profile: created once on first launch, edited with validation."""

from __future__ import annotations

import pytest

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.services.core.profile_service import ProfileService


def test_first_launch_creates_one_profile_and_later_calls_return_it(database):
    service = ProfileService(database)
    first = service.ensure_local_profile()
    again = service.ensure_local_profile()
    assert first.id == again.id
    assert first.display_name
    assert first.subjects == ()


def test_subjects_are_trimmed_and_deduplicated_ignoring_case(database):
    profile = ProfileService(database).update_profile(
        display_name="  Marie   Curie ", subjects=[" Physics", "chemistry", "PHYSICS", "", "  "])
    assert profile.display_name == "Marie Curie"
    assert profile.subjects == ("Physics", "chemistry")


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_an_empty_or_huge_name_is_refused_and_the_old_one_kept(database, name):
    service = ProfileService(database)
    before = service.update_profile(display_name="Emmy")
    with pytest.raises(InvalidInputError):
        service.update_profile(display_name=name)
    assert service.ensure_local_profile().display_name == before.display_name


def test_hostile_text_is_stored_verbatim_not_interpreted(database):
    hostile = "Robert'); DROP TABLE users;--"
    profile = ProfileService(database).update_profile(display_name=hostile, subjects=["<b>Art</b>"])
    assert profile.display_name == hostile
    assert profile.subjects == ("<b>Art</b>",)


def test_too_many_subjects_are_refused(database):
    with pytest.raises(InvalidInputError, match="At most 50"):
        ProfileService(database).update_profile(subjects=[f"Subject {n}" for n in range(51)])


def test_processes_starting_together_on_a_new_database_make_one_profile(migrated_engine):
    import threading

    import sqlalchemy as sa

    from studyteddy_desktop.db.models import UserProfile
    from studyteddy_desktop.services.core.database import Database

    # The app, the worker and a CLI command can all ask at once on a brand-new data directory.
    databases = [Database(migrated_engine.url) for _ in range(6)]
    start = threading.Barrier(len(databases))
    ids: list = []

    def first_launch(database: Database) -> None:
        start.wait()
        ids.append(ProfileService(database).ensure_local_profile().id)

    threads = [threading.Thread(target=first_launch, args=(database,)) for database in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert len(ids) == len(databases) and len(set(ids)) == 1, ids
        with migrated_engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(UserProfile)) == 1
    finally:
        for database in databases:
            database.dispose()
