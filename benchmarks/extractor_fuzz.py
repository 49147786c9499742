"""Hostile files against the extractors: mutated PDF, Word, HTML and text files, for a bounded time.

Run: .venv/bin/python benchmarks/extractor_fuzz.py [--seconds 300] [--seed 1] [--max-files 5000]
     [--limit-seconds 20] [--pipeline-every 10]
Every file is read by the real extraction child (SandboxedExtraction); every Nth one (up to 256 KB) is
also imported and indexed through the real pipeline (bundled PostgreSQL, the real embedder), and its
document row must end ready / failed / no_text / needs_password with a reason.
Target: 0 violations (a read past the wall-clock limit, an error escaping to the parent, a reader
that crashed on an unhandled exception, a final state without a reason, a row left unfinished).
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.machine_cpu import cpu_name  # noqa: E402
from studyteddy_desktop.domain.document_errors import DocumentProblem  # noqa: E402
from studyteddy_desktop.ingest.extracted_document import ExtractionLimits  # noqa: E402
from tests.ingest.hostile_files import (EXTENSIONS, FORMATS, HostileFile, build_seeds,  # noqa: E402
                                        inflated_size, mutate, read_in_sandbox)

FINAL_STATUSES = {"ready", "failed", "no_text", "needs_password", "cancelled"}
PIPELINE_MAX_BYTES = 256 * 1024


class Pipeline:
    """The worker's indexing path on a private runtime: import, then index, then read the row back."""

    def __init__(self, data_dir: Path, limits: ExtractionLimits) -> None:
        from studyteddy_desktop.ai.embedder import SentenceEmbedder
        from studyteddy_desktop.config import Settings
        from studyteddy_desktop.ingest.content_store import ContentStore
        from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
        from studyteddy_desktop.services.core.database import Database
        from studyteddy_desktop.services.core.job_service import JobService
        from studyteddy_desktop.services.documents.document_library import DocumentLibrary
        from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
        from studyteddy_desktop.worker.queue import HueyJobQueue

        self.runtime = ServiceRuntime(Settings(data_dir=data_dir), with_worker=False)
        endpoints = self.runtime.start()
        self.database = Database(endpoints.database_url)
        store = ContentStore(data_dir / "fuzz-files")
        jobs = JobService(self.database, HueyJobQueue.for_endpoints(endpoints))
        self.library = DocumentLibrary(self.database, jobs, store)
        embedder = SentenceEmbedder()
        self.indexer = DocumentIndexer(self.database, store, limits=limits,
                                       embed=lambda texts: embedder.embed(texts).tolist())

    def run(self, path: Path) -> tuple[str, str | None]:
        """(final status, violation or None); a file refused at import never gets a row."""
        try:
            outcome = self.library.import_file(path)
        except DocumentProblem as problem:
            return "refused", None if problem.message.strip() else "refused at import without a reason"
        except Exception as error:
            return "crashed", f"import raised {error!r}"[:300]
        if outcome.duplicate:
            return "duplicate", None
        escaped = None
        try:
            self.indexer.index(outcome.document.id)
        except DocumentProblem:
            pass
        except Exception as error:  # the job runner would mark the job failed but not the document
            escaped = f"indexing raised {error!r}"[:300]
        document = self.library.get(outcome.document.id)
        if document.status not in FINAL_STATUSES:
            return str(document.status), escaped or f"row left {document.status}"
        if document.status != "ready" and not (document.status_reason or "").strip():
            return str(document.status), f"row {document.status} without a reason"
        return str(document.status), escaped

    def close(self) -> None:
        self.database.dispose()
        self.runtime.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="stop starting new files after this")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-files", type=int, default=5_000)
    parser.add_argument("--limit-seconds", type=float, default=20.0, help="the sandbox's wall-clock limit")
    parser.add_argument("--pipeline-every", type=int, default=10, help="0 turns the pipeline sample off")
    args = parser.parse_args()
    # A TERM (a CI timeout) unwinds like Ctrl+C, so the finally below stops the servers it started.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    limits = ExtractionLimits(max_seconds=args.limit_seconds)
    rng = random.Random(args.seed)
    print(f"CPU: {cpu_name()}")
    print(f"seed {args.seed}, budget {args.seconds:.0f} s, at most {args.max_files} files, "
          f"sandbox wall-clock limit {limits.max_seconds:.0f} s, memory limit "
          f"{limits.max_memory_bytes // 1_048_576} MiB")

    tried: collections.Counter[str] = collections.Counter()
    outcomes: dict[str, collections.Counter[str]] = {name: collections.Counter() for name in FORMATS}
    slowest: dict[str, float] = dict.fromkeys(FORMATS, 0.0)
    pipeline_outcomes: collections.Counter[str] = collections.Counter()
    violations: list[str] = []
    with tempfile.TemporaryDirectory(prefix="extractor-fuzz-") as folder:
        root = Path(folder)
        seeds = build_seeds(root)
        pipeline = Pipeline(root / "data", limits) if args.pipeline_every else None
        started = time.monotonic()
        try:
            for index in range(args.max_files):
                if time.monotonic() - started > args.seconds:
                    break
                file_format = FORMATS[index % len(FORMATS)]
                hostile = mutate(file_format, rng.choice(seeds[file_format]), rng)
                path = root / f"case-{index:05d}{EXTENSIONS[file_format]}"
                path.write_bytes(hostile.data)
                verdict = read_in_sandbox(path, limits)
                tried[file_format] += 1
                outcomes[file_format][verdict.outcome] += 1
                slowest[file_format] = max(slowest[file_format], verdict.seconds)
                if verdict.violation:
                    violations.append(_describe(index, hostile, verdict.violation, path, root))
                # Megabytes of text would cost minutes of embedding and prove nothing more.
                if (pipeline is not None and index % args.pipeline_every == 0
                        and inflated_size(hostile) <= PIPELINE_MAX_BYTES):
                    status, violation = pipeline.run(path)
                    pipeline_outcomes[status] += 1
                    if violation:
                        violations.append(_describe(index, hostile, f"pipeline: {violation}", path, root))
                else:
                    path.unlink()
        finally:
            elapsed = time.monotonic() - started
            if pipeline is not None:
                pipeline.close()
            _report(tried, outcomes, slowest, pipeline_outcomes, violations, elapsed, limits)
    return 1 if violations else 0


def _describe(index: int, hostile: HostileFile, violation: str, path: Path, root: Path) -> str:
    kept = Path(tempfile.gettempdir()) / "extractor-fuzz-violations"
    kept.mkdir(exist_ok=True)
    copy = kept / path.name
    copy.write_bytes(hostile.data)
    mutations = " + ".join(hostile.mutations)
    return f"case {index} ({hostile.file_format}, {mutations}): {violation}  [kept {copy}]"


def _report(tried, outcomes, slowest, pipeline_outcomes, violations, elapsed: float,
            limits: ExtractionLimits) -> None:
    kinds = ("text", "no_text", "failed", "needs_password", "timeout")
    print(f"\n{sum(tried.values())} files in {elapsed:.0f} s")
    print(f"{'format':<8}{'tried':>7}" + "".join(f"{kind:>16}" for kind in kinds) + f"{'max wall s':>12}")
    for file_format in FORMATS:
        counts = outcomes[file_format]
        print(f"{file_format:<8}{tried[file_format]:>7}" + "".join(f"{counts[kind]:>16}" for kind in kinds)
              + f"{slowest[file_format]:>12.2f}")
    print(f"max wall time per file {max(slowest.values()):.2f} s "
          f"against the {limits.max_seconds:.0f} s limit")
    if pipeline_outcomes:
        print("pipeline sample (document row's final status): "
              + ", ".join(f"{status} {count}" for status, count in sorted(pipeline_outcomes.items())))
    print(f"violations: {len(violations)}")
    for violation in violations[:50]:
        print(f"  {violation}")


if __name__ == "__main__":
    sys.exit(main())
