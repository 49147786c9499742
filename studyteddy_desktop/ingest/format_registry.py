"""Which extractor reads a file: decided by its first bytes, then its extension."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from studyteddy_desktop.domain.document_errors import UnsupportedFileTypeError
from studyteddy_desktop.ingest.extracted_document import DocumentInfo, ExtractedPage, ExtractionLimits
from studyteddy_desktop.ingest.markup_extractors import DocxExtractor, HtmlExtractor
from studyteddy_desktop.ingest.pdf_extractor import PdfExtractor
from studyteddy_desktop.ingest.plain_text_extractor import PlainTextExtractor


class Extractor(Protocol):
    def info(self) -> DocumentInfo: ...

    def pages(self) -> Iterator[ExtractedPage]: ...


class ExtractorFactory(Protocol):
    def __call__(self, path: Path, *, password: str | None, limits: ExtractionLimits) -> Extractor: ...


@dataclass(frozen=True)
class FileFormat:
    name: str
    extensions: frozenset[str]
    extractor: ExtractorFactory


FORMATS = (
    FileFormat("pdf", frozenset({".pdf"}), PdfExtractor),
    FileFormat("text", frozenset({".txt", ".text", ".md", ".markdown", ".rst", ".csv", ".tex"}),
               PlainTextExtractor),
    FileFormat("docx", frozenset({".docx"}), DocxExtractor),
    FileFormat("html", frozenset({".html", ".htm", ".xhtml"}), HtmlExtractor),
)
SUPPORTED_EXTENSIONS = frozenset().union(*(file_format.extensions for file_format in FORMATS))

# Formats students try to import that are not text: named so the message can say what it is.
_KNOWN_BINARIES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (save it as .docx or PDF)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)


def _by_name(name: str) -> FileFormat:
    return next(file_format for file_format in FORMATS if file_format.name == name)


def detect_format(path: Path) -> FileFormat:
    """Trust the content over the name: a PNG renamed .pdf is still a PNG."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2048)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise UnsupportedFileTypeError(f"The file cannot be read: {error.strerror or error}.") from error
    if not head:
        raise UnsupportedFileTypeError("The file is empty (0 bytes).")
    if b"%PDF-" in head[:1024]:
        return _by_name("pdf")
    for signature, description in _KNOWN_BINARIES:
        if head.startswith(signature):
            raise UnsupportedFileTypeError(
                f"This file is {description}, not a document with text. "
                "Study Teddy imports PDF, Word (.docx), web pages, Markdown and text files.")
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix == ".docx" or _is_docx(path):
            return _by_name("docx")
        raise UnsupportedFileTypeError("This file is a zip archive. Unpack it and import the files inside.")
    if suffix == ".pdf":
        raise UnsupportedFileTypeError("This file is named .pdf but is not a PDF.")
    for file_format in FORMATS:
        if suffix in file_format.extensions:
            return file_format
    raise UnsupportedFileTypeError(
        f"Study Teddy cannot read {suffix or 'extension-less'} files. "
        "It imports PDF, Word (.docx), web pages, Markdown and text files.")


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def open_extractor(path: Path, *, password: str | None, limits: ExtractionLimits) -> Extractor:
    return detect_format(path).extractor(path, password=password, limits=limits)
