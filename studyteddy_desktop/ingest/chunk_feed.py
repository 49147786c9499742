"""Pages cut into chunks on their own thread, handed out in batches as soon as they are ready.

Embedding is the slow step of indexing; while it runs, this thread keeps reading pages from the
extraction child and chunking them, so the embedder never waits for text it could be reading.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from studyteddy_desktop.ingest.chunker import Chunk, Chunker
from studyteddy_desktop.ingest.extracted_document import ExtractedPage


@dataclass(frozen=True)
class PlacedPage:
    """A page with its position among the document's pages and where its text starts."""

    ordinal: int
    page: ExtractedPage
    char_start: int


@dataclass
class ChunkBatch:
    pages: list[PlacedPage] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    pages_read: int = 0


@dataclass(frozen=True)
class _ChunkedPage:
    placed: PlacedPage | None
    chunks: list[Chunk]


@dataclass(frozen=True)
class _Failure:
    error: BaseException


_END = object()


class ChunkFeed:
    """Use as a context manager around the page iterator's lifetime; `next_batch` until None."""

    def __init__(self, pages: Iterable[ExtractedPage], chunker: Chunker) -> None:
        self._items: queue.Queue[object] = queue.Queue()
        self._stopped = threading.Event()
        self._finished = False
        self._pages_read = 0
        self._thread = threading.Thread(target=self._produce, args=(pages, chunker), name="chunking",
                                        daemon=True)

    def __enter__(self) -> ChunkFeed:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        # Not joined: a thread waiting on a stuck extraction child ends when that child is killed.
        self._stopped.set()

    def next_batch(self, max_chunks: int) -> ChunkBatch | None:
        """Wait until a chunk (or the end) is ready, then take what is ready, up to `max_chunks`.

        None once everything has been handed out; an error met while reading is raised here.
        """
        if self._finished:
            return None
        batch = ChunkBatch(pages_read=self._pages_read)
        while len(batch.chunks) < max_chunks:
            try:
                # Block only while there is nothing to embed yet; otherwise take what is there.
                item = self._items.get(block=not batch.chunks)
            except queue.Empty:
                break
            if item is _END:
                self._finished = True
                break
            if isinstance(item, _Failure):
                self._finished = True
                raise item.error
            assert isinstance(item, _ChunkedPage)
            if item.placed is not None:
                batch.pages.append(item.placed)
                self._pages_read = batch.pages_read = item.placed.ordinal + 1
            batch.chunks.extend(item.chunks)
        return batch

    def _produce(self, pages: Iterable[ExtractedPage], chunker: Chunker) -> None:
        try:
            for ordinal, page in enumerate(pages):
                if self._stopped.is_set():
                    return
                # The chunker has not placed this page yet; its layout length is where it will start.
                placed = PlacedPage(ordinal, page, chunker.next_page_offset())
                self._items.put(_ChunkedPage(placed, chunker.add_page(page)))
            self._items.put(_ChunkedPage(None, chunker.finish()))
            self._items.put(_END)
        except BaseException as error:  # handed to the consumer, which decides what it means
            self._items.put(_Failure(error))
