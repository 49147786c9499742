"""One owner of the installation's data: the schema refuses a second, and the upgrade merges old splits."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from studyteddy_desktop.db.migrate import upgrade_to_head
from tests.scratch_database import migrated_database


def test_the_schema_refuses_a_second_owner(migrated_engine):
    with migrated_engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO users (id, display_name, is_local_owner) "
                                   "VALUES (gen_random_uuid(), 'Ada', true)"))
    with pytest.raises(sa.exc.IntegrityError, match="uq_users_local_owner"):
        with migrated_engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO users (id, display_name, is_local_owner) "
                                       "VALUES (gen_random_uuid(), 'Grace', true)"))
    with migrated_engine.connect() as connection:
        # Profiles that do not own the installation (synced class mates, later) are still allowed.
        connection.execute(sa.text("INSERT INTO users (id, display_name) VALUES (gen_random_uuid(), 'Guest')"))


def test_the_upgrade_makes_the_oldest_profile_the_owner_of_everything_a_split_left(engine):
    first, second = uuid.uuid4(), uuid.uuid4()
    with migrated_database(engine, "owner", revision="0006_append_only_reviews", poolclass=sa.NullPool) as old:
        with old.begin() as connection:
            # Two profiles made in one instant on first launch, the oldest by id tie-break.
            connection.execute(sa.text(
                "INSERT INTO users (id, display_name, created_at) VALUES "
                "(:first, 'Ada', '2026-01-01T00:00:00Z'), (:second, 'Ada', '2026-01-01T00:00:01Z')"),
                {"first": first, "second": second})
            for user, sha, title in ((first, "a" * 64, "mine"), (second, "a" * 64, "same file"),
                                     (second, "b" * 64, "only theirs")):
                connection.execute(sa.text(
                    "INSERT INTO documents (id, user_id, title, original_filename, content_sha256, "
                    "mime_type, size_bytes, status) VALUES (gen_random_uuid(), :user, :title, 'f.pdf', :sha, "
                    "'pdf', 1, 'ready')"), {"user": user, "sha": sha, "title": title})
            connection.execute(sa.text("INSERT INTO flashcard_decks (id, user_id, name) "
                                       "VALUES (gen_random_uuid(), :user, 'Biology')"), {"user": second})
        upgrade_to_head(old)
        with old.connect() as connection:
            owners = connection.execute(sa.text("SELECT id FROM users WHERE is_local_owner")).scalars().all()
            live_users = connection.execute(sa.text("SELECT id FROM users WHERE deleted_at IS NULL")).scalars().all()
            documents = dict(connection.execute(sa.text(
                "SELECT title, user_id FROM documents WHERE deleted_at IS NULL")).all())
            deck_owner = connection.execute(sa.text("SELECT user_id FROM flashcard_decks")).scalar_one()
    assert owners == [first] and live_users == [first]
    assert documents == {"mine": first, "only theirs": first}
    assert deck_owner == first
