"""A school morning on the sync server: 1,000 students, 100 in flight, each pushing 50 changes and pulling.

Run: .venv/bin/python benchmarks/sync_load.py [--students 1000] [--in-flight 100] [--workers 2] [--logins 100]
Bundled PostgreSQL and Redis in a temporary directory, `python -m sync_server --workers N` on loopback.
Accounts are inserted with one precomputed argon2id hash; `--logins` students sign in through the API
(argon2id verifies, measured on their own), the rest hold a device session written to the database and
a token signed with the server's key, as a laptop signed in for the term does. Each student pushes one
deck, 40 cards and 9 review logs stamped by its own HybridClock, then pulls from cursor 0; first with one
student in flight (the baseline), then 100. CPU: psutil on the server's processes, getrusage on this one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine_cpu import cpu_line, load_line
from study_corpus import sentences

from studyteddy_desktop.domain.hybrid_clock import HybridClock

PASSWORD = "correct horse battery staple"
PROTOCOL = {"Study-Teddy-Protocol": "1"}
CARDS, REVIEWS = 40, 9  # with the deck: 50 changes a push
TEXTS = sentences(2_000, seed=13)


@dataclass
class Student:
    index: int
    login: str
    account_id: uuid.UUID
    access_token: str | None = None
    push_body: bytes = b""
    pushed: dict[tuple[str, str], dict] = field(default_factory=dict)

    @property
    def address(self) -> str:
        # Each device's own address, as the school's reverse proxy forwards it (uvicorn trusts loopback).
        return f"10.77.{self.index // 250}.{self.index % 250 + 1}"


@dataclass
class Phase:
    name: str
    wall_s: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    retried: int = 0

    async def timed(self, kind: str, send) -> httpx.Response:
        """`send()` timed as the student waits for it, asked once more if no answer came (a push keeps its id)."""
        started = time.perf_counter()
        try:
            answer = await send()
        except httpx.TransportError:
            self.retried += 1
            answer = await send()
        self.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        return answer

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())


def in_database(database_url: str, work):
    """`work(connection)` in one transaction on a connection of its own."""
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            return work(connection)
    finally:
        engine.dispose()


def create_accounts(database_url: str, count: int, prefix: str, first_index: int = 0) -> list[Student]:
    """Student rows inserted in one statement, all with one argon2id hash of PASSWORD."""
    from studyteddy_desktop.db.models import UserProfile
    from sync_server.core.security import hash_password

    password_hash = hash_password(PASSWORD)
    students = [Student(first_index + n, f"{prefix}-{first_index + n:05d}", uuid.uuid4()) for n in range(count)]
    rows = [{"id": s.account_id, "login": s.login, "display_name": f"Student {s.index}", "role": "student",
             "password_hash": password_hash, "subjects": [], "settings": {}} for s in students]
    in_database(database_url, lambda connection: connection.execute(sa.insert(UserProfile), rows))
    for student in students:
        prepare_push(student)
    return students


def prepare_push(student: Student) -> None:
    """The student's 50 changes, encoded once so the load generator spends its CPU on requests."""
    clock = HybridClock(uuid.uuid4().hex[:16])

    def writes(values: dict) -> dict:
        return {name: {"value": value, "stamp": clock.now().encode()} for name, value in values.items()}

    deck = f"deck-{student.index}"
    description = TEXTS[student.index % len(TEXTS)]
    changes = [("decks", deck, {"name": f"Biology, term {student.index % 3 + 1}", "description": description})]
    for card in range(CARDS):
        text = (student.index * CARDS + card) * 2
        changes.append(("cards", f"card-{student.index}-{card}", {
            "deck_id": deck, "front": TEXTS[text % len(TEXTS)], "back": TEXTS[(text + 1) % len(TEXTS)],
            "due": f"2026-12-{card % 28 + 1:02d}", "interval_days": card % 9 + 1, "ease": 2.5}))
    for review in range(REVIEWS):
        changes.append(("review_logs", f"review-{student.index}-{review}", {
            "card_id": f"card-{student.index}-{review}", "rating": review % 4 + 1,
            "reviewed_at": 1_764_600_000_000 + review * 61_000, "duration_ms": 4_000 + review * 350}))
    student.pushed = {(collection, record): values for collection, record, values in changes}
    student.push_body = json.dumps({"push_id": str(uuid.uuid4()), "changes": [
        {"collection": collection, "record_id": record, "fields": writes(values)}
        for collection, record, values in changes]}).encode()


def open_sessions_directly(database_url: str, students: list[Student], secret_key: str) -> None:
    """A device session per student and an access token signed with the server's key, without argon2."""
    from studyteddy_desktop.db.models import DeviceSession
    from sync_server.core.config import ServerSettings
    from sync_server.core.security import AccessTokens

    tokens = AccessTokens(secret_key, ServerSettings.audience, 3600)
    sessions = {student.login: uuid.uuid4() for student in students}
    expires = datetime.now(UTC) + timedelta(days=30)
    rows = [{"id": sessions[s.login], "user_id": s.account_id, "device_name": "laptop", "expires_at": expires}
            for s in students]
    in_database(database_url, lambda connection: connection.execute(sa.insert(DeviceSession), rows))
    for student in students:
        student.access_token = tokens.issue(student.account_id, sessions[student.login], "student")


async def _run_bounded(urls: list[str], work, students: list[Student], in_flight: int, phase: Phase,
                       timeout_s: float) -> Phase:
    """`work(clients, student)` for every student, at most `in_flight` at once, stopped after `timeout_s`."""
    semaphore = asyncio.Semaphore(in_flight)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(base_url=url, headers=PROTOCOL, limits=limits,
                                                                     timeout=60)) for url in urls]

        async def one(student: Student) -> None:
            async with semaphore:
                try:
                    await work(clients, student)
                except httpx.HTTPError as error:
                    phase.errors.append(f"{student.login}: {type(error).__name__}: {error}")

        started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.gather(*(one(student) for student in students)), timeout_s)
        except TimeoutError:
            phase.errors.append(f"the phase passed its {timeout_s:.0f} s bound and was stopped")
        phase.wall_s = time.perf_counter() - started
    return phase


async def sign_in_all(urls: list[str], students: list[Student], in_flight: int, timeout_s: float = 600) -> Phase:
    """Each student signs in once through /v1/auth/login, round-robin over the servers."""
    phase = Phase("login")

    async def login(clients: list[httpx.AsyncClient], student: Student) -> None:
        answer = await phase.timed("login", lambda: clients[student.index % len(clients)].post(
            "/v1/auth/login", json={"login": student.login, "password": PASSWORD, "device_name": "laptop"},
            headers={"X-Forwarded-For": student.address}))
        if answer.status_code != 200:
            phase.errors.append(f"{student.login}: login {answer.status_code} {answer.text[:200]}")
            return
        student.access_token = answer.json()["access_token"]

    return await _run_bounded(urls, login, students, in_flight, phase, timeout_s)


async def run_syncs(urls: list[str], students: list[Student], in_flight: int, *, name: str = "sync",
                    kinds: tuple[str, ...] = ("push", "pull"), timeout_s: float = 900) -> Phase:
    """Each student pushes its 50 changes and pulls from cursor 0 (through the next server, if several)."""
    phase = Phase(name)

    async def sync(clients: list[httpx.AsyncClient], student: Student) -> None:
        headers = {"Authorization": f"Bearer {student.access_token}"}
        if "push" in kinds:
            answer = await phase.timed("push", lambda: clients[student.index % len(clients)].post(
                "/v1/sync/push", content=student.push_body, headers={**headers, "Content-Type": "application/json"}))
            if answer.status_code != 200 or answer.json()["applied"] != len(student.pushed):
                phase.errors.append(f"{student.login}: push {answer.status_code} {answer.text[:200]}")
                return
        if "pull" in kinds:
            answer = await phase.timed("pull", lambda: clients[(student.index + 1) % len(clients)].get(
                "/v1/sync/pull", params={"cursor": 0, "limit": 200}, headers=headers))
            if answer.status_code != 200:
                phase.errors.append(f"{student.login}: pull {answer.status_code} {answer.text[:200]}")
                return
            pulled = {(r["collection"], r["record_id"]): r["values"] for r in answer.json()["records"]}
            if pulled != student.pushed:
                phase.errors.append(f"{student.login}: pulled {len(pulled)} records, not what was pushed")

    return await _run_bounded(urls, sync, students, in_flight, phase, timeout_s)


def lost_changes(database_url: str, students: list[Student]) -> list[str]:
    """What the database lacks of what each student pushed: records, values, or an unbroken sequence."""
    from studyteddy_desktop.domain.sync_merge import values

    stored: dict[uuid.UUID, dict[tuple[str, str], tuple[dict, int]]] = {s.account_id: {} for s in students}
    query = sa.text("SELECT user_id, collection, record_id, state, server_seq FROM sync_records "
                    "WHERE user_id = ANY(:ids)")
    for user_id, collection, record_id, state, seq in in_database(
            database_url, lambda connection: connection.execute(query, {"ids": list(stored)}).all()):
        stored[user_id][(collection, record_id)] = (values(state), seq)
    problems = []
    for student in students:
        found = stored[student.account_id]
        missing = [key for key in student.pushed if key not in found]
        differing = [key for key, pushed in student.pushed.items() if key in found and found[key][0] != pushed]
        sequence = sorted(seq for _, seq in found.values())
        if missing or differing or len(found) != len(student.pushed) or sequence != list(range(1, len(found) + 1)):
            problems.append(f"{student.login}: {len(found)} records stored, {len(missing)} missing, "
                            f"{len(differing)} with other values, sequence {sequence[:3]}...")
    return problems


def tree_cpu_s(pid: int) -> float:
    """User+system seconds of a process and its descendants, including children already reaped."""
    total = 0.0
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += sum(process.cpu_times()[:4])  # user, system, and both for reaped children
    return total


def cpu_now(pids: dict[str, int | None]) -> dict[str, float]:
    spent = {name: tree_cpu_s(pid) if pid else 0.0 for name, pid in pids.items()}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {**spent, "load generator": usage.ru_utime + usage.ru_stime}


def measured(pids: dict[str, int | None], coroutine) -> tuple[Phase, dict[str, float]]:
    """Run one phase; its result and the CPU seconds each process group spent meanwhile."""
    before, phase = cpu_now(pids), asyncio.run(coroutine)  # in this order: the phase runs after the reading
    after = cpu_now(pids)
    return phase, {name: after[name] - before[name] for name in before}


def start_server(data_dir: Path, endpoints, redis_url: str, workers: int,
                 secret_key: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "sync_server", "--data-dir", str(data_dir),
                                "--database-url", endpoints.database_url, "--redis-url", redis_url,
                                "--port", str(port), "--workers", str(workers)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               env={**os.environ, "STUDYTEDDY_SERVER_SECRET_KEY": secret_key})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/readyz", timeout=1).status_code == 200 and \
                    len(psutil.Process(process.pid).children(recursive=True)) >= workers:
                return process, url
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError("the sync server did not become ready within 90 s")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM to the server's whole process group (uvicorn and its workers), SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(timeout=5)


def quantiles_ms(samples: list[float]) -> tuple[float, float, float]:
    if len(samples) < 2:
        only = samples[0] * 1000 if samples else float("nan")
        return only, only, only
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def latency_line(phase: Phase, kind: str) -> str:
    p50, p95, p99 = quantiles_ms(phase.latencies.get(kind, []))
    return f"{kind} p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms ({len(phase.latencies.get(kind, []))})"


def report(args, phases: dict[str, tuple[Phase, dict[str, float]]], problems: list[str], checked: int,
           replaced_workers: int) -> bool:
    (logins, _), (load, load_cpu) = phases["login"], phases["load"]
    (push, _), (pull, _) = phases["baseline push"], phases["baseline pull"]
    ms = {kind: {name: seconds / max(1, phase.requests) * 1000 for name, seconds in cpu.items()}
          for kind, (phase, cpu) in phases.items()}
    print(f"Logins: {logins.requests} through /v1/auth/login, {args.login_in_flight} in flight: "
          f"{logins.requests / logins.wall_s:.1f}/s; {latency_line(logins, 'login')}; errors {len(logins.errors)}; "
          f"server CPU per login {ms['login']['server']:.0f} ms (argon2id)")
    print(f"Baseline, 1 in flight, {args.baseline_students} students: {latency_line(push, 'push')}; "
          f"{latency_line(pull, 'pull')}; errors {len(push.errors) + len(pull.errors)}")
    print(f"  CPU per push of 50 changes: server {ms['baseline push']['server']:.1f} ms + PostgreSQL "
          f"{ms['baseline push']['postgres']:.1f} ms; per pull of 50 records: server "
          f"{ms['baseline pull']['server']:.1f} ms + PostgreSQL {ms['baseline pull']['postgres']:.1f} ms")
    print(f"Load, {args.students} students, {args.in_flight} in flight, {args.workers} workers: {load.requests} "
          f"requests in {load.wall_s:.1f} s = {load.requests / load.wall_s:.0f} requests/s "
          f"({args.students / load.wall_s:.0f} syncs/s)")
    for kind, baseline in (("push", push), ("pull", pull)):
        p50, p95, _ = quantiles_ms(load.latencies.get(kind, []))
        b50, b95, _ = quantiles_ms(baseline.latencies.get(kind, []))
        print(f"  {latency_line(load, kind)}; vs 1 in flight: p50 x{p50 / b50:.1f}, p95 x{p95 / b95:.1f}")
    print(f"  errors: {len(load.errors)}; requests asked again after no answer came: {load.retried}; worker "
          f"processes uvicorn replaced during the run: {replaced_workers}"
          + "".join(f"\n    {error}" for error in load.errors[:5]))
    print("  CPU over the phase: " + ", ".join(f"{name} {seconds:.1f} s ({seconds / load.wall_s:.2f} cores)"
                                              for name, seconds in load_cpu.items()) + f" of {os.cpu_count()}")
    server_sync, database_sync = load_cpu["server"] / args.students, load_cpu["postgres"] / args.students
    print(f"  CPU per sync (push of 50 + pull) under load: server {server_sync * 1000:.1f} ms, PostgreSQL "
          f"{database_sync * 1000:.1f} ms, Redis {load_cpu['redis'] / args.students * 1000:.2f} ms")
    uncontended = (ms["baseline push"]["server"] + ms["baseline pull"]["server"]) / 1000
    print(f"Students one core serves at one sync a minute (60 s / server CPU per sync): {60 / server_sync:,.0f} "
          f"under load; {60 / uncontended:,.0f} uncontended; {60 / (server_sync + database_sync):,.0f} with "
          f"PostgreSQL on the same core")
    print(f"Lost-change check: {checked} students x 50 records in sync_records: "
          f"{'nothing lost' if not problems else f'{len(problems)} students with problems'}"
          + "".join(f"\n    {problem}" for problem in problems[:5]))
    p95_ok = all(quantiles_ms(load.latencies.get(kind, []))[1] < 300 for kind in ("push", "pull"))
    errors = sum(len(phase.errors) for phase, _ in phases.values())
    print(f"Goal: p95 < 300 ms {'met' if p95_ok else 'MISSED'}; errors {errors}; lost {len(problems)}; {load_line()}")
    return p95_ok and not errors and not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--logins", type=int, default=100, help="students signing in through the API first")
    parser.add_argument("--login-in-flight", type=int, default=10, help="argon2id takes 64 MiB a verify")
    parser.add_argument("--baseline-students", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=900, help="bound on each phase, seconds")
    args = parser.parse_args()
    from sync_client import server_redis

    from studyteddy_desktop.config import Settings
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime

    print(cpu_line(), flush=True)
    with tempfile.TemporaryDirectory(prefix="sync-load-") as scratch, contextlib.ExitStack() as stack:
        runtime = ServiceRuntime(Settings(data_dir=Path(scratch) / "data"), with_worker=False)
        endpoints = runtime.start()
        stack.callback(runtime.stop)
        redis_url, redis_server = stack.enter_context(server_redis(runtime, Path(scratch) / "server-redis"))
        secret_key = secrets.token_urlsafe(32)
        server, url = start_server(Path(scratch) / "server", endpoints, redis_url, args.workers, secret_key)
        try:
            pids = {"server": server.pid, "postgres": runtime.postgres.running_pid() if runtime.postgres else None,
                    "redis": redis_server.running_pid() if redis_server else None}
            workers, started = {child.pid for child in psutil.Process(server.pid).children()}, time.perf_counter()
            baseline = create_accounts(endpoints.database_url, args.baseline_students, "baseline")
            students = create_accounts(endpoints.database_url, args.students, "student", args.baseline_students)
            print(f"Accounts: {len(baseline) + len(students)} inserted with one argon2id hash, 50 changes each "
                  f"prepared, in {time.perf_counter() - started:.1f} s", flush=True)
            phases = {"login": measured(pids, sign_in_all([url], students[:args.logins], args.login_in_flight,
                                                          args.timeout))}
            open_sessions_directly(endpoints.database_url, [*baseline, *students[args.logins:]], secret_key)
            for name, kinds in (("baseline push", ("push",)), ("baseline pull", ("pull",))):
                phases[name] = measured(pids, run_syncs([url], baseline, 1, name=name, kinds=kinds,
                                                        timeout_s=args.timeout))
            phases["load"] = measured(pids, run_syncs([url], students, args.in_flight, timeout_s=args.timeout))
            problems = lost_changes(endpoints.database_url, [*baseline, *students])
            replaced = len(workers - {child.pid for child in psutil.Process(server.pid).children()})
            ok = report(args, phases, problems, len(baseline) + len(students), replaced)
        finally:
            stop_server(server)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
