"""Hybrid search over the student's documents: pgvector similarity fused with full-text rank.

Reciprocal rank fusion (k=60) needs no score calibration between the two lists, and lets an
exact term ("Krebs cycle") win even when the embedding finds only vaguely related passages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from studyteddy_desktop.domain.document_dto import SearchHitDTO
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.ingest.text_normalizer import normalize_text
from studyteddy_desktop.services.documents.cited_page import PassageSpan, cited_pages
from studyteddy_desktop.services.core.database import Database

RRF_K = 60
CANDIDATES_PER_LIST = 40
MAX_QUERY_CHARS = 1_000
MAX_LIMIT = 100
HNSW_EF_SEARCH = 80

# Every search, filtered or not, covers only the searching student's live, ready documents: one
# still being indexed holds half its chunks, a tombstone's chunks may outlive it for a moment.
_ALLOWED_DOCUMENTS = sa.text("""
    SELECT id FROM documents
    WHERE user_id = :user_id AND deleted_at IS NULL AND status = 'ready'
      AND (CAST(:document_ids AS uuid[]) IS NULL OR id = ANY(CAST(:document_ids AS uuid[])))
      AND (CAST(:subject AS text) IS NULL OR lower(subject) = lower(CAST(:subject AS text)))
""")

# The filter sits on the HNSW scan, which with `hnsw.iterative_scan` keeps walking the graph until
# `candidates` allowed chunks are found, instead of dropping rows from its first `ef_search` ones.
# `relaxed_order` may hand them over slightly out of order, so they are sorted again by distance.
_SEMANTIC = sa.text("""
    WITH nearest AS MATERIALIZED (
        SELECT c.id, c.embedding <=> CAST(:query_vector AS vector) AS distance FROM document_chunks c
        WHERE c.embedding IS NOT NULL AND c.document_id = ANY(CAST(:allowed AS uuid[]))
        ORDER BY distance LIMIT :candidates)
    SELECT id FROM nearest ORDER BY distance
""")

_LEXICAL = sa.text("""
    SELECT c.id FROM document_chunks c, websearch_to_tsquery('english', :query) q
    WHERE c.tsv @@ q AND c.document_id = ANY(CAST(:allowed AS uuid[]))
    ORDER BY ts_rank_cd(c.tsv, q) DESC LIMIT :candidates
""")

_HITS = sa.text("""
    SELECT c.id, c.document_id, d.title, c.page_start, c.page_end, c.char_start, c.char_end, c.text,
           ts_headline('english', c.text, websearch_to_tsquery('english', :query),
                       'MaxWords=35, MinWords=15, MaxFragments=1, StartSel=«, StopSel=»'),
           1 - (c.embedding <=> CAST(:query_vector AS vector))
    FROM document_chunks c JOIN documents d ON d.id = c.document_id
    WHERE c.id = ANY(CAST(:ids AS uuid[]))
""")


def fuse_rankings(rankings: Sequence[Sequence[uuid.UUID]], k: int = RRF_K) -> list[tuple[uuid.UUID, float]]:
    """Reciprocal rank fusion: each list adds 1/(k + rank) to an item's score."""
    scores: dict[uuid.UUID, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


class DocumentSearch:
    """`embed_query(text) -> vector`; when it also has `begin(text) -> wait()`, the full-text half
    of the search runs while the query is being embedded.

    `student() -> user id` names whose documents a search covers unless it is given `user_id`
    (the worker answers questions of any student, so it names the asker every time).
    """

    def __init__(self, database: Database, embed_query: Callable[[str], list[float]],
                 student: Callable[[], uuid.UUID] | None = None) -> None:
        self.database = database
        self.embed_query = embed_query
        self.student = student

    def _begin_embedding(self, query: str) -> Callable[[], list[float]]:
        begin = getattr(self.embed_query, "begin", None)
        if begin is not None:
            return begin(query)
        vector = self.embed_query(query)
        return lambda: vector

    def search(self, query: str, *, limit: int = 10, document_ids: Sequence[uuid.UUID] | None = None,
               subject: str | None = None, user_id: uuid.UUID | None = None) -> list[SearchHitDTO]:
        query = " ".join(normalize_text(query).split())
        if not query:
            raise InvalidInputError("Type something to search for.")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidInputError(f"A search can be at most {MAX_QUERY_CHARS:,} characters long.")
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInputError(f"The number of results must be between 1 and {MAX_LIMIT}.")
        if user_id is None:
            if self.student is None:
                raise TypeError("DocumentSearch.search needs user_id: it was built without a student")
            user_id = self.student()
        wait_for_vector = self._begin_embedding(query)
        with self.database.unit_of_work() as session:
            session.execute(sa.text(f"SET LOCAL hnsw.ef_search = {HNSW_EF_SEARCH}"))
            # The allowed documents filter every search: keep walking the graph until enough match.
            session.execute(sa.text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
            allowed = [str(i) for i in session.scalars(_ALLOWED_DOCUMENTS, {
                "user_id": user_id, "subject": subject,
                "document_ids": [str(i) for i in document_ids] if document_ids is not None else None})]
            if not allowed:
                return []
            lexical = list(session.scalars(_LEXICAL, {"query": query, "candidates": CANDIDATES_PER_LIST,
                                                      "allowed": allowed}))
            vector_text = "[" + ",".join(f"{value:.7f}" for value in wait_for_vector()) + "]"
            semantic = list(session.scalars(_SEMANTIC, {"query_vector": vector_text, "allowed": allowed,
                                                        "candidates": CANDIDATES_PER_LIST}))
            ranked = fuse_rankings([semantic, lexical])[:limit]
            if not ranked:
                return []
            rows = {row[0]: row for row in session.execute(_HITS, {
                "query": query, "query_vector": vector_text,
                "ids": [str(chunk_id) for chunk_id, _score in ranked]})}
            found = [(rows[chunk_id], score) for chunk_id, score in ranked if chunk_id in rows]
            pages = cited_pages(session, query, [PassageSpan(row[1], row[3], row[4], row[5], row[6])
                                                 for row, _score in found])
        return [SearchHitDTO(chunk_id=row[0], document_id=row[1], document_title=row[2], page_start=row[3],
                             page_end=row[4], char_start=row[5], char_end=row[6], text=row[7],
                             snippet=" ".join(row[8].split()), score=score, page=page,
                             similarity=float(row[9]) if row[9] is not None else None)
                for (row, score), page in zip(found, pages, strict=True)]
