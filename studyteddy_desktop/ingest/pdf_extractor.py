"""PDF text, page by page, with pypdf."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from studyteddy_desktop.domain.document_errors import (DamagedFileError, ExtractionLimitError,
                                                       PasswordRequiredError, WrongPasswordError)
from studyteddy_desktop.ingest.extracted_document import DocumentInfo, ExtractedPage, ExtractionLimits
from studyteddy_desktop.ingest.text_normalizer import normalize_text

# pypdf warns once per font when fontTools is missing, and about every small syntax slip;
# none of it is the student's business.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfExtractor:
    format_name = "PDF"
    mime_type = "application/pdf"

    def __init__(self, path: Path, *, password: str | None, limits: ExtractionLimits) -> None:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            self._reader = PdfReader(path, strict=False)
            if self._reader.is_encrypted:
                self._unlock(password)
            self._page_count = len(self._reader.pages)
        except (PasswordRequiredError, WrongPasswordError):
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
                RecursionError, OSError) as error:
            raise DamagedFileError(
                "This PDF is damaged or incomplete and cannot be read. "
                "If it was downloaded, try downloading it again.", details=repr(error)) from error
        if self._page_count > limits.max_pages:
            raise ExtractionLimitError(
                f"This PDF has {self._page_count:,} pages; Study Teddy reads at most "
                f"{limits.max_pages:,} pages per document. Split it into parts and import those.")
        if self._page_count == 0:
            raise DamagedFileError("This PDF has no pages.")

    def _unlock(self, password: str | None) -> None:
        # Many "encrypted" PDFs only restrict printing and open with an empty password.
        if self._reader.decrypt("") != 0:
            return
        if password is None:
            raise PasswordRequiredError("This PDF is protected by a password. Enter it to import the PDF.")
        if self._reader.decrypt(password) == 0:
            raise WrongPasswordError("That password does not open this PDF. Try again.")

    def info(self) -> DocumentInfo:
        title = None
        try:
            metadata = self._reader.metadata
            if metadata and metadata.title:
                title = normalize_text(str(metadata.title))[:500] or None
        except Exception:  # metadata of a damaged file is optional decoration
            title = None
        return DocumentInfo(self.format_name, self.mime_type, self._page_count, paged=True, title=title)

    def pages(self) -> Iterator[ExtractedPage]:
        for index, page in enumerate(self._reader.pages):
            try:
                raw = page.extract_text() or ""
            except Exception:  # one broken page must not lose the rest of the document
                logging.getLogger(__name__).warning("Page %d could not be read", index + 1)
                raw = ""
            yield ExtractedPage(number=index + 1, text=normalize_text(raw))
