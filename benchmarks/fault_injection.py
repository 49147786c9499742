"""SIGKILLs at random moments of the app, the worker, PostgreSQL and Redis, and what survives them.

Run: .venv/bin/python benchmarks/fault_injection.py [--kills 100] [--seed 7] [--time-bound 3600]
In a temporary data directory the app (tests/fault_driver.py) imports a 120-page PDF and ten small
files, asks the tutor, asks for card drafts and rates flashcards, journalling every rating the
service acknowledged. A clean epoch first measures the chunk counts; then each epoch deletes the
documents and does it all again while a seeded killer SIGKILLs one of the four processes at
random moments. After each kill the app starts again and the checks run (tests/fault_support.py);
each epoch ends with a full stop, a search for orphan processes and a fresh start. Then three
special cases: a full disk, a read-only data directory, PostgreSQL killed under a running app.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine_cpu import cpu_name  # noqa: E402
from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.domain.errors import StudyTeddyError  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from tests.fault_support import FaultLab, Tally, build_samples, drill, processes_using  # noqa: E402


def random_kills(lab: FaultLab, kills: int, *, time_bound: float, max_delay: float, per_epoch: int) -> None:
    started = time.monotonic()
    lab.attach()
    lab.add_cards(lab.ratings + 20)
    print("clean epoch 0 (no kills)", flush=True)
    clean_started = time.monotonic()
    drill(lab, 0, 0, max_delay=max_delay)
    lab.measure_clean()
    print(f"clean epoch took {time.monotonic() - clean_started:.0f} s; chunks: "
          f"{sum(lab.clean_chunks.values())} in {len(lab.clean_chunks)} documents", flush=True)
    lab.detach()
    lab.check_full_stop("after the clean epoch")
    made, epoch = 0, 0
    while made < kills and time.monotonic() - started < time_bound:
        epoch += 1
        lab.forget_documents()
        made += drill(lab, epoch, min(per_epoch, kills - made), max_delay=max_delay)
        lab.detach()
        lab.check_full_stop(f"after epoch {epoch}")
        print(f"-- {made} kills so far, {time.monotonic() - started:.0f} s", flush=True)
    # Summaries of the last documents would keep the model busy for many minutes: what is left
    # owed is every question, draft request and cleanup job, which must all end.
    lab.forget_documents()
    lab.detach()
    lab.attach(with_worker=True)
    lab.check_all_work_ends("at the end", timeout=600)
    lab.detach()
    lab.check_full_stop("at the end")
    lab.detach()


# -- the special cases -----------------------------------------------------------------------

def _sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def _run_driver(lab: FaultLab, epoch: int, timeout: float) -> tuple[int | None, str]:
    run = lab.launch(epoch)
    try:
        code = run.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.process.kill()
        code = None
    return code, run.output()


def full_disk(scratch: Path, files: list[Path], tally: Tally, seed: int) -> None:
    """A data directory on a small tmpfs that fills up during an import."""
    mount = scratch / "small-disk"
    mount.mkdir()
    _sh("mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", str(mount))
    # The journal and the app's output stay off the full disk: they are the record of what was told.
    lab = FaultLab(scratch / "full-disk-record", files, seed=seed, ratings=20, rating_interval=0.1,
                   skip_models=True, settle_timeout=240, data_dir=mount / "data")
    lab.root.mkdir()
    try:
        lab.attach()
        lab.add_cards(40)
        # Fill what is left but 64 KB: the import's copies, chunks and WAL run it out.
        with contextlib.suppress(OSError):
            with open(mount / "ballast", "wb") as ballast:
                while True:
                    ballast.write(b"\0" * (1 << 20))
        os.truncate(mount / "ballast", max(0, (mount / "ballast").stat().st_size - (1 << 16)))
        code, output = _run_driver(lab, 1, 300)
        last = [line for line in output.splitlines() if line.strip()][-1:] or ["(no output)"]
        print(f"full disk: app exit code {code}: {last[0][:300]}", flush=True)
        for line in output.splitlines():
            if ": failed" in line or "studyteddy:" in line:
                print(f"  {line[:300]}", flush=True)
        tally.check(code in (0, 2) and "Traceback" not in output,
                    f"full disk: no clear message (exit code {code}): {last[0][:300]}")
        (mount / "ballast").unlink()
        lab.detach()
        lab.attach()
        lab.check_now("full disk, after freeing space")
        tally.checks += lab.tally.checks
        tally.violations += lab.tally.violations
        print(f"full disk: {len(lab.acknowledged())} acknowledged ratings checked", flush=True)
    finally:
        lab.clean_up()
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=60)


def read_only(scratch: Path, tally: Tally) -> None:
    """A data directory the app may not write to: refused at start with a clear message."""
    source, mount = scratch / "ro-source", scratch / "ro-data"
    source.mkdir()
    mount.mkdir()
    runtime = ServiceRuntime(Settings(data_dir=source / "data"), with_worker=False)
    runtime.start()
    runtime.stop()
    _sh("mount", "--bind", str(source), str(mount))
    _sh("mount", "-o", "remount,bind,ro", str(mount))
    try:
        runtime = ServiceRuntime(Settings(data_dir=mount / "data"))
        try:
            runtime.start()
        except StudyTeddyError as error:
            print(f"read-only data directory: {type(error).__name__}: {error.message}", flush=True)
            tally.check("data directory" in error.message or "read-only" in error.message.lower(),
                        f"read-only data directory: an unclear message: {error.message}")
        except Exception as error:  # noqa: BLE001 - anything but a StudyTeddyError is what this check reports
            tally.check(False, f"read-only data directory: {type(error).__name__} instead of a clear message: {error}")
        else:
            runtime.stop()
            tally.check(False, "read-only data directory: the start succeeded")
        tally.check(not processes_using(mount / "data"), "read-only data directory: processes left running")
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=60)


def postgres_under_app(scratch: Path, files: list[Path], tally: Tally, seed: int) -> None:
    """PostgreSQL killed while the app rates cards: a clear message, and nothing acknowledged lost."""
    lab = FaultLab(scratch / "pg-kill", files, seed=seed, ratings=500, rating_interval=0.02, skip_models=True)
    lab.root.mkdir()
    try:
        lab.attach()
        lab.add_cards(520)
        lab.detach()  # the app is the only one: nothing else restarts PostgreSQL for it
        run = lab.launch(1)
        lab.wait_started(run, 240)
        deadline = time.monotonic() + 60
        while len(lab.acknowledged()) < 30 and time.monotonic() < deadline and run.process.poll() is None:
            time.sleep(0.05)
        lab.kill_one(run, "postgres")
        try:
            code = run.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.process.kill()
            code = None
        output = run.output()
        last = [line for line in output.splitlines() if line.strip()][-1:] or ["(no output)"]
        print(f"PostgreSQL killed under the app: exit code {code}: {last[0][:300]}", flush=True)
        tally.check(code == 2 and "Traceback" not in output,
                    f"PostgreSQL killed under the app: no clear message (exit code {code}): {last[0][:300]}")
        lab.wait_for_no_processes(30)
        lab.attach()
        lab.check_now("PostgreSQL killed under the app, after restart")
        print(f"PostgreSQL killed under the app: {len(lab.acknowledged())} acknowledged ratings checked", flush=True)
        tally.checks += lab.tally.checks
        tally.violations += lab.tally.violations
    finally:
        lab.clean_up()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-bound", type=float, default=3600.0, help="stop starting epochs after this many s")
    parser.add_argument("--per-epoch", type=int, default=8, help="kills in one epoch of the app's work")
    parser.add_argument("--max-delay", type=float, default=12.0, help="longest wait before a kill, s")
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--ratings", type=int, default=200)
    parser.add_argument("--skip-special", action="store_true")
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="studyteddy-faults-") as scratch_name:
        scratch = Path(scratch_name)
        files = build_samples(scratch / "files", long_pages=args.pages, small_files=10)
        lab = FaultLab(scratch / "kills", files, seed=args.seed, ratings=args.ratings,
                       rating_interval=max(0.2, args.time_bound / args.ratings / 3))
        lab.root.mkdir()
        tally = lab.tally
        try:
            if args.kills:
                random_kills(lab, args.kills, time_bound=args.time_bound, max_delay=args.max_delay,
                             per_epoch=args.per_epoch)
        finally:
            lab.clean_up()
        print(f"acknowledged ratings: {len(lab.acknowledged())}", flush=True)
        if not args.skip_special:
            small = build_samples(scratch / "small-files", long_pages=20, small_files=10)
            for special in (lambda: full_disk(scratch, small, tally, args.seed), lambda: read_only(scratch, tally),
                            lambda: postgres_under_app(scratch, small, tally, args.seed)):
                try:
                    special()
                except Exception as error:  # noqa: BLE001 - a broken special case is reported, the rest still run
                    tally.check(False, f"special case crashed: {type(error).__name__}: {error}")
    print(f"\nkills: {sum(tally.kills.values())} ({', '.join(f'{k} {v}' for k, v in sorted(tally.kills.items()))})")
    print(f"app after a kill: {', '.join(f'{k} {v}' for k, v in sorted(tally.outcomes.items()))}")
    print(f"checks: {tally.checks}")
    print(f"violations: {len(tally.violations)}")
    for violation in tally.violations:
        print(f"  - {violation}")
    print(f"total time: {time.monotonic() - started:.0f} s")
    return 1 if tally.violations else 0


if __name__ == "__main__":
    sys.exit(main())
