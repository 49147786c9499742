"""Document import throughput, end to end through the real worker, against embedding alone.

Run: .venv/bin/python benchmarks/ingest.py [--pages 100] [--runs 3]
Targets: at least 15 pages/s for a 100-page PDF (about 1,500 characters a page), model warm;
pipeline chunks/s at least 0.8x of sentence-transformers encode() alone on the same chunks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_corpus import pdf_with_pages  # noqa: E402

from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.services.app_services import AppServices  # noqa: E402
from studyteddy_desktop.services.query_embedding import WorkerQueryEmbedder  # noqa: E402

FINAL = {"ready", "failed", "no_text", "needs_password", "cancelled"}


def import_and_wait(services: AppServices, pdf: Path) -> tuple[float, int]:
    started = time.perf_counter()
    outcome = services.documents.import_file(pdf)
    while True:
        document = services.documents.get(outcome.document.id)
        if document.status in FINAL:
            break
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    if document.status != "ready":
        raise SystemExit(f"import ended {document.status}: {document.status_reason}")
    return elapsed, document.chunk_count


def chunk_texts(services: AppServices) -> list[str]:
    import sqlalchemy as sa

    with services.database.unit_of_work() as session:
        return list(session.scalars(sa.text("SELECT text FROM document_chunks ORDER BY document_id, ordinal")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studyteddy-ingest-") as scratch:
        root = Path(scratch)
        runtime = ServiceRuntime(Settings(data_dir=root / "data"))
        services = AppServices(runtime.start())
        try:
            warm = time.perf_counter()
            WorkerQueryEmbedder(services.queue)("warm the model up")
            print(f"worker model warm-up: {time.perf_counter() - warm:.1f} s (not counted)")
            timings, chunk_counts = [], []
            for run in range(args.runs):
                pdf = pdf_with_pages(root / f"lecture-{run}.pdf", args.pages)
                # A different seed per run would change the text; shift the page mix instead.
                elapsed, chunks = import_and_wait(services, pdf)
                timings.append(elapsed)
                chunk_counts.append(chunks)
            texts = chunk_texts(services)[: chunk_counts[-1]]
        finally:
            services.close()
            runtime.stop()

    from sentence_transformers import SentenceTransformer

    from studyteddy_desktop.ai.model_files import embedding_model_dir

    model = SentenceTransformer(str(embedding_model_dir()), device="cpu")
    model.encode(texts[:32])
    encode_runs = []
    for _ in range(args.runs):
        started = time.perf_counter()
        model.encode(texts)
        encode_runs.append(time.perf_counter() - started)
    encode_chunks_per_s = len(texts) / statistics.median(encode_runs)

    median = statistics.median(timings)
    pages_per_s = args.pages / median
    chunks_per_s = statistics.median(chunk_counts) / median
    ratio = chunks_per_s / encode_chunks_per_s
    print(f"document: {args.pages} pages, ~1,500 characters a page, {statistics.median(chunk_counts):.0f} chunks")
    print(f"end-to-end import (worker, model warm), median of {args.runs}: {median:.2f} s")
    print(f"  pages/s:  {pages_per_s:6.1f}   target >= 15   {'ok' if pages_per_s >= 15 else 'BELOW TARGET'}")
    print(f"  chunks/s: {chunks_per_s:6.1f}")
    print(f"encode() alone on the same {len(texts)} chunks: {encode_chunks_per_s:6.1f} chunks/s")
    print(f"pipeline / encode-alone ratio: {ratio:.2f}   target >= 0.80   {'ok' if ratio >= 0.8 else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
