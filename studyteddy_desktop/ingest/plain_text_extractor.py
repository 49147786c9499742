"""Plain text and Markdown, in whatever encoding they were saved."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

from studyteddy_desktop.domain.document_errors import ExtractionLimitError, UnsupportedFileTypeError
from studyteddy_desktop.ingest.extracted_document import DocumentInfo, ExtractedPage, ExtractionLimits
from studyteddy_desktop.ingest.text_normalizer import normalize_text

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """Decode bytes saved by any common editor; refuse binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    # Text never holds NUL bytes (UTF-16 files, which do, start with a BOM and returned above).
    if b"\x00" in data[:8192]:
        raise UnsupportedFileTypeError("This file contains binary data, not text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnsupportedFileTypeError("The text encoding of this file could not be recognised.")
    return str(best)


class PlainTextExtractor:
    format_name = "Text"

    def __init__(self, path: Path, *, password: str | None, limits: ExtractionLimits) -> None:
        size = path.stat().st_size
        if size > limits.max_text_file_bytes:
            raise ExtractionLimitError(
                f"This text file is {size / 1_048_576:.0f} MB; Study Teddy reads text files up to "
                f"{limits.max_text_file_bytes / 1_048_576:.0f} MB.")
        self._text = normalize_text(decode_text(path.read_bytes()))
        self._markdown = path.suffix.lower() in {".md", ".markdown"}
        first_line = self._text.split("\n", 1)[0].lstrip("# ").strip()
        self._title = first_line[:200] if self._markdown and first_line else None

    def info(self) -> DocumentInfo:
        if self._markdown:
            return DocumentInfo("Markdown", "text/markdown", 1, paged=False, title=self._title)
        return DocumentInfo(self.format_name, "text/plain", 1, paged=False)

    def pages(self) -> Iterator[ExtractedPage]:
        yield ExtractedPage(number=None, text=self._text)
