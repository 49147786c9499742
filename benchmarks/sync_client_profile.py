"""A study profile that existed before its student signed in to sync: decks, cards, review history, documents.

The rows are written with the sync triggers off, as a data folder made before migration 0010 holds
them: nothing is tracked yet, so the first sync's backfill (change_log.track_untracked_rows) stamps
every one of them, which is the path a student who signs in after a term of offline use takes.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

CARDS_PER_DECK = 2_000
# The tables this profile fills, each with its change-tracking trigger from migration 0010.
FILLED_TABLES = ("flashcard_decks", "flashcards", "review_logs", "documents")
# The two a rating writes: what the tracking-cost measurement switches off for its baseline.
RATING_TABLES = ("flashcards", "review_logs")

# Four in five cards reviewed before (due from twenty days ago to twenty days ahead, each at its own
# second), their FSRS card stored as the scheduler writes it; the rest new and due now.
_CARDS = """
INSERT INTO flashcards (deck_id, front, back, tags, state, due_at, stability, difficulty, step,
                        last_review_at, fsrs_card, created_at)
SELECT d.ids[1 + n % array_length(d.ids, 1)],
       'What does term ' || n || ' of chapter ' || n % 40 || ' mean, and where is it used?',
       'Term ' || n || ': ' || repeat(substr(md5(n::text), 1, 16) || ' ', 6),
       ARRAY['chapter-' || n % 40],
       CASE WHEN n % 5 = 0 THEN 'new' ELSE 'review' END,
       CASE WHEN n % 5 = 0 THEN now() - interval '1 day' + n * interval '1 ms' ELSE g.due END,
       CASE WHEN n % 5 = 0 THEN NULL ELSE 1 + n % 60 END,
       CASE WHEN n % 5 = 0 THEN NULL ELSE 1 + (n % 90) / 10.0 END,
       NULL,
       CASE WHEN n % 5 = 0 THEN NULL ELSE g.due - (1 + n % 60) * interval '1 day' END,
       CASE WHEN n % 5 = 0 THEN NULL ELSE jsonb_build_object(
           'card_id', n, 'state', 2, 'step', NULL, 'stability', 1 + n % 60, 'difficulty', 1 + (n % 90) / 10.0,
           'due', to_jsonb(g.due) #>> '{}',
           'last_review', to_jsonb(g.due - (1 + n % 60) * interval '1 day') #>> '{}') END,
       now() - interval '1 year'
FROM generate_series(1, :cards) AS n,
     (SELECT array_agg(id ORDER BY name) AS ids FROM flashcard_decks) AS d,
     LATERAL (SELECT now() + ((n * 7919) % 40 - 20) * interval '1 day' + (n % 86400) * interval '1 second'
              AS due) AS g
"""

_LOGS = """
INSERT INTO review_logs (card_id, rating, reviewed_at, review_duration_ms, state_before)
SELECT c.ids[1 + n % array_length(c.ids, 1)], (ARRAY[1,3,3,3,3,2,4,3,3,1])[1 + n % 10],
       now() - (n * interval '1 day' * 365 / :logs), 3000 + n % 9000,
       CASE WHEN n % 7 = 0 THEN 'new' ELSE 'review' END
FROM generate_series(1, :logs) AS n,
     (SELECT array_agg(id) AS ids FROM flashcards WHERE state = 'review') AS c
"""

_DOCUMENT = sa.text(
    "INSERT INTO documents (id, user_id, title, original_filename, content_sha256, mime_type, size_bytes, "
    "subject, status, progress, stored_path, format_name, paged) VALUES (:id, :user_id, :title, :filename, "
    ":sha256, 'text/markdown', :size, :subject, 'ready', 1, :stored_path, 'Markdown', false)")


@dataclass(frozen=True)
class Profile:
    deck_ids: list[uuid.UUID]
    card_ids: list[uuid.UUID]
    decks: int
    cards: int
    logs: int
    documents: int
    file_bytes: int
    seconds: float

    @property
    def records(self) -> int:
        # The profile record itself syncs only once it is edited (the trigger skips the first insert).
        return self.decks + self.cards + self.logs + self.documents


def _notes(number: int) -> str:
    """A small real Markdown file, different for every document, a few kilobytes long."""
    lines = [f"# Chapter {number}: notes for the exam", ""]
    for paragraph in range(12):
        seed = hashlib.sha256(f"{number}-{paragraph}".encode()).hexdigest()
        lines.append(f"Paragraph {paragraph} of chapter {number} explains {seed[:12]} in terms of "
                     f"{seed[12:24]}, then works an example with {seed[24:40]}. " * 3)
        lines.append("")
    return "\n".join(lines)


def _write_documents(connection: sa.Connection, store, owner_id: uuid.UUID, count: int, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for number in range(count):
        source = folder / f"chapter-{number:03d}.md"
        source.write_text(_notes(number), encoding="utf-8")
        stored = store.add(source)
        total += stored.size_bytes
        connection.execute(_DOCUMENT, {"id": uuid.uuid4(), "user_id": owner_id, "title": f"Chapter {number} notes",
                                       "filename": source.name, "sha256": stored.sha256, "size": stored.size_bytes,
                                       "subject": "Biology", "stored_path": stored.relative_path})
    return total


def build_profile(services, *, cards: int, logs: int, documents: int, folder: Path) -> Profile:
    """Fill the services' database with an untracked profile of this size; its ids and figures."""
    started = time.perf_counter()
    owner_id = services.student.user_id()
    decks = max(1, -(-cards // CARDS_PER_DECK))
    with services.database.engine.begin() as connection:
        # In one transaction: no other session ever sees the triggers off.
        for table in FILLED_TABLES:
            connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER sync_track_{table}"))
        # Limits a keen student might set, so the rating measurement never runs out of cards to show.
        connection.execute(sa.text(
            "INSERT INTO flashcard_decks (user_id, name, subject, new_per_day, reviews_per_day) "
            "SELECT :owner, 'Biology ' || lpad(n::text, 3, '0'), 'Biology', 1000, 5000 "
            "FROM generate_series(1, :decks) AS n"), {"owner": owner_id, "decks": decks})
        connection.execute(sa.text(_CARDS), {"cards": cards})
        if logs:
            connection.execute(sa.text(_LOGS), {"logs": logs})
        file_bytes = _write_documents(connection, services.documents.store, owner_id, documents, folder)
        for table in FILLED_TABLES:
            connection.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER sync_track_{table}"))
        deck_ids = list(connection.scalars(sa.text("SELECT id FROM flashcard_decks ORDER BY name")))
        card_ids = list(connection.scalars(sa.text("SELECT id FROM flashcards ORDER BY created_at, id")))
        tracked = connection.scalar(sa.text("SELECT count(*) FROM sync_local_records"))
    if tracked:
        raise RuntimeError(f"{tracked} rows were tracked while the profile was built; the backfill would not "
                           "stamp them all")
    analyse(services.database.engine)
    return Profile(deck_ids, card_ids, decks, cards, logs, documents, file_bytes, time.perf_counter() - started)


def analyse(engine: sa.Engine) -> None:
    """What autovacuum does to tables that have sat a while after a bulk load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in (*FILLED_TABLES, "sync_local_records"):
            connection.execute(sa.text(f"VACUUM ANALYZE {table}"))


def set_rating_tracking(engine: sa.Engine, on: bool) -> None:
    """Switch the change triggers of the tables a rating writes on or off (for the untracked baseline)."""
    verb = "ENABLE" if on else "DISABLE"
    with engine.begin() as connection:
        for table in RATING_TABLES:
            connection.execute(sa.text(f"ALTER TABLE {table} {verb} TRIGGER sync_track_{table}"))


def table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.scalar(sa.text(f"SELECT count(*) FROM {table} WHERE "
                                                 + ("true" if table == "review_logs" else "deleted_at IS NULL")))
                for table in FILLED_TABLES}
