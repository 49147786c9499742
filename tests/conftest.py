"""Session fixtures: a real bundled PostgreSQL and Redis (none with STUDYTEDDY_QUEUE=postgres) in a temp data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The suite must never reach for servers configured in the developer's shell.
for _variable in ("STUDYTEDDY_DATABASE_URL", "STUDYTEDDY_REDIS_URL", "STUDYTEDDY_DATA_DIR"):
    os.environ.pop(_variable, None)
# Nor may it write sign-in tokens into the developer's login keyring (or a plain file a keyring
# plugin offers): tests that need a keyring install a real one of their own for their duration.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

from studyteddy_desktop.config import QUEUE_ENV, Settings  # noqa: E402
from studyteddy_desktop.domain.dto import RuntimeEndpoints  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.services.core.database import Database  # noqa: E402
from studyteddy_desktop.ui.singleton_refcounts import keep_singletons_alive  # noqa: E402

# pytest-qt makes its own QApplication, not through create_application(): a whole suite of signals
# would otherwise drain True's reference count on Python 3.11 (see ui/singleton_refcounts.py).
keep_singletons_alive()

# Spaces and non-ASCII in every test's data path, as on many students' machines.
DATA_DIR_NAME = "Study Teddy dätä ✎"


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("session") / DATA_DIR_NAME


@pytest.fixture(scope="session")
def session_runtime(session_data_dir: Path) -> Iterator[ServiceRuntime]:
    runtime = ServiceRuntime(Settings(data_dir=session_data_dir), with_worker=False)
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture(scope="session")
def endpoints(session_runtime: ServiceRuntime) -> RuntimeEndpoints:
    assert session_runtime.endpoints is not None
    return session_runtime.endpoints


@pytest.fixture(scope="session")
def session_redis_url(endpoints: RuntimeEndpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for what needs one in either mode (the sync server, Redis's own tests): the session's,
    or, when the desktop's queue runs on PostgreSQL, a bundled one started for them alone."""
    if endpoints.redis_url is not None:
        yield endpoints.redis_url
        return
    from studyteddy_desktop.runtime.bundled_redis import BundledRedis
    from studyteddy_desktop.runtime.paths import DataPaths

    paths = DataPaths(tmp_path_factory.mktemp("redis-for-servers"))
    paths.prepare()
    server = BundledRedis(paths)
    server.ensure_running()
    yield server.url
    server.stop()


def pytest_report_header(config: pytest.Config) -> str:
    queue = Settings(data_dir=Path.cwd()).queue
    return f"studyteddy queue: {queue} (set {QUEUE_ENV}=postgres or =redis to choose)"


@pytest.fixture(scope="session")
def engine(endpoints: RuntimeEndpoints) -> Iterator[sa.Engine]:
    engine = sa.create_engine(endpoints.database_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def database(engine: sa.Engine) -> Iterator[Database]:
    """A Database whose every unit of work is rolled back when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, expire_on_commit=False,
                            join_transaction_mode="create_savepoint")
    yield Database.for_session_factory(engine, sessions)
    outer.rollback()
    connection.close()


@pytest.fixture()
def committing_database(endpoints: RuntimeEndpoints) -> Iterator[Database]:
    """A Database that really commits, for tests that share rows with another process."""
    database = Database(endpoints.database_url)
    yield database
    database.dispose()


@pytest.fixture()
def migrated_engine(engine: sa.Engine) -> Iterator[sa.Engine]:
    """An engine on a brand-new database upgraded to head, dropped afterwards."""
    from tests.scratch_database import migrated_database

    with migrated_database(engine, "test", poolclass=sa.NullPool) as fresh:
        yield fresh


@pytest.fixture(scope="session")
def sentence_embedder():
    """The real all-MiniLM-L6-v2, loaded once for the session (about ten seconds)."""
    from studyteddy_desktop.ai.embedder import SentenceEmbedder

    return SentenceEmbedder()


# One set of sync server replicas for every test outside tests/sync_server/ (which keeps its own): each
# module importing them would start three more server processes.
from tests.sync_server.conftest import admin_token, make_student, replicas, server_data_dir  # noqa: E402,F401
