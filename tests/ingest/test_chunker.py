"""Chunks fit the embedding model's window, measured with its own tokenizer, and keep their place."""

from __future__ import annotations

import pytest

from studyteddy_desktop.ai.token_counter import MODEL_WINDOW, shared_token_counter
from studyteddy_desktop.ingest.chunker import MAX_CHUNK_TOKENS, OVERLAP_TOKENS, PAGE_SEPARATOR, chunk_pages
from studyteddy_desktop.ingest.extracted_document import ExtractedPage


@pytest.fixture(scope="module")
def counter():
    return shared_token_counter()


def _pages(texts):
    return [ExtractedPage(number=index + 1, text=text) for index, text in enumerate(texts)]


def _document_text(pages):
    return PAGE_SEPARATOR.join(page.text for page in pages)


def test_every_chunk_with_its_overlap_fits_the_model_window(counter):
    sentence = "The electron transport chain pumps protons across the inner mitochondrial membrane. "
    pages = _pages([sentence * 40, sentence * 35, "Short last page."])
    chunks = chunk_pages(pages, counter.count_many, counter.split_to_fit)
    assert len(chunks) >= 5
    for chunk in chunks:
        with_specials = len(counter._tokenizer.encode(chunk.text).ids)
        assert with_specials <= MODEL_WINDOW, chunk
        assert chunk.token_count == counter.count(chunk.text)


def test_offsets_point_at_the_chunk_text_and_pages_are_tracked(counter):
    pages = _pages(["Alpha one. " * 200, "Beta two. " * 200, "Gamma three. " * 10])
    text = _document_text(pages)
    chunks = chunk_pages(pages, counter.count_many, counter.split_to_fit)
    for chunk in chunks:
        assert text[chunk.char_start:chunk.char_end].split() == chunk.text.split()
    assert chunks[0].page_start == 1
    assert chunks[-1].page_end == 3
    assert any(chunk.page_start == 1 and chunk.page_end == 2 for chunk in chunks)
    page_two_starts = len(pages[0].text) + len(PAGE_SEPARATOR)
    for chunk in chunks:
        assert (chunk.page_start == 1) == (chunk.char_start < page_two_starts)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))


def test_consecutive_chunks_overlap_by_about_a_tenth(counter):
    pages = _pages([" ".join(f"Sentence number {n} talks about cells." for n in range(300))])
    chunks = chunk_pages(pages, counter.count_many, counter.split_to_fit)
    for previous, following in zip(chunks, chunks[1:]):
        shared = previous.char_end - following.char_start
        assert shared > 0, "no overlap"
        assert counter.count(pages[0].text[following.char_start:previous.char_end]) <= OVERLAP_TOKENS


def test_chunks_break_between_sentences(counter):
    pages = _pages([" ".join(f"Fact {n} is about osmosis." for n in range(400))])
    for chunk in chunk_pages(pages, counter.count_many, counter.split_to_fit)[:-1]:
        assert chunk.text.endswith("."), chunk.text[-30:]


def test_a_sentence_longer_than_the_window_is_cut_without_losing_text(counter):
    monster = " ".join(f"token{n}" for n in range(2000))
    pages = _pages([monster])
    chunks = chunk_pages(pages, counter.count_many, counter.split_to_fit)
    assert all(chunk.token_count <= MAX_CHUNK_TOKENS for chunk in chunks)
    assert "token0" in chunks[0].text and "token1999" in chunks[-1].text


def test_empty_pages_make_no_chunks(counter):
    assert chunk_pages(_pages(["", "   "]), counter.count_many, counter.split_to_fit) == []


def test_text_without_pages_has_no_page_numbers(counter):
    chunks = chunk_pages([ExtractedPage(None, "A note. " * 5)], counter.count_many, counter.split_to_fit)
    assert len(chunks) == 1 and chunks[0].page_start is None and chunks[0].page_end is None
