"""How long a backup and a restore of a full profile take, and how much disk a backup needs.

Run: .venv/bin/python benchmarks/backup.py [--cards 10000] [--documents 50] [--repeats 3]
Builds, in a temporary data directory (bundled PostgreSQL and Redis, no worker), a profile with
10,000 cards (ten review-log rows each) and 50 imported 20-page PDFs with their passages and
embeddings as indexing leaves them; then times the app's snapshot and restore, and, as the
baseline measured in the same run, a plain `pg_dump -Fc` of the same database to /dev/null
plus a plain copy of the document files.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_corpus import pdf_with_pages, sentences  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from benchmarks.machine_cpu import cpu_name  # noqa: E402
from studyteddy_desktop.assembly import open_services  # noqa: E402
from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.services.app_services import AppServices  # noqa: E402
from studyteddy_desktop.services.backups.postgres_dump import PostgresTools  # noqa: E402

PAGES_PER_DOCUMENT, CHUNKS_PER_PAGE, REVIEWS_PER_CARD = 20, 3, 10


def build_cards(services: AppServices, cards: int) -> None:
    deck = services.flashcards.create_deck("Benchmark")
    with services.database.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO flashcards (deck_id, front, back, tags, state, due_at, stability, difficulty, "
            "created_at) SELECT :deck, 'What is the meaning of term ' || n || ' in chapter ' || n % 40 "
            "|| '?', 'Term ' || n || ' is explained on page ' || n % 300 || ' of the course notes.', "
            "ARRAY['bench'], "
            "'review', now() + (n % 30) * interval '1 day', 1 + n % 60, 1 + (n % 90) / 10.0, "
            "now() - interval '1 year' FROM generate_series(1, :cards) AS n"),
            {"deck": deck.id, "cards": cards})
        connection.execute(sa.text(
            "INSERT INTO review_logs (card_id, rating, reviewed_at, review_duration_ms, state_before) "
            "SELECT c.id, 1 + r % 4, now() - r * interval '1 day', 3000 + r * 137 % 9000, 'review' "
            "FROM flashcards c, generate_series(1, :reviews) AS r WHERE c.deck_id = :deck"),
            {"deck": deck.id, "reviews": REVIEWS_PER_CARD})


def build_documents(services: AppServices, folder: Path, documents: int) -> None:
    """Import real PDFs, then give each the passages and vectors the worker's indexing would store."""
    for number in range(documents):
        pdf = pdf_with_pages(folder / f"course-pack-{number + 1}.pdf", PAGES_PER_DOCUMENT)
        # Each file differs, as real documents do; the content store would keep duplicates once.
        with pdf.open("ab") as handle:
            handle.write(f"\n% copy {number}\n".encode())
        services.documents.import_file(pdf)
    texts = sentences(PAGES_PER_DOCUMENT * CHUNKS_PER_PAGE * 4)
    rng = np.random.default_rng(5)
    with services.database.engine.begin() as connection:
        document_ids = connection.scalars(sa.text("SELECT id FROM documents")).all()
        connection.execute(sa.text("UPDATE documents SET status = 'ready', page_count = :pages"),
                           {"pages": PAGES_PER_DOCUMENT})
        buffer = io.StringIO()
        for document_id in document_ids:
            for ordinal in range(PAGES_PER_DOCUMENT * CHUNKS_PER_PAGE):
                text = " ".join(texts[(ordinal * 4 + k) % len(texts)] for k in range(4))
                vector = rng.standard_normal(384).astype(np.float32)
                vector /= np.linalg.norm(vector)
                page = ordinal // CHUNKS_PER_PAGE + 1
                vector_text = "[" + ",".join(f"{v:.6f}" for v in vector) + "]"
                buffer.write(f"{uuid.uuid4()}\t{document_id}\t{ordinal}\t{text}\t{page}\t{page}\t0\t"
                             f"{len(text)}\t{len(text.split())}\t{vector_text}\n")
        raw = connection.connection.driver_connection
        with raw.cursor().copy("COPY document_chunks (id, document_id, ordinal, text, page_start, page_end, "
                               "char_start, char_end, token_count, embedding) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        connection.execute(sa.text("UPDATE documents SET chunk_count = :n"),
                           {"n": PAGES_PER_DOCUMENT * CHUNKS_PER_PAGE})


def tree_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def new_disk_bytes(folder: Path) -> int:
    """Bytes a backup folder holds that nothing else does: hard-linked document files cost none."""
    return sum(path.stat().st_blocks * 512 for path in folder.rglob("*")
               if path.is_file() and path.stat().st_nlink == 1)


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def baseline(services: AppServices, scratch: Path) -> float:
    """What the same work costs by hand: pg_dump -Fc to /dev/null, and a copy of the files."""
    tools = PostgresTools.for_url(services.endpoints.database_url)
    conninfo, env = tools._conninfo_and_env()
    files = Path(services.endpoints.data_dir) / "files"
    target = scratch / "copied-files"

    def run() -> None:
        subprocess.run([str(tools.bin_dir / "pg_dump"), "--format=custom", f"--dbname={conninfo}"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(files, target)

    return timed(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studyteddy-backup-bench-") as scratch:
        scratch_path = Path(scratch)
        (scratch_path / "pdfs").mkdir()
        runtime = ServiceRuntime(Settings(data_dir=scratch_path / "data"), with_worker=False)
        services = open_services(runtime.start())
        try:
            started = time.perf_counter()
            build_cards(services, args.cards)
            build_documents(services, scratch_path / "pdfs", args.documents)
            with services.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(sa.text("VACUUM ANALYZE"))
                database_bytes = c.scalar(sa.text("SELECT pg_database_size(current_database())"))
                counts = c.execute(sa.text(
                    "SELECT (SELECT count(*) FROM flashcards), (SELECT count(*) FROM review_logs), "
                    "(SELECT count(*) FROM documents), (SELECT count(*) FROM document_chunks)")).one()
            files_bytes = tree_bytes(services.backups.store.paths.files_dir)
            print(f"profile: {counts[0]:,} cards, {counts[1]:,} review-log rows, {counts[2]} documents, "
                  f"{counts[3]:,} passages with embeddings (built in {time.perf_counter() - started:.0f} s)")
            print(f"         database {database_bytes / 2**20:.1f} MiB on disk, document files "
                  f"{files_bytes / 2**20:.1f} MiB")

            snapshots, baselines, infos = [], [], []
            for _ in range(args.repeats):
                baselines.append(baseline(services, scratch_path))
                snapshots.append(timed(lambda: infos.append(services.backups.back_up_now())))
            info = infos[-1]
            folder = services.backups.store.root / info.id
            dump_bytes = (folder / "database.dump").stat().st_size
            restores: list[float] = []
            restore_phases: list[tuple[float, float, float]] = []
            for _ in range(max(1, args.repeats - 1)):
                marks: dict[str, float] = {}
                begun = time.perf_counter()
                services.backups.restore(info.id, lambda step, _f, marks=marks: marks.setdefault(
                    step, time.perf_counter()))
                restores.append(time.perf_counter() - begun)
                saving, applying = marks["Saving your current data first"], marks["Restoring your database"]
                restore_phases.append((saving - begun, applying - saving,
                                       marks["Restoring your documents"] - applying))
            new_bytes = new_disk_bytes(folder)
            with services.database.engine.connect() as c:
                after = c.execute(sa.text(
                    "SELECT (SELECT count(*) FROM flashcards), (SELECT count(*) FROM review_logs), "
                    "(SELECT count(*) FROM documents), (SELECT count(*) FROM document_chunks)")).one()
            assert tuple(after) == tuple(counts), (after, counts)
        finally:
            services.close()
            runtime.stop()
    snapshot_s, baseline_s = statistics.median(snapshots), statistics.median(baselines)
    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores)")
    print(f"snapshot: median {snapshot_s:.2f} s of {args.repeats} (runs: "
          f"{', '.join(f'{s:.2f}' for s in snapshots)})")
    print(f"baseline (pg_dump -Fc to /dev/null + copy of the files): median {baseline_s:.2f} s; "
          f"snapshot / baseline = {snapshot_s / baseline_s:.2f}")
    decode, safety, apply = (statistics.median(part) for part in zip(*restore_phases, strict=True))
    runs = ", ".join(f"{s:.2f}" for s in restores)
    print(f"restore: median {statistics.median(restores):.2f} s (runs: {runs}): "
          f"decoding the dump {decode:.2f} s, safety snapshot {safety:.2f} s, "
          f"replacing the database {apply:.2f} s")
    print(f"backup size: {info.size_bytes / 2**20:.1f} MiB listed "
          f"(database dump {dump_bytes / 2**20:.1f} MiB "
          f"+ {info.file_count} document files); new disk used: {new_bytes / 2**20:.1f} MiB "
          "(document files are hard links)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
