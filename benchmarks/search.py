"""Search over 100,000 chunks: latency including query embedding, and HNSW recall against exact search.

Run: .venv/bin/python benchmarks/search.py [--chunks 100000] [--queries 200]
Targets: p95 under 50 ms per search including the query embedding (through the worker, as the
app does it); recall@10 of the HNSW index at least 0.95 against exact nearest neighbours.
The corpus is real embeddings of varied study sentences (see study_corpus.py); they are cached
under benchmarks/results/ so later runs skip the embedding step.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_statistics import percentile  # noqa: E402

from study_corpus import DETAILS, SUBJECTS, sentences  # noqa: E402

from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.assembly import open_services  # noqa: E402
from studyteddy_desktop.services.app_services import AppServices  # noqa: E402
from studyteddy_desktop.services.documents.query_embedding import WorkerQueryEmbedder  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DOCUMENTS = 20


def corpus_vectors(texts: list[str]) -> np.ndarray:
    cache = RESULTS / f"corpus-{len(texts)}.npy"
    if cache.exists():
        return np.load(cache)
    from studyteddy_desktop.ai.embedder import SentenceEmbedder

    started = time.perf_counter()
    vectors = SentenceEmbedder().embed(texts, batch_size=128)
    print(f"embedded {len(texts):,} sentences in {time.perf_counter() - started:.0f} s (cached for next runs)")
    RESULTS.mkdir(exist_ok=True)
    np.save(cache, vectors)
    return vectors


def load_corpus(services: AppServices, texts: list[str], vectors: np.ndarray) -> None:
    import sqlalchemy as sa

    profile = services.profile.ensure_local_profile()
    per_document = len(texts) // DOCUMENTS
    with services.database.engine.begin() as connection:
        document_ids = []
        for number in range(DOCUMENTS):
            document_id = uuid.uuid4()
            document_ids.append(document_id)
            connection.execute(sa.text(
                "INSERT INTO documents (id, user_id, title, original_filename, content_sha256, mime_type, "
                "size_bytes, page_count, status, chunk_count, paged) VALUES (:id, :user, :title, :file, :sha, "
                "'application/pdf', 1000, :pages, 'ready', :chunks, true)"),
                {"id": document_id, "user": profile.id, "title": f"Course pack {number + 1}",
                 "file": f"pack-{number + 1}.pdf", "sha": uuid.uuid4().hex * 2, "pages": per_document // 10,
                 "chunks": per_document})
        connection.execute(sa.text("DROP INDEX ix_document_chunks_embedding"))
        raw = connection.connection.driver_connection
        buffer = io.StringIO()
        for index, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
            document = document_ids[min(index // per_document, DOCUMENTS - 1)]
            ordinal = index - (index // per_document) * per_document
            vector_text = "[" + ",".join(f"{value:.6f}" for value in vector) + "]"
            buffer.write(f"{uuid.uuid4()}\t{document}\t{ordinal}\t{text}\t{ordinal // 10 + 1}\t"
                         f"{ordinal // 10 + 1}\t0\t{len(text)}\t{len(text.split())}\t{vector_text}\n")
        started = time.perf_counter()
        with raw.cursor().copy("COPY document_chunks (id, document_id, ordinal, text, page_start, page_end, "
                               "char_start, char_end, token_count, embedding) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        print(f"loaded {len(texts):,} chunks in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        connection.execute(sa.text("SET maintenance_work_mem = '1GB'"))
        connection.execute(sa.text(
            "CREATE INDEX ix_document_chunks_embedding ON document_chunks USING hnsw "
            "(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"))
        print(f"built the HNSW index in {time.perf_counter() - started:.1f} s")
    with services.database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE document_chunks"))


def questions(count: int) -> list[str]:
    topics = [topic for topic_list in SUBJECTS.values() for topic in topic_list]
    asks = ["What does {topic} depend on?", "How is {topic} related to {detail}?",
            "Why does {detail} matter for {topic}?", "Explain {topic} and {detail}."]
    return [asks[n % len(asks)].format(topic=topics[n % len(topics)], detail=DETAILS[(n * 7) % len(DETAILS)])
            for n in range(count)]


def recall_at_10(services: AppServices, query_vectors: list[list[float]]) -> float:
    import sqlalchemy as sa

    nearest = sa.text("SELECT id FROM document_chunks ORDER BY embedding <=> CAST(:v AS vector) LIMIT 10")
    total = 0.0
    with services.database.engine.connect() as connection:
        for vector in query_vectors:
            text = "[" + ",".join(f"{value:.7f}" for value in vector) + "]"
            with connection.begin():
                connection.execute(sa.text("SET LOCAL hnsw.ef_search = 80"))
                approximate = set(connection.scalars(nearest, {"v": text}))
            with connection.begin():
                connection.execute(sa.text("SET LOCAL enable_indexscan = off"))
                exact = set(connection.scalars(nearest, {"v": text}))
            total += len(approximate & exact) / 10
    return total / len(query_vectors)



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    texts = sentences(args.chunks)
    vectors = corpus_vectors(texts)
    with tempfile.TemporaryDirectory(prefix="studyteddy-search-") as scratch:
        runtime = ServiceRuntime(Settings(data_dir=Path(scratch) / "data"))
        services = open_services(runtime.start())
        try:
            load_corpus(services, texts, vectors)
            embed = WorkerQueryEmbedder(services.queue)
            embed("warm the model up")
            asked = questions(args.queries)
            for question in asked[:10]:
                services.search.search(question)
            latencies, embed_only = [], []
            for question in asked:
                started = time.perf_counter()
                hits = services.search.search(question, limit=10)
                latencies.append((time.perf_counter() - started) * 1000)
                assert hits, question
            for question in asked[:50]:
                started = time.perf_counter()
                embed(question)
                embed_only.append((time.perf_counter() - started) * 1000)
            recall = recall_at_10(services, [embed(question) for question in asked[:100]])
        finally:
            services.close()
            runtime.stop()
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(f"corpus: {args.chunks:,} chunks in {DOCUMENTS} documents; {len(latencies)} searches")
    print(f"search latency incl. query embedding: p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  "
          f"target p95 < 50 ms  ratio {p95 / 50:.2f}  {'ok' if p95 < 50 else 'OVER TARGET'}")
    print(f"  of which query embedding through the worker: p50 {statistics.median(embed_only):5.1f} ms")
    print(f"HNSW recall@10 vs exact (ef_search 80, 100 queries): {recall:.3f}  target >= 0.95  "
          f"{'ok' if recall >= 0.95 else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
