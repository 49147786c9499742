"""Document import throughput, end to end through the real worker, against bare embedding.

Run: .venv/bin/python benchmarks/ingest.py [--pages 100] [--runs 3]
Targets: at least 15 pages/s for a 100-page PDF (about 1,500 characters a page), model warm;
the pipeline's time at most 1.25x that of bare embedding (chunks/s at least 0.8x of it).

Bare embedding is the worker's own embedder (ai/embedder.py, on the backend it picks, from the
same converted model cache) embedding the same chunk texts in the worker's batches of
EMBED_BATCH, in one tight loop once the runtime is down: so the ratio is what the pipeline adds
(sandboxed extraction, chunking, database writes, the job row and events) over the embedding it
cannot avoid. The gap between embedding backends is benchmarks/embedding_backends.py's question.

"Model warm" means both models: a small document is imported first, and its summary loads the
language model. Each timed import starts on an idle worker. The same imports back to back, while
the previous document's summary is being written, are reported beside them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine_cpu import cpu_line, load_line  # noqa: E402
from study_corpus import pdf_with_pages  # noqa: E402

from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.runtime.paths import DataPaths  # noqa: E402
from studyteddy_desktop.worker.jobs.documents.indexing_job import EMBED_BATCH  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.assembly import open_services  # noqa: E402
from studyteddy_desktop.services.app_services import AppServices  # noqa: E402
from studyteddy_desktop.services.documents.query_embedding import WorkerQueryEmbedder  # noqa: E402
from studyteddy_desktop.services.core.event_channel import open_event_subscription  # noqa: E402

FINAL_EVENTS = {"job.done", "job.failed"}


def import_and_wait(services: AppServices, pdf: Path) -> tuple[float, int]:
    """Seconds from import to the worker's "done", heard the way the Documents pane hears it.

    Polling the database every few milliseconds would take CPU from the embedding it measures.
    """
    subscription = open_event_subscription(services.endpoints.redis_url, services.endpoints.database_url)
    try:
        started = time.perf_counter()
        outcome = services.documents.import_file(pdf)
        wanted = str(outcome.document.id)
        while True:
            event = subscription.next_event(timeout=60)
            if event is None:
                raise SystemExit("the worker went quiet for a minute")
            if event.kind in FINAL_EVENTS and event.data.get("document_id") == wanted:
                break
        elapsed = time.perf_counter() - started
    finally:
        subscription.close()
    document = services.documents.get(outcome.document.id)
    if document.status != "ready":
        raise SystemExit(f"import ended {document.status}: {document.status_reason}")
    return elapsed, document.chunk_count


def wait_until_idle(services: AppServices) -> None:
    """Until no job is queued or running (summaries included), then a moment for threads to settle."""
    import sqlalchemy as sa

    while True:
        with services.database.unit_of_work() as session:
            active = session.scalar(sa.text("SELECT count(*) FROM background_jobs "
                                            "WHERE state IN ('queued', 'running')"))
        if not active:
            break
        time.sleep(0.25)
    time.sleep(0.5)


def chunk_texts(services: AppServices) -> list[str]:
    """The chunks of one timed document (they all hold the same text), in order."""
    import sqlalchemy as sa

    with services.database.unit_of_work() as session:
        return list(session.scalars(sa.text(
            "SELECT text FROM document_chunks WHERE document_id = "
            "(SELECT id FROM documents ORDER BY chunk_count DESC LIMIT 1) ORDER BY ordinal")))


def bare_embedding_seconds(texts: list[str], models_dir: Path, runs: int) -> tuple[float, str]:
    """Median seconds for the worker's embedder to embed `texts` in its batches, and its backend."""
    from studyteddy_desktop.ai.embedder import SentenceEmbedder

    embedder = SentenceEmbedder(cache_dir=models_dir)
    embedder.embed(texts[:EMBED_BATCH])
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for start in range(0, len(texts), EMBED_BATCH):
            embedder.embed(texts[start:start + EMBED_BATCH])
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), embedder.backend


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(cpu_line())
    with tempfile.TemporaryDirectory(prefix="studyteddy-ingest-") as scratch:
        root = Path(scratch)
        runtime = ServiceRuntime(Settings(data_dir=root / "data"))
        services = open_services(runtime.start())
        try:
            warm = time.perf_counter()
            WorkerQueryEmbedder(services.queue)("warm the model up")
            import_and_wait(services, pdf_with_pages(root / "warm-up.pdf", 3))
            wait_until_idle(services)
            print(f"worker warm-up, both models: {time.perf_counter() - warm:.1f} s (not counted)")
            timings, chunk_counts = [], []
            for run in range(args.runs):
                pdf = pdf_with_pages(root / f"lecture-{run}.pdf", args.pages)
                wait_until_idle(services)
                elapsed, chunks = import_and_wait(services, pdf)
                timings.append(elapsed)
                chunk_counts.append(chunks)
            wait_until_idle(services)
            back_to_back = []
            for run in range(args.runs):
                pdf = pdf_with_pages(root / f"lecture-b{run}.pdf", args.pages)
                back_to_back.append(import_and_wait(services, pdf)[0])
            texts = chunk_texts(services)
        finally:
            services.close()
            runtime.stop()
        # Measured with the runtime down, so nothing else competes for the two cores.
        bare_s, backend = bare_embedding_seconds(texts, DataPaths(root / "data").models_dir, args.runs)

    median = statistics.median(timings)
    pages_per_s = args.pages / median
    chunks = statistics.median(chunk_counts)
    ratio = median / bare_s
    back_to_back_s = statistics.median(back_to_back)
    print(f"document: {args.pages} pages, ~1,500 characters a page, {chunks:.0f} chunks")
    print(f"end-to-end import (worker, model warm), median of {args.runs}: {median:.2f} s")
    print(f"  pages/s:  {pages_per_s:6.1f}   target >= 15   {_verdict(pages_per_s >= 15)}")
    print(f"  chunks/s: {chunks / median:6.1f}")
    print(f"back to back, each while the previous summary is written: {back_to_back_s:.2f} s, "
          f"{args.pages / back_to_back_s:.1f} pages/s")
    print(f"bare embedding ({backend}, batches of {EMBED_BATCH}), same {len(texts)} chunks, "
          f"median of {args.runs}: {bare_s:.2f} s, {len(texts) / bare_s:.1f} chunks/s")
    print(f"pipeline / bare embedding time: {ratio:.2f}   target <= 1.25   {_verdict(ratio <= 1.25)}")
    print(f"  pipeline overhead over embedding: {median - bare_s:.2f} s ({(median - bare_s) / median:.0%} "
          "of the import)")
    print(f"at the end: {load_line()}")


def _verdict(met: bool) -> str:
    return "ok" if met else "BELOW TARGET"


if __name__ == "__main__":
    main()
