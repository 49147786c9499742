"""Kill the app, the worker, PostgreSQL or Redis at random moments, start again, and check what must hold."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.runtime.bundled_postgres import BundledPostgres
from studyteddy_desktop.runtime.bundled_redis import BundledRedis
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.runtime.worker_process import WorkerProcess
from tests.document_samples import BIOLOGY_PAGES, long_pdf, text_pdf

DRIVER = Path(__file__).with_name("fault_driver.py")
TARGETS = ("app", "worker", "postgres", "redis")
DECK = "Fault drill"
_UNFINISHED_DOCUMENTS = ("queued", "extracting", "embedding")
_UNFINISHED_JOBS = ("queued", "running")


def kill_targets(settings: Settings) -> tuple[str, ...]:
    """The targets a drill on these settings can hit: with the queue on PostgreSQL no Redis is started."""
    return tuple(target for target in TARGETS if target != "redis" or settings.uses_bundled_redis)


def build_samples(folder: Path, *, long_pages: int, small_files: int) -> list[Path]:
    """The long PDF first, then small PDFs and notes, each with text no other file has."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [long_pdf(folder / f"long-{long_pages}-pages.pdf", long_pages)]
    for number in range(small_files):
        pages = [f"Note {number}, part {part}: {text}" for part, text in enumerate(BIOLOGY_PAGES)]
        if number % 2:
            files.append(text_pdf(folder / f"small-{number}.pdf", pages))
        else:
            path = folder / f"small-{number}.md"
            path.write_text("\n\n".join(pages) + "\n")
            files.append(path)
    return files


@dataclass
class Tally:
    kills: Counter = field(default_factory=Counter)
    checks: int = 0
    violations: list[str] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    def check(self, holds: bool, description: str) -> None:
        self.checks += 1
        if not holds:
            self.violations.append(description)
            print(f"  VIOLATION: {description}", flush=True)


@dataclass
class DriverRun:
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


class FaultLab:
    """One data directory, its sample files, a journal of what the app was told, and the checks."""

    def __init__(self, root: Path, files: list[Path], *, seed: int, ratings: int, rating_interval: float,
                 skip_models: bool = False, settle_timeout: float = 600.0, data_dir: Path | None = None) -> None:
        self.root = root  # the journal and the app's output; the data directory may lie elsewhere
        self.data_dir = data_dir or root / "data"
        self.paths = DataPaths(self.data_dir)
        # The driver inherits this environment, so it picks the same queue mode as these settings.
        self.targets = kill_targets(Settings(data_dir=self.data_dir))
        self.files = files
        self.journal = root / "journal.txt"
        self.rng = random.Random(seed)
        self.ratings = ratings
        self.rating_interval = rating_interval
        self.skip_models = skip_models
        self.settle_timeout = settle_timeout
        self.tally = Tally()
        self.clean_chunks: dict[str, int] = {}
        self._observer: ServiceRuntime | None = None
        self._reported_lost: set[str] = set()
        self._runs = 0

    # -- the servers, seen from a second app (as a window left open would) ------------------

    def attach(self, *, with_worker: bool = False) -> None:
        """Register as an app of the data directory: the servers then outlive a killed driver."""
        self._observer = ServiceRuntime(Settings(data_dir=self.data_dir), with_worker=with_worker)
        self._observer.start()

    def detach(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer = None

    @contextlib.contextmanager
    def sql(self) -> Iterator[sa.Connection]:
        engine = sa.create_engine(BundledPostgres(self.paths).url, poolclass=sa.NullPool)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def add_cards(self, count: int) -> None:
        from studyteddy_desktop.assembly import open_services

        assert self._observer is not None and self._observer.endpoints is not None
        services = open_services(self._observer.endpoints)
        try:
            deck = services.flashcards.create_deck(DECK)
            services.flashcards.update_deck(deck.id, new_per_day=count + 10, reviews_per_day=count * 10)
            for number in range(count):
                services.flashcards.add_card(deck.id, CardDraft(f"Question {number}", f"Answer {number}"))
        finally:
            services.close()

    def forget_documents(self) -> None:
        """Delete the last epoch's documents, so the next imports them afresh."""
        from studyteddy_desktop.assembly import open_services

        assert self._observer is not None and self._observer.endpoints is not None
        services = open_services(self._observer.endpoints)
        try:
            for document in services.documents.list_documents():
                services.documents.delete(document.id)
        finally:
            services.close()

    # -- the app --------------------------------------------------------------------------

    def launch(self, epoch: int) -> DriverRun:
        self._runs += 1
        log_path = self.root / f"driver-{self._runs}.log"
        command = [sys.executable, str(DRIVER), "--data-dir", str(self.data_dir), "--journal", str(self.journal),
                   "--epoch", str(epoch), "--deck", DECK, "--ratings", str(self.ratings),
                   "--rating-interval", str(self.rating_interval), "--settle-timeout", str(self.settle_timeout)]
        if self.skip_models:
            command.append("--skip-models")
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(command + [str(path) for path in self.files], stdin=subprocess.DEVNULL,
                                       stdout=log_file, stderr=subprocess.STDOUT)
        return DriverRun(process, log_path)

    def journal_lines(self) -> list[list[str]]:
        if not self.journal.exists():
            return []
        return [line.split() for line in self.journal.read_text().splitlines() if line.strip()]

    def wait_started(self, run: DriverRun, timeout: float) -> bool:
        """True once the run's runtime started (its pid is journalled), False if it ended or timed out first."""
        deadline = time.monotonic() + timeout
        marker = str(run.process.pid)
        while time.monotonic() < deadline:
            if any(fields[0] == "started" and fields[2] == marker for fields in self.journal_lines()):
                return True
            if run.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    # -- the killer -----------------------------------------------------------------------

    def alive_targets(self, run: DriverRun | None) -> dict[str, int]:
        alive: dict[str, int] = {}
        if run is not None and run.process.poll() is None:
            alive["app"] = run.process.pid
        worker = WorkerProcess(self.paths, database_url="", redis_url=None, stop_servers_when_orphaned=False)
        servers = [("worker", worker.running_pid()), ("postgres", BundledPostgres(self.paths).running_pid())]
        if "redis" in self.targets:
            servers.append(("redis", BundledRedis(self.paths).running_pid()))
        for name, pid in servers:
            if pid is not None:
                alive[name] = pid
        return alive

    def kill_one(self, run: DriverRun | None, wanted: str | None = None) -> str | None:
        alive = self.alive_targets(run)
        if wanted is not None:
            alive = {wanted: alive[wanted]} if wanted in alive else {}
        if not alive:
            return None
        target = self.rng.choice(sorted(alive))
        with contextlib.suppress(ProcessLookupError):
            os.kill(alive[target], signal.SIGKILL)
        self.tally.kills[target] += 1
        return target

    # -- what must hold -------------------------------------------------------------------

    def acknowledged(self) -> list[str]:
        return [fields[1] for fields in self.journal_lines() if fields[0] == "ack"]

    def check_now(self, when: str) -> None:
        """What holds at every moment: no duplicate or surplus chunk, every acknowledged rating kept once."""
        with self.sql() as db:
            duplicates = db.execute(sa.text(
                "SELECT document_id, ordinal FROM document_chunks GROUP BY 1, 2 HAVING count(*) > 1")).all()
            self.tally.check(not duplicates, f"{when}: duplicate chunks {duplicates[:3]}")
            for title, chunks in self._chunk_counts(db).items():
                clean = self.clean_chunks.get(title)
                self.tally.check(clean is None or chunks <= clean,
                                 f"{when}: “{title}” has {chunks} chunks, a clean run made {clean}")
            acknowledged = self.acknowledged()
            kept = Counter(str(row) for row in db.execute(
                sa.text("SELECT id FROM review_logs WHERE id = ANY(CAST(:ids AS uuid[]))"),
                {"ids": acknowledged}).scalars())
            # Each lost rating is reported once, when it is first missed.
            lost = [log_id for log_id in acknowledged if kept[log_id] != 1 and log_id not in self._reported_lost]
            self._reported_lost.update(lost)
            self.tally.check(not lost, f"{when}: {len(lost)} of {len(acknowledged)} acknowledged ratings are "
                                       f"not in review_logs exactly once (first: {lost[:2]})")
            tries = sum(1 for fields in self.journal_lines() if fields[0] == "try")
            logged = db.execute(sa.text("SELECT count(*) FROM review_logs")).scalar_one()
            self.tally.check(logged <= tries, f"{when}: {logged} review logs for {tries} rating attempts")

    def check_settled(self, when: str) -> None:
        """Once the app's run ended: every document final, each with a clean run's chunks, no work left owed."""
        self.check_now(when)
        with self.sql() as db:
            stuck = db.execute(sa.text(
                "SELECT title, status FROM documents WHERE deleted_at IS NULL AND status = ANY(:states)"),
                {"states": list(_UNFINISHED_DOCUMENTS)}).all()
            self.tally.check(not stuck, f"{when}: documents left unfinished: {stuck}")
            counts = self._chunk_counts(db)
            for title, clean in self.clean_chunks.items():
                self.tally.check(counts.get(title) == clean,
                                 f"{when}: “{title}” has {counts.get(title)} chunks, a clean run made {clean}")
        self.ensure_worker()
        # The live worker's start queued them again; it may need a while to get to them.
        deadline = time.monotonic() + 120
        while (orphaned := self._left_by_dead_worker()) and time.monotonic() < deadline:
            time.sleep(2.0)
        self.tally.check(not orphaned, f"{when}: jobs left running by a worker that is gone: {orphaned}")

    def ensure_worker(self) -> None:
        """Start a worker unless one runs: after a last kill of the worker, with no app left to restart it, every
        running job would count as orphaned and none be queued again. detach() stops it with the servers."""
        assert self._observer is not None, "attach() first"
        self._observer.worker = self._observer.worker or self._observer._worker_process()
        self._observer.worker.ensure_running()  # raises, with the worker log's tail, if none will run

    def _left_by_dead_worker(self) -> list[tuple]:
        with self.sql() as db:
            running = db.execute(sa.text(
                "SELECT kind, worker_token FROM background_jobs WHERE state = 'running'")).all()
        worker_pid = self.alive_targets(None).get("worker")
        return [tuple(row) for row in running if (row.worker_token or "").split("-")[0] != str(worker_pid)]

    def owed_work(self) -> list[tuple]:
        with self.sql() as db:
            jobs = db.execute(sa.text("SELECT kind, state, message FROM background_jobs WHERE state = ANY(:states)"),
                              {"states": list(_UNFINISHED_JOBS)}).all()
            answers = db.execute(sa.text("SELECT 'tutor answer', status, question FROM ai_interactions "
                                         "WHERE status = 'generating' AND deleted_at IS NULL")).all()
        return [tuple(row) for row in [*jobs, *answers]]

    def check_all_work_ends(self, when: str, timeout: float) -> None:
        """With a worker running, every job and tutor answer ever asked for ends within `timeout`."""
        deadline = time.monotonic() + timeout
        while (owed := self.owed_work()) and time.monotonic() < deadline:
            time.sleep(2.0)
        self.tally.check(not owed, f"{when}: work still owed after {timeout:.0f} s: {owed[:5]}")

    def measure_clean(self) -> None:
        with self.sql() as db:
            self.clean_chunks = self._chunk_counts(db)

    @staticmethod
    def _chunk_counts(db: sa.Connection) -> dict[str, int]:
        return dict(db.execute(sa.text(
            "SELECT d.title, count(c.id) FROM documents d LEFT JOIN document_chunks c ON c.document_id = d.id "
            "WHERE d.deleted_at IS NULL GROUP BY d.title")).all())

    def check_full_stop(self, when: str) -> None:
        """With every app gone the servers and the worker are gone too, and the next start works."""
        survivors = self.wait_for_no_processes(15.0)
        self.tally.check(not survivors, f"{when}: processes left running after a full stop: {survivors}")
        started = time.monotonic()
        try:
            self.attach()
        except Exception as error:  # noqa: BLE001 - any failure to start again is what this check reports
            self.tally.check(False, f"{when}: the next start failed: {type(error).__name__}: {error}")
        else:
            self.tally.check(True, "next start")
            print(f"  next start took {time.monotonic() - started:.1f} s", flush=True)

    def wait_for_no_processes(self, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while (survivors := processes_using(self.data_dir)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return survivors

    def clean_up(self) -> None:
        """Stop whatever is left and kill what will not stop."""
        with contextlib.suppress(Exception):
            self.detach()
        with contextlib.suppress(Exception):
            ServiceRuntime(Settings(data_dir=self.data_dir))._stop_services()
        for line in processes_using(self.data_dir):
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)


def processes_using(data_dir: Path) -> list[str]:
    """Processes whose command line names the data directory or whose working directory lies in it."""
    marker = str(data_dir)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if marker in cmdline or cwd == marker or cwd.startswith(marker + "/"):
            found.append(f"{entry.name}: {cmdline[:120]}")
    return found


def _wait_exit(run: DriverRun, timeout: float) -> int | None:
    try:
        return run.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def _last_line(run: DriverRun) -> str:
    lines = [line for line in run.output().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


def _note_exit(lab: FaultLab, run: DriverRun, code: int, when: str) -> None:
    """An app that a kill stopped must either have died of the kill or said clearly what went wrong."""
    output = run.output()
    if code == -signal.SIGKILL:
        lab.tally.outcomes["app killed"] += 1
    elif code == 0:
        lab.tally.outcomes["app finished"] += 1
    elif code == 2 and "Traceback" not in output:
        lab.tally.outcomes["clear message"] += 1
        print(f"  app said: {_last_line(run)}", flush=True)
    else:
        lab.tally.outcomes["traceback"] += 1
        lab.tally.check(False, f"{when}: the app ended with exit code {code} and a traceback: {_last_line(run)}")


def drill(lab: FaultLab, epoch: int, kills: int, *, max_delay: float, targets: list[str] | None = None,
          start_timeout: float = 240.0, exit_grace: float = 15.0) -> int:
    """Run one epoch of the app's work with `kills` SIGKILLs at random moments; the kills made."""
    run = lab.launch(epoch)
    made = 0
    for number in range(kills):
        lab.wait_started(run, start_timeout)
        time.sleep(lab.rng.uniform(0.2, max_delay))
        if run.process.poll() is not None:
            break  # the epoch's work finished first; the kills left go to the next epoch
        target = lab.kill_one(run, targets[number % len(targets)] if targets else None)
        if target is None:
            continue
        made += 1
        when = f"epoch {epoch}, kill {number + 1} ({target})"
        print(f"{when}", flush=True)
        code = _wait_exit(run, exit_grace)
        if code is not None:
            _note_exit(lab, run, code, when)
            run = lab.launch(epoch)
            lab.tally.check(lab.wait_started(run, start_timeout),
                            f"{when}: the app did not start again: {_last_line(run)}")
        else:
            lab.tally.outcomes["app carried on"] += 1
        try:
            lab.check_now(when)
        except sa.exc.OperationalError as error:
            lab.tally.check(False, f"{when}: the database did not answer after the restart: {error.orig}")
    for _attempt in range(3):
        code = _wait_exit(run, lab.settle_timeout + 30)
        if code is None:
            run.process.kill()
            lab.tally.check(False, f"epoch {epoch}: the app did not finish its work: {_last_line(run)}")
            break
        if code == 0:
            break
        # A run started just before a kill's effects arrived can fail late; the next must finish.
        _note_exit(lab, run, code, f"epoch {epoch}, settling")
        run = lab.launch(epoch)
    lab.check_settled(f"epoch {epoch}, settled")
    return made
