"""Extraction in the sandbox: every broken, empty, huge and hostile file gets a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyteddy_desktop.domain.document_errors import (DamagedFileError, ExtractionLimitError,
                                                       PasswordRequiredError, SourceFileMissingError,
                                                       UnsupportedFileTypeError, WrongPasswordError)
from studyteddy_desktop.ingest.extracted_document import ExtractionLimits
from studyteddy_desktop.ingest.sandboxed_extraction import extract_document
from tests.document_samples import (BIOLOGY_PAGES, blank_pages_pdf, image_only_pdf, png_renamed_pdf,
                                    text_pdf)


def test_a_text_pdf_yields_its_pages_in_order_with_numbers(tmp_path):
    info, pages = extract_document(text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES))
    assert info.format_name == "PDF" and info.page_count == 3 and info.paged
    assert [page.number for page in pages] == [1, 2, 3]
    assert "Calvin cycle" in pages[1].text


def test_an_encrypted_pdf_asks_for_its_password_and_opens_with_the_right_one(tmp_path):
    locked = text_pdf(tmp_path / "locked.pdf", BIOLOGY_PAGES, user_password="s3cret")
    with pytest.raises(PasswordRequiredError, match="protected by a password"):
        extract_document(locked)
    with pytest.raises(WrongPasswordError, match="does not open"):
        extract_document(locked, password="guess")
    _info, pages = extract_document(locked, password="s3cret")
    assert "Krebs cycle" in pages[2].text


def test_a_truncated_pdf_is_reported_as_damaged(tmp_path):
    whole = text_pdf(tmp_path / "whole.pdf", BIOLOGY_PAGES * 5).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(DamagedFileError, match="damaged or incomplete"):
        extract_document(truncated)


def test_a_zero_byte_file_is_refused(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(UnsupportedFileTypeError, match="empty"):
        extract_document(empty)


def test_a_png_renamed_pdf_is_named_for_what_it_is(tmp_path):
    with pytest.raises(UnsupportedFileTypeError, match="PNG image"):
        extract_document(png_renamed_pdf(tmp_path / "photo.pdf", tmp_path))


def test_an_image_only_pdf_reads_as_pages_without_text(tmp_path):
    _info, pages = extract_document(image_only_pdf(tmp_path / "scan.pdf", tmp_path))
    assert [page.text for page in pages] == [""]


def test_a_pdf_with_thousands_of_pages_is_refused_above_the_page_limit(tmp_path):
    huge = blank_pages_pdf(tmp_path / "huge.pdf", 3000)
    with pytest.raises(ExtractionLimitError, match="3,000 pages"):
        extract_document(huge, limits=ExtractionLimits(max_pages=2000))


def test_an_unsupported_file_type_lists_what_is_supported(tmp_path):
    sheet = tmp_path / "marks.xlsx"
    sheet.write_bytes(b"not really a spreadsheet")
    with pytest.raises(UnsupportedFileTypeError, match="imports PDF"):
        extract_document(sheet)


def test_a_missing_file_says_it_was_moved_or_deleted(tmp_path):
    with pytest.raises(SourceFileMissingError):
        extract_document(tmp_path / "gone.pdf")


def test_the_wall_clock_limit_stops_a_slow_extraction(tmp_path):
    slow = text_pdf(tmp_path / "slow.pdf", BIOLOGY_PAGES * 200)
    with pytest.raises(ExtractionLimitError, match="took longer than"):
        extract_document(slow, limits=ExtractionLimits(max_seconds=0.05))


def test_the_memory_limit_stops_a_file_that_inflates(tmp_path):
    text = tmp_path / "big.txt"
    text.write_text("word " * 4_000_000)
    with pytest.raises(ExtractionLimitError, match="more memory"):
        extract_document(text, limits=ExtractionLimits(max_memory_bytes=200 * 1024 * 1024))


def test_text_files_in_legacy_encodings_and_with_nul_bytes(tmp_path):
    latin = tmp_path / "notes.txt"
    latin.write_bytes("Résumé: la cellule végétale. Über Photosynthese.".encode("cp1252"))
    _info, pages = extract_document(latin)
    assert "végétale" in pages[0].text
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x00\x01\x02binary\x00" * 100)
    with pytest.raises(UnsupportedFileTypeError, match="binary"):
        extract_document(binary)


def test_markdown_title_and_html_visible_text(tmp_path):
    note = tmp_path / "cells.md"
    note.write_text("# Cell biology\n\nThe nucleus holds DNA.\n", encoding="utf-8")
    info, pages = extract_document(note)
    assert info.title == "Cell biology" and not info.paged and pages[0].number is None
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Enzymes</title><script>alert('x')</script></head>"
                    "<body><p>Enzymes are catalysts.</p><style>p{}</style></body></html>")
    info, pages = extract_document(page)
    assert info.title == "Enzymes" and pages[0].text == "Enzymes are catalysts."


def test_a_docx_is_read_and_a_zip_bomb_named_docx_is_refused(tmp_path):
    import zipfile

    docx = tmp_path / "essay.docx"
    body = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            '<w:p><w:r><w:t>Osmosis moves water.</w:t></w:r></w:p></w:body></w:document>')
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", body)
    assert extract_document(docx)[1][0].text == "Osmosis moves water."
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document>" + " " * 300_000_000 + "</w:document>")
    with pytest.raises(ExtractionLimitError):
        extract_document(bomb)


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "spaces and ünïcode ✎.pdf"])
def test_odd_file_names_are_just_names(tmp_path, name):
    target = tmp_path / Path(name).name
    text_pdf(target, BIOLOGY_PAGES[:1])
    assert extract_document(target)[0].page_count == 1


def test_each_document_is_read_by_a_child_started_ahead_of_it(tmp_path):
    from studyteddy_desktop.ingest import sandboxed_extraction

    pdf = text_pdf(tmp_path / "bio.pdf", BIOLOGY_PAGES)
    sandboxed_extraction.prepare_extraction()
    waiting = sandboxed_extraction._spare_child._child
    assert waiting is not None and waiting.poll() is None
    with sandboxed_extraction.SandboxedExtraction(pdf) as extraction:
        assert extraction._child is waiting
        assert [page.number for page in extraction.pages()] == [1, 2, 3]
    # The next one is already waiting, and a document read after it gets it.
    following = sandboxed_extraction._spare_child._child
    assert following is not None and following is not waiting and following.poll() is None
    assert extract_document(pdf)[0].page_count == 3


def test_a_waiting_child_whose_worker_goes_away_exits_quietly():
    from studyteddy_desktop.ingest import sandboxed_extraction

    sandboxed_extraction.prepare_extraction()
    waiting = sandboxed_extraction._spare_child.take()
    assert waiting.stdin is not None
    waiting.stdin.close()  # what the worker's exit does to the pipe
    assert waiting.wait(timeout=30) == 0
    assert waiting.stderr is not None and waiting.stdout is not None
    assert waiting.stderr.read() == b""
    waiting.stderr.close()
    waiting.stdout.close()
