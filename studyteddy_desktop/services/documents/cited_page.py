"""Which page a passage that runs across a page break is really on, for the citation."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

_WORD = re.compile(r"\w{3,}")

_PAGES_OF_RANGES = sa.text("""
    SELECT p.document_id, p.page_number, p.char_start, p.text
    FROM document_pages p
    JOIN unnest(CAST(:documents AS uuid[]), CAST(:firsts AS int[]), CAST(:lasts AS int[]))
         AS wanted(document_id, first_page, last_page)
      ON p.document_id = wanted.document_id AND p.page_number BETWEEN wanted.first_page AND wanted.last_page
""")


@dataclass(frozen=True)
class PassageSpan:
    document_id: uuid.UUID
    page_start: int | None
    page_end: int | None
    char_start: int
    char_end: int


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}


def cited_pages(session: Session, query: str, spans: Iterable[PassageSpan]) -> list[int | None]:
    """For each span, its page: the single page it is on, else the page of its part holding most
    of the query's words (ties go to the page holding more of the passage)."""
    spans = list(spans)
    spread = [span for span in spans if span.page_start is not None and span.page_end not in (None, span.page_start)]
    pages: dict[uuid.UUID, list[tuple[int, int, str]]] = {}
    if spread:
        rows = session.execute(_PAGES_OF_RANGES, {
            "documents": [str(span.document_id) for span in spread],
            "firsts": [span.page_start for span in spread], "lasts": [span.page_end for span in spread]})
        for document_id, number, char_start, text in rows:
            pages.setdefault(document_id, []).append((number, char_start, text))
    query_words = _words(query)
    chosen: list[int | None] = []
    for span in spans:
        if span not in spread:
            chosen.append(span.page_start)
            continue
        candidates = []
        for number, char_start, text in pages.get(span.document_id, ()):
            if span.page_start <= number <= span.page_end:
                part = text[max(0, span.char_start - char_start):max(0, span.char_end - char_start)]
                candidates.append(((len(query_words & _words(part)), len(part), -number), number))
        chosen.append(max(candidates)[1] if candidates else span.page_start)
    return chosen
