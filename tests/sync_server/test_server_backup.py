"""The admin guide's backup and restore, run as written against a real server on a fresh PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from studyteddy_desktop.config import Settings
from studyteddy_desktop.runtime.bundled_postgres import postgres_bin_dir
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from sync_server.core.config import ENV_PREFIX
from tests.sync_server.conftest import ServerProcess, Student, sign_in, start_server, stop_server

DEPLOY = Path(__file__).resolve().parents[2] / "sync_server" / "deploy"
BACKUP_SCRIPTS = DEPLOY / "backup"
# A role that is not a superuser, as the guide tells a school to make: the restore must work for it.
SCHOOL_ROLE = SCHOOL_DATABASE = "school"
NODE = "c3" * 8


@dataclass(frozen=True)
class SchoolEndpoints:
    database_url: str
    redis_url: str


@dataclass(frozen=True)
class SchoolPostgres:
    endpoints: SchoolEndpoints
    superuser_url: str  # libpq's form, for psql
    tools_env: dict[str, str]


@pytest.fixture(scope="module")
def school_postgres(tmp_path_factory, session_redis_url) -> Iterator[SchoolPostgres]:
    """A fresh bundled PostgreSQL of this test's own, set up as the guide sets up a school's, and a Redis."""
    data_dir = tmp_path_factory.mktemp("backup-backends")
    runtime = ServiceRuntime(Settings(data_dir=data_dir), with_worker=False)
    runtime.start()
    try:
        socket_dir = quote_plus(str(runtime.paths.postgres_socket_dir))
        superuser_url = f"postgresql://postgres@/postgres?host={socket_dir}"
        tools_env = {**os.environ, "PATH": f"{postgres_bin_dir()}{os.pathsep}{os.environ['PATH']}"}
        _psql(tools_env, superuser_url, "--command", f"CREATE ROLE {SCHOOL_ROLE} LOGIN")
        _psql(tools_env, superuser_url, "-v", f"db={SCHOOL_DATABASE}", "-v", f"owner={SCHOOL_ROLE}",
              "--file", str(BACKUP_SCRIPTS / "create-database.sql"))
        school_url = f"postgresql+psycopg://{SCHOOL_ROLE}@/{SCHOOL_DATABASE}?host={socket_dir}"
        yield SchoolPostgres(SchoolEndpoints(school_url, session_redis_url), superuser_url, tools_env)
    finally:
        runtime.stop()


def _psql(env: dict[str, str], url: str, *args: str) -> str:
    done = subprocess.run(["psql", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "--tuples-only", "--no-align",
                           f"--dbname={url}", *args], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def _server_command(data_dir: Path, endpoints: SchoolEndpoints, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sync_server", "--data-dir", str(data_dir),
                           "--database-url", endpoints.database_url, "--redis-url", endpoints.redis_url,
                           *args], capture_output=True, text=True, timeout=180, check=False)


def _first_admin(data_dir: Path, endpoints: SchoolEndpoints, server: ServerProcess) -> str:
    made = _server_command(data_dir, endpoints, "admin", "create-account", "head-teacher", "--name", "Head",
                           "--role", "admin")
    assert made.returncode == 0, made.stdout + made.stderr
    password = made.stdout.split("password: ")[1].split()[0]
    with server.client() as client:
        answer = client.post("/v1/auth/login", json={"login": "head-teacher", "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def _make_student(server: ServerProcess, admin_token: str) -> Student:
    password = secrets.token_urlsafe(12)
    with server.client(admin_token) as client:
        answer = client.post("/v1/admin/accounts",
                             json={"login": "ada", "display_name": "Ada", "password": password})
    assert answer.status_code == 201, answer.text
    return Student("ada", password, answer.json()["account"]["id"])


def _field(value, ms: int) -> dict:
    return {"value": value, "stamp": f"{ms:013d}-000000-{NODE}"}


def _push(server: ServerProcess, token: str, changes: list[dict]) -> dict:
    with server.client(token) as client:
        answer = client.post("/v1/sync/push", json={"push_id": str(uuid.uuid4()), "changes": changes})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _everything(server: ServerProcess, token: str) -> tuple[dict, dict]:
    records, cursor = {}, 0
    with server.client(token) as client:
        while True:
            page = client.get("/v1/sync/pull", params={"cursor": cursor}).json()
            records.update({(r["collection"], r["record_id"]): r for r in page["records"]})
            cursor = page["cursor"]
            if not page["more"]:
                return records, client.get("/v1/sync/summary").json()


def _backup(school: SchoolPostgres, backup_dir: Path) -> Path:
    env = {**school.tools_env, ENV_PREFIX + "DATABASE_URL": school.endpoints.database_url,
           "STUDYTEDDY_BACKUP_DIR": str(backup_dir)}
    done = subprocess.run([str(BACKUP_SCRIPTS / "studyteddy-backup.sh")], capture_output=True, text=True,
                          timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    dumps = sorted(backup_dir.glob("studyteddy-*.dump"))
    assert len(dumps) == 1 and not list(backup_dir.glob("*.partial")), list(backup_dir.iterdir())
    assert dumps[0].stat().st_mode & 0o077 == 0, "a dump of every student's data must be private"
    return dumps[0]


def _restore(school: SchoolPostgres, dump: Path) -> None:
    _psql(school.tools_env, school.superuser_url, "-v", f"db={SCHOOL_DATABASE}",
          "-v", f"owner={SCHOOL_ROLE}", "--file", str(BACKUP_SCRIPTS / "prepare-restore.sql"))
    school_libpq = "postgresql" + school.endpoints.database_url.removeprefix("postgresql+psycopg")
    # Wiped: the server's database is new and empty; the old one is kept aside, untouched.
    assert _psql(school.tools_env, school_libpq, "--command",
                 "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0"
    kept = _psql(school.tools_env, school.superuser_url, "--command",
                 f"SELECT count(*) FROM pg_database WHERE datname = '{SCHOOL_DATABASE}_before_restore'")
    assert kept == "1"
    env = {**school.tools_env, ENV_PREFIX + "DATABASE_URL": school.endpoints.database_url}
    done = subprocess.run([str(BACKUP_SCRIPTS / "studyteddy-restore.sh"), str(dump)], capture_output=True,
                          text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_guides_backup_restores_every_account_and_record_into_a_fresh_database(school_postgres, tmp_path):
    server_dir = tmp_path / "server"
    env = {ENV_PREFIX + "SECRET_KEY": secrets.token_urlsafe(32)}
    server = start_server(server_dir, school_postgres.endpoints, env=env)
    try:
        student = _make_student(server, _first_admin(server_dir, school_postgres.endpoints, server))
        token = sign_in(server, student)["access_token"]
        _push(server, token, [
            {"collection": "decks", "record_id": "deck1", "fields": {"name": _field("Biology", 1)}},
            {"collection": "cards", "record_id": "card1", "fields": {
                "front": _field("What is osmosis?", 2), "back": _field("Water crossing a membrane.", 2)}},
            {"collection": "review_logs", "record_id": "rev1", "fields": {
                "card": _field("card1", 3), "rating": _field(3, 3)}},
        ])
        _push(server, token, [{"collection": "cards", "record_id": "card1", "fields": {"back": _field(
            "Water crossing a semi-permeable membrane.", 4)}}])
        records_at_backup, summary_at_backup = _everything(server, token)
        dump = _backup(school_postgres, tmp_path / "backups")
        # Made after the backup, so the restore must take it away again.
        _push(server, token, [{"collection": "decks", "record_id": "deck2",
                               "fields": {"name": _field("Late", 5)}}])
    finally:
        stop_server(server)

    _restore(school_postgres, dump)
    migrated = _server_command(server_dir, school_postgres.endpoints, "migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    server = start_server(server_dir, school_postgres.endpoints, env=env)
    try:
        token = sign_in(server, student, "phone")["access_token"]
        records, summary = _everything(server, token)
    finally:
        stop_server(server)
    assert records == records_at_backup
    assert records[("cards", "card1")]["values"]["back"] == "Water crossing a semi-permeable membrane."
    assert ("decks", "deck2") not in records
    assert summary == summary_at_backup
    assert {name: entry["count"] for name, entry in summary["collections"].items()} == {
        "decks": 1, "cards": 1, "review_logs": 1}
