"""Cutting page text into chunks that fit the embedding model's window, along sentence lines.

all-MiniLM-L6-v2 reads 256 word pieces and silently drops the rest, so a chunk, including
the overlap it repeats from the previous chunk, must stay within 254 pieces plus the two
special tokens. The overlap keeps the seed's ratio (50 of 500, a tenth).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from studyteddy_desktop.ai.token_counter import MODEL_WINDOW, SPECIAL_TOKENS
from studyteddy_desktop.ingest.extracted_document import ExtractedPage

MAX_CHUNK_TOKENS = MODEL_WINDOW - SPECIAL_TOKENS
OVERLAP_TOKENS = MAX_CHUNK_TOKENS // 10
PAGE_SEPARATOR = "\n\n"

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Far above any real sentence (a few hundred characters), far below what strains the tokenizer.
_LONGEST_SPAN = 8_192
# A sentence ends at . ! ? (or their CJK forms) followed by space and a likely sentence start.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-ZÀ-ÖØ-Þ0-9])")


@dataclass(frozen=True)
class Segment:
    """A sentence (or a piece of an over-long one) with its place in the document text."""

    text: str
    char_start: int
    char_end: int
    page: int | None
    tokens: int


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    text: str
    char_start: int
    char_end: int
    page_start: int | None
    page_end: int | None
    token_count: int


class DocumentTextLayout:
    """Where each page's text sits in the whole document's text (pages joined by a blank line)."""

    def __init__(self) -> None:
        self.length = 0

    def place(self, page: ExtractedPage) -> int:
        """The offset at which this page starts; pages must be placed in order."""
        start = self.length + (len(PAGE_SEPARATOR) if self.length else 0)
        self.length = start + len(page.text)
        return start


class Chunker:
    """Feed pages in order with `add_page`; chunks come out as soon as they are complete."""

    def __init__(self, count_tokens: Callable[[Sequence[str]], list[int]],
                 split_to_fit: Callable[[str, int], list[str]],
                 *, max_tokens: int = MAX_CHUNK_TOKENS, overlap_tokens: int = OVERLAP_TOKENS) -> None:
        self._count = count_tokens
        self._split_to_fit = split_to_fit
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self._layout = DocumentTextLayout()
        self._pending: list[Segment] = []
        self._pending_tokens = 0
        self._fresh_in_pending = False
        self._ordinal = 0

    def next_page_offset(self) -> int:
        """Where the next page will start in the document text."""
        return self._layout.length + (len(PAGE_SEPARATOR) if self._layout.length else 0)

    def add_page(self, page: ExtractedPage) -> list[Chunk]:
        """Place the page and return the chunks it completed.

        A chunk may run across a page break (it keeps the page range): short pages then share a
        chunk instead of each costing an embedding; search names the page a hit is really on.
        """
        offset = self._layout.place(page)
        return list(self._completed_chunks(page, offset))

    def _completed_chunks(self, page: ExtractedPage, offset: int) -> Iterator[Chunk]:
        for segment in self._segments(page, offset):
            if self._pending and self._pending_tokens + segment.tokens > self.max_tokens:
                yield self._emit()
            self._pending.append(segment)
            self._pending_tokens += segment.tokens
            self._fresh_in_pending = True

    def finish(self) -> list[Chunk]:
        """The last chunk of a page (or of the document); nothing carries over past it."""
        if self._pending and self._fresh_in_pending:
            return [self._emit(keep_overlap=False)]
        self._pending, self._pending_tokens, self._fresh_in_pending = [], 0, False
        return []

    def _emit(self, *, keep_overlap: bool = True) -> Chunk:
        segments = self._pending
        chunk = Chunk(
            ordinal=self._ordinal,
            text=" ".join(segment.text for segment in segments),
            char_start=segments[0].char_start,
            char_end=segments[-1].char_end,
            page_start=min((s.page for s in segments if s.page is not None), default=None),
            page_end=max((s.page for s in segments if s.page is not None), default=None),
            token_count=self._pending_tokens,
        )
        self._ordinal += 1
        # Carry the last sentences, up to a tenth of the window, into the next chunk.
        carried: list[Segment] = []
        carried_tokens = 0
        if keep_overlap:
            for segment in reversed(segments):
                if carried_tokens + segment.tokens > self.overlap_tokens:
                    break
                carried.insert(0, segment)
                carried_tokens += segment.tokens
        self._pending, self._pending_tokens, self._fresh_in_pending = carried, carried_tokens, False
        return chunk

    def _segments(self, page: ExtractedPage, offset: int) -> list[Segment]:
        spans = list(_bounded(page.text, _sentence_spans(page.text)))
        counts = self._count([page.text[start:end] for start, end in spans]) if spans else []
        segments: list[Segment] = []
        for (start, end), tokens in zip(spans, counts, strict=True):
            text = page.text[start:end]
            if tokens <= self.max_tokens - self.overlap_tokens:
                segments.append(Segment(text, offset + start, offset + end, page.number, tokens))
                continue
            # A "sentence" longer than a chunk (a table, a formula dump): cut at word pieces.
            cursor = start
            for piece in self._split_to_fit(text, self.max_tokens - self.overlap_tokens):
                piece_start = page.text.find(piece, cursor)
                piece_start = cursor if piece_start < 0 else piece_start
                cursor = piece_start + len(piece)
                segments.append(Segment(piece, offset + piece_start, offset + cursor, page.number,
                                        self._count([piece])[0]))
        return segments


def _sentence_spans(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each sentence, never crossing a paragraph break; whitespace trimmed."""
    position = 0
    for paragraph in _PARAGRAPH_BREAK.split(text):
        paragraph_start = text.find(paragraph, position)
        position = paragraph_start + len(paragraph)
        cursor = 0
        for match in _SENTENCE_END.finditer(paragraph):
            yield from _trimmed(paragraph, paragraph_start, cursor, match.start())
            cursor = match.end()
        yield from _trimmed(paragraph, paragraph_start, cursor, len(paragraph))


def _bounded(text: str, spans: Iterable[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    """Spans cut to at most _LONGEST_SPAN characters, at a space where there is one.

    A run of megabytes without a sentence end (a data dump, a scrambled file) would otherwise be
    tokenized in one piece, and its word-piece offsets alone take gigabytes of the worker's memory.
    """
    for start, end in spans:
        while end - start > _LONGEST_SPAN:
            cut = text.rfind(" ", start + _LONGEST_SPAN // 2, start + _LONGEST_SPAN)
            cut = start + _LONGEST_SPAN if cut < 0 else cut
            yield from _trimmed(text, 0, start, cut)
            start = cut
        yield from _trimmed(text, 0, start, end)


def _trimmed(paragraph: str, base: int, start: int, end: int) -> Iterable[tuple[int, int]]:
    piece = paragraph[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        yield base + start + lead, base + start + lead + len(stripped)


def chunk_pages(pages: Iterable[ExtractedPage], count_tokens: Callable[[Sequence[str]], list[int]],
                split_to_fit: Callable[[str, int], list[str]]) -> list[Chunk]:
    chunker = Chunker(count_tokens, split_to_fit)
    chunks: list[Chunk] = []
    for page in pages:
        chunks.extend(chunker.add_page(page))
    chunks.extend(chunker.finish())
    return chunks
