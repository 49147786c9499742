"""The database records every change to a synced row for sync, whatever wrote it, in the same transaction."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.sync_tracking import SYNCED_TABLES
from studyteddy_desktop.domain.hybrid_clock import HybridTimestamp

STAMP = re.compile(r"^\d{13}-[0-9a-f]{6}-[0-9a-f]{16}$")


@pytest.fixture()
def connection(migrated_engine):
    with migrated_engine.connect() as connection:
        yield connection


def _run(connection, query: str, **parameters):
    return connection.execute(sa.text(query), parameters)


def _owner(connection) -> uuid.UUID:
    return _run(connection, "INSERT INTO users (display_name, is_local_owner) VALUES ('Ada', true) RETURNING id"
                ).scalar_one()


def _record(connection, collection: str, record_id: str):
    return _run(connection, "SELECT stamps, pending, pending_delete FROM sync_local_records "
                            "WHERE collection = :c AND record_id = :r", c=collection, r=record_id).one_or_none()


def test_every_synced_table_has_a_trigger_with_exactly_its_synced_columns(connection):
    installed = dict(_run(connection, "SELECT c.relname, encode(t.tgargs, 'escape') FROM pg_trigger AS t "
                                      "JOIN pg_class AS c ON c.oid = t.tgrelid WHERE t.tgname LIKE 'sync_track_%'"
                          ).all())
    expected = {table.table: "\\000".join((table.collection, *table.columns)) + "\\000" for table in SYNCED_TABLES}
    assert installed == expected


def test_a_raw_insert_and_two_edits_wait_as_one_write_per_field_on_the_first_base(connection):
    owner = _owner(connection)
    task = _run(connection, "INSERT INTO tasks (user_id, title) VALUES (:u, 'Read') RETURNING id", u=owner).scalar_one()
    created = _record(connection, "tasks", str(task))
    assert created is not None and set(created.pending) >= {"title", "description", "status", "created_at"}
    assert all(STAMP.match(write["stamp"]) and write["base"] is None for write in created.pending.values())
    # As if the first push went through: nothing waits, and the stamps stay.
    _run(connection, "UPDATE sync_local_records SET pending = '{}' WHERE record_id = :r", r=str(task))
    _run(connection, "UPDATE tasks SET title = 'Read ch. 1' WHERE id = :t", t=task)
    _run(connection, "UPDATE tasks SET title = 'Read ch. 1-2' WHERE id = :t", t=task)
    edited = _record(connection, "tasks", str(task))
    assert list(edited.pending) == ["title"]
    assert edited.pending["title"]["base"] == created.pending["title"]["stamp"]
    assert edited.stamps["title"] == edited.pending["title"]["stamp"] > created.pending["title"]["stamp"]


def test_a_soft_delete_is_a_tombstone_and_bringing_back_is_a_newer_field_write(connection):
    owner = _owner(connection)
    task = _run(connection, "INSERT INTO tasks (user_id, title) VALUES (:u, 'Gone') RETURNING id", u=owner).scalar_one()
    _run(connection, "UPDATE sync_local_records SET pending = '{}' WHERE record_id = :r", r=str(task))
    _run(connection, "UPDATE tasks SET deleted_at = now() WHERE id = :t", t=task)
    deleted = _record(connection, "tasks", str(task))
    assert deleted.pending == {} and STAMP.match(deleted.pending_delete)
    _run(connection, "UPDATE tasks SET deleted_at = NULL WHERE id = :t", t=task)
    restored = _record(connection, "tasks", str(task))
    assert restored.pending["deleted_at"]["stamp"] > deleted.pending_delete


def test_history_is_never_tombstoned(connection):
    owner = _owner(connection)
    deck = _run(connection, "INSERT INTO flashcard_decks (user_id, name) VALUES (:u, 'D') RETURNING id",
                u=owner).scalar_one()
    card = _run(connection, "INSERT INTO flashcards (deck_id, front, back) VALUES (:d, 'f', 'b') RETURNING id",
                d=deck).scalar_one()
    log = _run(connection, "INSERT INTO review_logs (card_id, rating, reviewed_at, state_before) "
                           "VALUES (:c, 3, now(), 'new') RETURNING id", c=card).scalar_one()
    _run(connection, "UPDATE review_logs SET undone_at = now() WHERE id = :l", l=log)
    kept = _record(connection, "review_logs", str(log))
    assert "undone_at" in kept.pending and kept.pending_delete is None


def test_a_write_applied_from_a_pull_is_not_a_local_change(connection):
    owner = _owner(connection)
    with connection.begin_nested():
        _run(connection, "SET LOCAL studyteddy.sync_applying = 'on'")
        task = _run(connection, "INSERT INTO tasks (user_id, title) VALUES (:u, 'Arrived') RETURNING id",
                    u=owner).scalar_one()
    connection.commit()
    assert _record(connection, "tasks", str(task)) is None
    _run(connection, "UPDATE tasks SET title = 'Edited here' WHERE id = :t", t=task)
    assert "title" in _record(connection, "tasks", str(task)).pending


def test_the_profile_syncs_as_one_record_and_only_a_desktop_owner_s(connection):
    owner = _owner(connection)
    # Made with defaults at first start: no edit that could outvote another device's name.
    assert _record(connection, "profile", "profile") is None
    _run(connection, "UPDATE users SET display_name = 'Ada L.', settings = '{\"timezone\": \"UTC\"}' WHERE id = :u",
         u=owner)
    assert list(_record(connection, "profile", "profile").pending) == ["display_name"]
    account = _run(connection, "INSERT INTO users (display_name, login) VALUES ('Server account', 'acc') RETURNING id"
                   ).scalar_one()
    _run(connection, "UPDATE users SET display_name = 'Renamed' WHERE id = :a", a=account)
    assert list(_record(connection, "profile", "profile").pending) == ["display_name"]


def test_stamps_never_fall_below_the_floor_a_pull_raised(connection):
    owner = _owner(connection)
    ahead = 9_000_000_000_000  # a device whose clock is centuries ahead wrote last
    _run(connection, "UPDATE sync_device SET clock_floor_ms = :f", f=ahead)
    task = _run(connection, "INSERT INTO tasks (user_id, title) VALUES (:u, 'Later') RETURNING id",
                u=owner).scalar_one()
    stamps = [HybridTimestamp.decode(write["stamp"]) for write in _record(connection, "tasks", str(task)).pending.values()]
    assert all(stamp.wall_ms >= ahead for stamp in stamps)
