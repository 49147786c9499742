"""The chunk feed hands out every page and chunk once, in order, and passes reading errors on."""

from __future__ import annotations

import threading

import pytest

from studyteddy_desktop.ai.token_counter import shared_token_counter
from studyteddy_desktop.domain.document_errors import DamagedFileError
from studyteddy_desktop.ingest.chunk_feed import ChunkFeed
from studyteddy_desktop.ingest.chunker import Chunker, chunk_pages
from studyteddy_desktop.ingest.extracted_document import ExtractedPage

SENTENCE = "Osmosis moves water across a membrane towards the higher solute concentration. "


@pytest.fixture(scope="module")
def counter():
    return shared_token_counter()


def _pages(count: int, sentences: int = 20) -> list[ExtractedPage]:
    return [ExtractedPage(number=n + 1, text=SENTENCE * sentences) for n in range(count)]


def _drain(feed: ChunkFeed, max_chunks: int):
    batches = []
    while (batch := feed.next_batch(max_chunks)) is not None:
        batches.append(batch)
    return batches


def test_batches_hold_every_page_and_chunk_once_in_order_like_chunking_all_at_once(counter):
    pages = _pages(30) + [ExtractedPage(number=31, text="")] + _pages(3, sentences=1)
    expected = chunk_pages(pages, counter.count_many, counter.split_to_fit)
    with ChunkFeed(iter(pages), Chunker(counter.count_many, counter.split_to_fit)) as feed:
        batches = _drain(feed, 8)
    assert [chunk for batch in batches for chunk in batch.chunks] == expected
    assert [placed.ordinal for batch in batches for placed in batch.pages] == list(range(len(pages)))
    assert [b.pages_read for b in batches] == sorted(b.pages_read for b in batches)
    assert batches[-1].pages_read == len(pages)
    assert feed.next_batch(8) is None


def test_a_batch_waits_for_a_chunk_then_takes_only_what_is_ready(counter):
    release = threading.Event()

    def slow_pages():
        yield from _pages(3)
        release.wait(10)
        yield from _pages(3)

    with ChunkFeed(slow_pages(), Chunker(counter.count_many, counter.split_to_fit)) as feed:
        first = feed.next_batch(1000)
        # Whatever the first three pages made is handed out without waiting for the rest.
        assert first.chunks and first.pages_read <= 3
        release.set()
        rest = _drain(feed, 1000)
    assert rest[-1].pages_read == 6


def test_a_batch_stops_near_its_size(counter):
    with ChunkFeed(iter(_pages(40)), Chunker(counter.count_many, counter.split_to_fit)) as feed:
        batches = _drain(feed, 4)
    # A page can complete more than one chunk, so a batch may pass the size by that page's few.
    assert all(len(batch.chunks) <= 4 + 3 for batch in batches)
    assert len(batches) > 5


def test_an_error_while_reading_is_raised_to_the_consumer_and_ends_the_feed(counter):
    def breaking_pages():
        yield from _pages(2)
        raise DamagedFileError("Reading this file crashed the reader. The file is probably damaged.")

    with ChunkFeed(breaking_pages(), Chunker(counter.count_many, counter.split_to_fit)) as feed:
        with pytest.raises(DamagedFileError, match="damaged"):
            _drain(feed, 1000)
        assert feed.next_batch(1000) is None


def test_an_empty_document_gives_one_empty_batch_then_ends(counter):
    with ChunkFeed(iter([]), Chunker(counter.count_many, counter.split_to_fit)) as feed:
        batches = _drain(feed, 32)
    assert [(b.pages, b.chunks, b.pages_read) for b in batches] == [([], [], 0)]
