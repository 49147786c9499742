"""Snapshot, change, restore, compare: the whole profile comes back, and bad input loses nothing."""

from __future__ import annotations

import os
import shutil
import stat

import pytest
import sqlalchemy as sa

from studyteddy_desktop.domain.errors import NotFoundError, StudyTeddyError
from studyteddy_desktop.services.backups import backup_store
from tests.services.backups.conftest import add_study_material, file_fingerprints, table_fingerprints


def test_a_restore_brings_back_every_row_and_file_of_the_snapshot(profile, tmp_path):
    add_study_material(profile, tmp_path, "before")
    media = profile.backups.store.paths.media_dir
    media.mkdir(exist_ok=True)
    (media / "diagram.png").write_bytes(b"\x89PNG picture")
    backup = profile.backups.back_up_now()
    rows, files = table_fingerprints(profile), file_fingerprints(profile)
    assert any(name.startswith("files/") for name in files)

    add_study_material(profile, tmp_path, "after")
    deck = next(d for d in profile.flashcards.list_decks() if d.name == "Deck before")
    profile.flashcards.delete_cards([profile.flashcards.cards(deck.id)[0].id])
    first = next(d for d in profile.documents.list_documents() if d.original_filename == "notes-before.txt")
    profile.documents.delete(first.id)
    (media / "diagram.png").unlink()
    assert table_fingerprints(profile) != rows and file_fingerprints(profile) != files

    safety = profile.backups.restore(backup.id)

    assert table_fingerprints(profile) == rows
    assert file_fingerprints(profile) == files
    assert {d.original_filename for d in profile.documents.list_documents()} == {"notes-before.txt"}
    assert len(profile.flashcards.cards(deck.id)) == 5
    # The state just before the restore was kept, and can itself be restored.
    assert safety.reason == "pre-restore"
    assert [b.id for b in profile.backups.list()][:2] == [safety.id, backup.id]
    profile.backups.restore(safety.id)
    assert {d.original_filename for d in profile.documents.list_documents()} == {"notes-after.txt"}


def test_backups_are_private_and_described(profile, tmp_path):
    add_study_material(profile, tmp_path, "private", cards=2)
    backup = profile.backups.back_up_now()
    folder = profile.backups.store.root / backup.id
    assert stat.S_IMODE(os.stat(profile.backups.store.root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "database.dump").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder / "manifest.json").st_mode) == 0o600
    assert backup.reason == "manual" and backup.size_bytes > 0 and backup.schema_revision
    assert profile.backups.list()[0] == backup


def test_an_unknown_id_or_a_damaged_backup_changes_nothing(profile, tmp_path):
    add_study_material(profile, tmp_path, "kept", cards=3)
    backup = profile.backups.back_up_now()
    rows, files = table_fingerprints(profile), file_fingerprints(profile)

    with pytest.raises(NotFoundError, match="no backup called"):
        profile.backups.restore("20200101-000000-dead")
    with pytest.raises(NotFoundError):
        profile.backups.restore("../backups")
    (profile.backups.store.root / backup.id / "database.dump").write_bytes(b"not a dump at all")
    with pytest.raises(StudyTeddyError, match="damaged"):
        profile.backups.restore(backup.id)

    assert table_fingerprints(profile) == rows and file_fingerprints(profile) == files
    # No safety backup was needed, since nothing was touched.
    assert [b.id for b in profile.backups.list()] == [backup.id]


def test_a_backup_that_fails_half_way_is_never_listed(profile, tmp_path, monkeypatch):
    add_study_material(profile, tmp_path, "half", cards=2)

    def fail_after_the_files(*_args):
        raise StudyTeddyError("the disk is full")

    # The dump fails after the files were already linked into the partial folder.
    monkeypatch.setattr(backup_store.PostgresTools, "dump", fail_after_the_files)
    with pytest.raises(StudyTeddyError, match="disk is full"):
        profile.backups.back_up_now()
    assert profile.backups.list() == []
    assert not [p for p in profile.backups.store.root.iterdir() if p.name.startswith(".partial-")]
    # A crash leaves the partial folder behind: it is still not listed, and the next backup clears it.
    (profile.backups.store.root / ".partial-20260101-000000-beef").mkdir()
    assert profile.backups.list() == []
    monkeypatch.undo()
    made = profile.backups.back_up_now()
    assert [b.id for b in profile.backups.list()] == [made.id]
    assert not (profile.backups.store.root / ".partial-20260101-000000-beef").exists()


def test_a_restore_refuses_a_backup_from_a_newer_app(profile, tmp_path):
    add_study_material(profile, tmp_path, "newer", cards=1)
    backup = profile.backups.back_up_now()
    manifest = profile.backups.store.root / backup.id / "manifest.json"
    manifest.write_text(manifest.read_text().replace(backup.schema_revision, "9999_from_the_future"))
    rows = table_fingerprints(profile)
    with pytest.raises(StudyTeddyError, match="newer Study Teddy"):
        profile.backups.restore(backup.id)
    assert table_fingerprints(profile) == rows


def test_a_restore_of_an_older_schema_upgrades_it_again(profile, tmp_path):
    from alembic import command

    from studyteddy_desktop.db.migrate import alembic_config
    from studyteddy_desktop.db.schema_version import SHIPPED_HEAD

    add_study_material(profile, tmp_path, "older", cards=2)
    engine = sa.create_engine(profile.endpoints.database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "-1")
        # The store, not the service: the student's preferences sit in tables of the newer schema.
        older = profile.backups.store.create("manual")
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        assert older.schema_revision != SHIPPED_HEAD
        profile.backups.restore(older.id)
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == SHIPPED_HEAD
    finally:
        engine.dispose()
    assert {d.original_filename for d in profile.documents.list_documents()} >= {"notes-older.txt"}


def test_a_restore_blocked_by_another_writer_gives_up_whole(profile, tmp_path, monkeypatch):
    from studyteddy_desktop.services.backups import postgres_dump

    add_study_material(profile, tmp_path, "busy-before", cards=2)
    backup = profile.backups.back_up_now()
    add_study_material(profile, tmp_path, "busy-after", cards=2)
    rows, files = table_fingerprints(profile), file_fingerprints(profile)
    monkeypatch.setattr(postgres_dump, "_RESTORE_LOCK_TIMEOUT", "1s")
    other_window = sa.create_engine(profile.endpoints.database_url, poolclass=sa.NullPool)
    try:
        with other_window.connect() as connection, connection.begin():
            connection.execute(sa.text("LOCK TABLE flashcards IN ROW EXCLUSIVE MODE"))
            with pytest.raises(StudyTeddyError, match="busy") as raised:
                profile.backups.restore(backup.id)
            assert "Nothing was changed" in raised.value.message
    finally:
        other_window.dispose()
    assert table_fingerprints(profile) == rows and file_fingerprints(profile) == files
    assert not list(profile.backups.store.paths.root.glob(".files.restoring-*"))


def test_a_restore_that_crashed_between_its_renames_is_completed(profile, tmp_path):
    add_study_material(profile, tmp_path, "swap", cards=1)
    paths = profile.backups.store.paths
    files = file_fingerprints(profile)
    # As a crash leaves it: the live folder moved aside, the restored one not yet in place.
    paths.files_dir.rename(paths.root / ".files.replaced-abc123")
    (paths.root / ".files.replaced-abc123").rename(paths.root / ".files.restoring-20260101-000000-beef")
    profile.backups.back_up_now()
    assert file_fingerprints(profile) == files
    assert not list(paths.root.glob(".files.*"))


def test_files_of_a_restore_that_crashed_after_its_database_commit_are_put_in_place(profile, tmp_path):
    paths = profile.backups.store.paths
    add_study_material(profile, tmp_path, "committed", cards=1)
    backup = profile.backups.back_up_now()
    restored_files = file_fingerprints(profile)
    add_study_material(profile, tmp_path, "uncommitted", cards=1)
    # As a crash right after the database restore leaves it: the backup's files staged, not swapped.
    staging = paths.root / f".files.restoring-{backup.id}"
    shutil.copytree(profile.backups.store.root / backup.id / "files", staging)
    (profile.backups.store.root / ".restore-swap-pending").write_text(backup.id)
    profile.backups.list()  # reading takes no lock and changes nothing
    assert staging.exists()
    profile.backups.back_up_now()
    assert {k: v for k, v in file_fingerprints(profile).items() if k.startswith("files/")} == {
        k: v for k, v in restored_files.items() if k.startswith("files/")}
    assert not staging.exists() and not (profile.backups.store.root / ".restore-swap-pending").exists()


def test_a_backup_damaged_inside_is_refused_before_anything_changes(profile, tmp_path):
    add_study_material(profile, tmp_path, "cut-before", cards=50)
    backup = profile.backups.back_up_now()
    add_study_material(profile, tmp_path, "cut-after", cards=2)
    rows, files = table_fingerprints(profile), file_fingerprints(profile)
    dump = profile.backups.store.root / backup.id / "database.dump"
    # The table of contents at its head still reads; compressed table data after it is garbage.
    damaged = bytearray(dump.read_bytes())
    middle = len(damaged) * 2 // 3
    damaged[middle:middle + 512] = bytes(range(256)) * 2
    dump.write_bytes(bytes(damaged))
    with pytest.raises(StudyTeddyError, match="damaged|could not be restored") as raised:
        profile.backups.restore(backup.id)
    assert "Nothing was changed" in raised.value.message
    assert table_fingerprints(profile) == rows and file_fingerprints(profile) == files
    # Found before the safety backup, so not even that was made.
    assert [b.id for b in profile.backups.list()] == [backup.id]
