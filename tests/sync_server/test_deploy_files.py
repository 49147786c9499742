"""compose.yaml, the systemd units and the Dockerfile run real `studyteddy-server` commands and options."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from sync_server.api.routes import health
from sync_server.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "sync_server" / "deploy"
UNITS = DEPLOY / "systemd"
GUIDE = (DEPLOY / "ADMIN_GUIDE.md").read_text("utf-8")
# What compose substitutes from .env: the example's values stand in for a school's.
COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes"}


def _parse_server_command(argv: list[str]):
    """The arguments as `studyteddy-server` itself would take them; argparse exits on an unknown option."""
    assert Path(argv[0]).name == "studyteddy-server", argv
    try:
        return build_parser().parse_args(argv[1:])
    except SystemExit as error:
        raise AssertionError(f"studyteddy-server refuses {argv[1:]}") from error


def _example_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#"))
    return {name: value.strip('"') or f"example-{name.lower()}" for name, value in pairs}


def _unindented(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines())


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def test_the_server_entry_point_is_the_module_the_tests_start():
    """The tests run `python -m sync_server`; deployments run `studyteddy-server`: one and the same main."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["scripts"]["studyteddy-server"] == "sync_server.cli:main"
    assert "from sync_server.cli import main" in (ROOT / "sync_server" / "__main__.py").read_text("utf-8")
    server_extra = " ".join(project["optional-dependencies"]["server"]).lower()
    assert not any(heavy in server_extra for heavy in ("pyside6", "torch", "llama"))


def test_the_systemd_units_run_real_commands_with_the_hardening_the_guide_promises():
    api = _unit("studyteddy-server.service")["Service"]
    served = _parse_server_command(shlex.split(api["ExecStart"]))
    assert served.command is None and served.workers > 1 and served.host == "127.0.0.1"
    worker = _unit("studyteddy-server-worker.service")["Service"]
    assert _parse_server_command(shlex.split(worker["ExecStart"])).command == "worker"
    for service in (api, worker):
        assert service["EnvironmentFile"] == "/etc/studyteddy-server/server.env"
        assert {key: service.get(key) for key in HARDENING} == HARDENING
        data_dir = str(_parse_server_command(shlex.split(service["ExecStart"])).data_dir)
        assert service["ReadWritePaths"] == data_dir == f"/var/lib/{service['StateDirectory']}"
        assert service["User"] != "root"
    assert "install -m 600 server.env.example /etc/studyteddy-server/server.env" in GUIDE
    env = _example_env(UNITS / "server.env.example")
    assert set(env) == {"STUDYTEDDY_SERVER_DATABASE_URL", "STUDYTEDDY_SERVER_REDIS_URL",
                        "STUDYTEDDY_SERVER_SECRET_KEY"}
    assert env["STUDYTEDDY_SERVER_DATABASE_URL"].startswith("postgresql+psycopg://")
    backup = _unit("studyteddy-backup.service")["Service"]
    assert backup["ExecStart"] == "/usr/local/bin/studyteddy-backup.sh"
    assert _unit("studyteddy-backup.timer")["Timer"]["OnCalendar"]


def test_systemd_itself_knows_every_directive_in_the_units():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    units = sorted(str(path) for path in UNITS.iterdir() if path.suffix in {".service", ".timer"})
    done = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, timeout=60,
                          check=False)
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    # The programs are installed only on the school's server, not on this machine.
    not_installed_here = re.compile(r"Command (/opt/studyteddy-server/bin/studyteddy-server|"
                                    r"/usr/local/bin/studyteddy-backup\.sh) is not executable")
    assert [line for line in complaints if not not_installed_here.search(line)] == []


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: compose.yaml cannot be parsed here")
    example = _example_env(DEPLOY / "compose.env.example")
    text = (DEPLOY / "compose.yaml").read_text("utf-8")
    text = COMPOSE_VARIABLE.sub(lambda found: example[found.group(1)], text)
    return yaml.safe_load(text)


def test_compose_runs_real_commands_for_the_replicas_the_worker_and_the_migration(compose):
    services = compose["services"]
    replicas = sorted(name for name in services if name.startswith("api-"))
    assert len(replicas) >= 2
    for name in replicas:
        served = _parse_server_command(services[name]["command"])
        assert served.command is None and served.host == "0.0.0.0" and served.workers >= 1
        assert served.database_url.startswith("postgresql+psycopg://")
        assert served.redis_url.startswith("redis://")
        assert "STUDYTEDDY_SERVER_SECRET_KEY" in services[name]["environment"]
    signing_keys = {services[name]["environment"]["STUDYTEDDY_SERVER_SECRET_KEY"] for name in replicas}
    assert len(signing_keys) == 1, "every replica must verify the others' tokens"
    assert _parse_server_command(services["worker"]["command"]).command == "worker"
    assert _parse_server_command(services["migrate"]["command"]).command == "migrate"
    urls = {(parsed.database_url, parsed.redis_url) for parsed in
            (_parse_server_command(services[name]["command"]) for name in [*replicas, "worker", "migrate"])}
    assert len(urls) == 1, "the replicas, the worker and the migration must use one database and one Redis"
    assert services["postgres"]["image"] == "pgvector/pgvector:pg18"
    redis_command = services["redis"]["command"]
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"


def test_the_proxy_balances_over_every_replica_and_checks_a_real_readiness_route(compose):
    caddyfile = (DEPLOY / "Caddyfile").read_text("utf-8")
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile).group(1).split()
    replicas = sorted(name for name in compose["services"] if name.startswith("api-"))
    assert sorted(upstream.split(":")[0] for upstream in upstreams) == replicas
    port = _parse_server_command(compose["services"][replicas[0]]["command"]).port
    assert {int(upstream.split(":")[1]) for upstream in upstreams} == {port}
    health_uri = re.search(r"health_uri (\S+)", caddyfile).group(1)
    assert health_uri in {route.path for route in health.router.routes}
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in compose["services"]["caddy"]["volumes"]


def test_the_image_installs_only_the_server():
    dockerfile = (DEPLOY / "Dockerfile").read_text("utf-8")
    assert 'pip install ".[server]"' in dockerfile
    command = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1)
    _parse_server_command(json.loads(command))


def test_the_guide_shows_the_backup_and_restore_commands_the_backup_test_runs():
    backup = (DEPLOY / "backup" / "studyteddy-backup.sh").read_text("utf-8")
    restore = (DEPLOY / "backup" / "studyteddy-restore.sh").read_text("utf-8")
    dump_line = next(line for line in backup.splitlines() if line.startswith("pg_dump "))
    assert dump_line in GUIDE
    restore_command = re.search(r"^pg_restore --no-owner.*?\n.*$", restore, re.MULTILINE).group(0)
    assert _unindented(restore_command) in _unindented(GUIDE)  # the guide indents it inside a list
    for script in ("prepare-restore.sql", "create-database.sql", "studyteddy-restore.sh",
                   "studyteddy-server migrate"):
        assert script in GUIDE
