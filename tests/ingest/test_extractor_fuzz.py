"""Hostile files through the extraction sandbox: every one ends in text or a reason, within the time limit."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from studyteddy_desktop.domain.document_errors import DamagedFileError, UnsupportedFileTypeError
from studyteddy_desktop.ingest.extracted_document import ExtractionLimits
from studyteddy_desktop.ingest.sandboxed_extraction import extract_document
from studyteddy_desktop.ingest.text_normalizer import normalize_text
from tests.document_samples import (BIOLOGY_PAGES, aes128_from_rc4, aes_encrypted_pdf,
                                    pdf_pages_with_font_encoding, pdf_with_unicode_map, text_pdf)
from tests.ingest.hostile_files import (FORMAT_MUTATORS, FORMATS, GENERIC_MUTATORS, HostileFile,
                                        apply_mutations, cached_seeds, docx_bytes, inflated_size,
                                        read_bytes_in_sandbox, with_zip_headers, word_xml)

FUZZ_LIMITS = ExtractionLimits(max_seconds=20)


@st.composite
def hostile_files(draw) -> HostileFile:
    file_format = draw(st.sampled_from(FORMATS))
    seeds = cached_seeds()[file_format]
    mutators = draw(st.lists(st.sampled_from(FORMAT_MUTATORS[file_format] + GENERIC_MUTATORS),
                             min_size=1, max_size=3))
    return apply_mutations(file_format, draw(st.sampled_from(seeds)), mutators,
                           random.Random(draw(st.integers(0, 2**32))))


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(hostile=hostile_files())
def test_a_mutated_file_ends_in_text_or_a_reason_within_the_time_limit(hostile):
    # Files of many megabytes only cost time here; the benchmark reads them, under the same verdict.
    assume(inflated_size(hostile) <= 1_000_000)
    verdict = read_bytes_in_sandbox(hostile, FUZZ_LIMITS)
    assert verdict.violation is None, f"{hostile.file_format} {hostile.mutations}: {verdict.violation}"


# Each file below crashed the reader, or hung it, before its fix; the fuzzing above found them.

def test_a_pdf_whose_font_maps_a_code_to_half_a_surrogate_pair_keeps_its_other_text(tmp_path):
    pdf = tmp_path / "maths.pdf"
    pdf.write_bytes(pdf_with_unicode_map(b"D835"))
    _info, pages = extract_document(pdf)
    assert pages[0].text == "AA"
    assert normalize_text("x\ud835y\udc00z") == "xyz"


@pytest.mark.parametrize("section", ["<![foo[ marked ]]>", "<![ 0x [ x ]]>", "<![if !supportLists]>"])
def test_a_web_page_with_an_unknown_marked_section_keeps_the_text_around_it(tmp_path, section):
    page = tmp_path / "saved from word.html"
    page.write_text(f"<html><body><p>Before the section.</p>{section}<p>After the section.</p></body></html>")
    _info, pages = extract_document(page)
    assert "Before the section." in pages[0].text and "After the section." in pages[0].text


def _bare_docx() -> bytes:
    """Only word/document.xml, so that it is the zip's first entry."""
    return docx_bytes(word_xml(BIOLOGY_PAGES), content_types=False)


def test_a_word_document_in_an_encrypted_zip_says_so(tmp_path):
    docx = tmp_path / "locked.docx"
    docx.write_bytes(with_zip_headers(_bare_docx(), encrypted=True))
    with pytest.raises(DamagedFileError, match="encrypted zip"):
        extract_document(docx)


@pytest.mark.parametrize("method", [98, 99])  # PPMd, and WinZip AES
def test_a_word_document_with_an_unknown_compression_method_is_damaged(tmp_path, method):
    docx = tmp_path / "odd.docx"
    docx.write_bytes(with_zip_headers(_bare_docx(), method=method))
    with pytest.raises(DamagedFileError, match="Word document is damaged"):
        extract_document(docx)


def test_a_word_document_with_a_corrupt_deflate_stream_is_damaged(tmp_path):
    whole = bytearray(docx_bytes(word_xml(BIOLOGY_PAGES * 20)))
    body_start = whole.find(b"word/document.xml") + len("word/document.xml")
    whole[body_start + 40:body_start + 80] = b"\xff" * 40
    docx = tmp_path / "scrambled.docx"
    docx.write_bytes(bytes(whole))
    with pytest.raises(DamagedFileError, match="Word document is damaged"):
        extract_document(docx)


def test_a_pdf_with_a_zero_key_length_is_damaged_not_a_crash(tmp_path):
    locked = text_pdf(tmp_path / "locked.pdf", BIOLOGY_PAGES[:1], user_password="s3cret").read_bytes()
    broken = tmp_path / "zero key.pdf"
    broken.write_bytes(locked.replace(b"/Length 128", b"/Length 0"))
    with pytest.raises(DamagedFileError, match="damaged or incomplete"):
        extract_document(broken)


def _aes_available() -> bool:
    import importlib.util

    # What pypdf decrypts AES with; without either, it raises DependencyError on the first use.
    return any(importlib.util.find_spec(name) is not None for name in ("cryptography", "Crypto"))


needs_no_aes = pytest.mark.skipif(_aes_available(), reason="pypdf decrypts AES in this environment")


@needs_no_aes
def test_an_aes_256_pdf_says_what_to_do(tmp_path):
    pdf = tmp_path / "aes-256.pdf"
    pdf.write_bytes(aes_encrypted_pdf())
    with pytest.raises(UnsupportedFileTypeError, match="AES encryption"):
        extract_document(pdf)


@needs_no_aes
def test_an_aes_128_pdf_that_opens_without_a_password_is_not_mistaken_for_a_scan(tmp_path):
    # It opens without AES, and only its pages need it: every page came out blank, a "scan".
    rc4 = text_pdf(tmp_path / "rc4.pdf", BIOLOGY_PAGES, user_password="").read_bytes()
    pdf = tmp_path / "aes-128.pdf"
    pdf.write_bytes(aes128_from_rc4(rc4))
    with pytest.raises(UnsupportedFileTypeError, match="AES encryption"):
        extract_document(pdf)


def test_a_long_pdf_whose_reader_logs_an_error_per_page_is_not_stopped_by_the_pipe(tmp_path):
    # About 2 KB of pypdf error per page: 200 pages fill the stderr pipe 6 times over.
    pdf = tmp_path / "odd encoding.pdf"
    pdf.write_bytes(pdf_pages_with_font_encoding(200, b"/Bogus"))
    info, pages = extract_document(pdf, limits=ExtractionLimits(max_seconds=20))
    assert info.page_count == len(pages) == 200
    assert all("Osmosis moves water." in page.text for page in pages)


def test_a_long_run_of_text_without_a_sentence_end_is_chunked_in_linear_time():
    # Found through the pipeline: a scrambled web page decoded to megabytes of one "sentence",
    # and cutting it took time growing with its square (minutes here) and gigabytes of memory.
    import time

    from studyteddy_desktop.ai.token_counter import shared_token_counter
    from studyteddy_desktop.ingest.chunker import chunk_pages
    from studyteddy_desktop.ingest.extracted_document import ExtractedPage

    counter = shared_token_counter()
    counter.count_many(["warm up"])
    run_on = "osmosis " * 100_000
    started = time.monotonic()
    chunks = chunk_pages([ExtractedPage(None, run_on)], counter.count_many, counter.split_to_fit)
    assert time.monotonic() - started < 30
    assert "".join(chunk.text for chunk in chunks).replace(" ", "") == run_on.replace(" ", "")
    assert all(chunk.token_count <= 254 for chunk in chunks)
