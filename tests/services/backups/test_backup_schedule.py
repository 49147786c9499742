"""When backups are made and how many stay: daily at most once a day, the last N, before upgrades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.services.backups.pre_upgrade import back_up_before_schema_upgrade
from tests.services.backups.conftest import add_study_material


class SteppingClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_daily_backup_runs_at_most_once_a_day(profile, tmp_path):
    clock = SteppingClock()
    profile.backups.store.clock = clock
    add_study_material(profile, tmp_path, "daily", cards=1)
    assert profile.backups.due_daily()
    first = profile.backups.back_up_daily_if_due()
    assert first is not None and first.reason == "daily"
    clock.now += timedelta(hours=23, minutes=59)
    assert not profile.backups.due_daily()
    assert profile.backups.back_up_daily_if_due() is None
    clock.now += timedelta(minutes=1)
    second = profile.backups.back_up_daily_if_due()
    assert second is not None and [b.id for b in profile.backups.list()] == [second.id, first.id]


def test_a_manual_backup_counts_for_the_day(profile):
    clock = SteppingClock()
    profile.backups.store.clock = clock
    profile.backups.back_up_now()
    clock.now += timedelta(hours=3)
    assert profile.backups.back_up_daily_if_due() is None


def test_only_the_newest_backups_are_kept(profile):
    clock = SteppingClock()
    profile.backups.store.clock = clock
    try:
        profile.backups.set_keep(3)
        made = []
        for _day in range(5):
            made.append(profile.backups.back_up_now().id)
            clock.now += timedelta(days=1)
        assert [b.id for b in profile.backups.list()] == made[:1:-1]
        assert sorted(p.name for p in profile.backups.store.root.iterdir() if not p.name.startswith(".")) \
            == sorted(made[2:])
        with pytest.raises(InvalidInputError, match="between 1 and 100"):
            profile.backups.set_keep(0)
    finally:
        profile.backups.set_keep(10)


def test_an_existing_database_is_backed_up_before_its_schema_upgrade(profile, profile_runtime, tmp_path):
    from alembic import command

    from studyteddy_desktop.db.migrate import alembic_config

    add_study_material(profile, tmp_path, "upgrade", cards=2)
    engine = sa.create_engine(profile.endpoints.database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "-1")
            older = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    # A second app process attaching to the same data folder finds the schema behind and upgrades it.
    upgrading = ServiceRuntime(Settings(data_dir=profile_runtime.paths.root), with_worker=False,
                               before_schema_upgrade=back_up_before_schema_upgrade)
    upgrading.start()
    upgrading.stop()
    backups = profile.backups.list()
    assert [(b.reason, b.schema_revision) for b in backups] == [("pre-upgrade", older)]
    # Already at head: the next start neither upgrades nor backs up.
    again = ServiceRuntime(Settings(data_dir=profile_runtime.paths.root), with_worker=False,
                           before_schema_upgrade=back_up_before_schema_upgrade)
    again.start()
    again.stop()
    assert profile.backups.list() == backups


def test_a_brand_new_database_gets_no_pre_upgrade_backup(profile, engine, tmp_path):
    admin = sa.create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             poolclass=sa.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text('CREATE DATABASE "backup_brand_new"'))
    try:
        url = engine.url.set(database="backup_brand_new").render_as_string(hide_password=False)
        assert back_up_before_schema_upgrade(tmp_path / "data", url) is None
        assert not (tmp_path / "data" / "backups").exists()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text('DROP DATABASE "backup_brand_new" WITH (FORCE)'))
        admin.dispose()
