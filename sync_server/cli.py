"""`studyteddy-server`: serve the API, run the background worker, migrate, and manage accounts."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from platformdirs import user_data_dir

from sync_server.core.config import DEFAULT_PORT, ENV_PREFIX

log = logging.getLogger("sync_server")


def _default_data_dir() -> Path:
    return Path(os.environ.get(ENV_PREFIX + "DATA_DIR") or user_data_dir("studyteddy-server", appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studyteddy-server", description=(
        "Study Teddy's sync server. With no database or Redis URL it runs its own, bundled, in the data folder."))
    parser.add_argument("--data-dir", type=Path, default=None, help="where the server keeps its data")
    parser.add_argument("--database-url", default=os.environ.get(ENV_PREFIX + "DATABASE_URL"),
                        help="a PostgreSQL (with pgvector) to use instead of the bundled one")
    parser.add_argument("--redis-url", default=os.environ.get(ENV_PREFIX + "REDIS_URL"),
                        help="a Redis to use instead of the bundled one")
    parser.add_argument("--s3-bucket", default=os.environ.get(ENV_PREFIX + "S3_BUCKET"),
                        help="keep document files in this S3-compatible bucket (credentials from AWS_* variables)")
    parser.add_argument("--s3-endpoint-url", default=os.environ.get(ENV_PREFIX + "S3_ENDPOINT_URL"),
                        help="the S3-compatible service's address, for MinIO, Ceph or Garage")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command")
    # Serving options sit on the command itself: argparse lets a subcommand's defaults override them.
    commands.add_parser("serve", help="serve the API (the default; options before it)")
    _serve_options(parser)
    commands.add_parser("worker", help="run the background worker (huey)")
    commands.add_parser("migrate", help="bring the database schema up to date, then exit")
    admin = commands.add_parser("admin", help="manage accounts from the server's shell")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    roster = admin_commands.add_parser("import-roster", help="create accounts from a roster CSV")
    roster.add_argument("file", type=Path, help="CSV: login, display_name[, role, classes, password]; '-' for stdin")
    create = admin_commands.add_parser("create-account", help="create one account (the first admin, say)")
    create.add_argument("login")
    create.add_argument("--name", required=True, help="the name shown in the app")
    create.add_argument("--role", choices=("student", "teacher", "admin"), default="student")
    return parser


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--allow-self-registration", action="store_true",
                        help="let anyone create an account (off by default)")


def _terminate(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sync_server.api.app import LOG_FORMAT

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format=LOG_FORMAT)
    # SIGTERM (systemd, docker stop, kill) must end like Ctrl+C: through the `finally` that stops the
    # bundled PostgreSQL and Redis. uvicorn hands a signal it caught back to this handler when it ends.
    signal.signal(signal.SIGTERM, _terminate)
    # Each migration step is one line at INFO; an admin needs to see only that the schema is current.
    logging.getLogger("alembic").setLevel(logging.INFO if args.verbose else logging.WARNING)
    data_dir = (args.data_dir or _default_data_dir()).expanduser().absolute()
    from studyteddy_desktop.domain.errors import StudyTeddyError
    from sync_server.backends import running_backends

    try:
        with running_backends(data_dir, database_url=args.database_url, redis_url=args.redis_url) as backends:
            return _run(args, data_dir, backends)
    except StudyTeddyError as error:
        print(f"studyteddy-server: {error.message}", file=sys.stderr)
        if error.details:
            print(error.details, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0 if args.command in (None, "serve", "worker") else 130


def _run(args: argparse.Namespace, data_dir: Path, backends) -> int:
    from sync_server.core.config import ServerSettings, load_or_create_secret

    settings = ServerSettings(data_dir=data_dir, database_url=backends.database_url, redis_url=backends.redis_url,
                              secret_key=os.environ.get(ENV_PREFIX + "SECRET_KEY") or load_or_create_secret(data_dir),
                              host=getattr(args, "host", "127.0.0.1"), port=getattr(args, "port", DEFAULT_PORT),
                              workers=getattr(args, "workers", 1),
                              allow_self_registration=getattr(args, "allow_self_registration", False),
                              s3_bucket=args.s3_bucket or None, s3_endpoint_url=args.s3_endpoint_url or None)
    if args.command == "migrate":
        print("The schema is up to date.")  # running_backends upgraded it
        return 0
    if args.command == "worker":
        return _worker(settings)
    if args.command == "admin":
        from sync_server.admin_commands import run_admin_command

        return run_admin_command(settings, args)
    return _serve(settings)


def _serve(settings) -> int:
    import uvicorn

    os.environ.update(settings.to_environment())
    print(f"Study Teddy sync server on http://{settings.host}:{settings.port} (API docs at /docs)", flush=True)
    uvicorn.run("sync_server.api.app:create_app_from_environment", factory=True, host=settings.host,
                port=settings.port, workers=settings.workers, proxy_headers=True, access_log=False,
                log_level="warning", timeout_graceful_shutdown=10)
    return 0


def _worker(settings) -> int:
    from sync_server.jobs import server_huey

    huey = server_huey(settings.redis_url, settings.database_url)
    print("Study Teddy server worker running; Ctrl+C stops it.", flush=True)
    huey.create_consumer(workers=2, worker_type="thread", periodic=True).run()
    return 0
