"""PDF text, page by page, with pypdf."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from studyteddy_desktop.domain.document_errors import (DamagedFileError, ExtractionLimitError,
                                                       PasswordRequiredError, UnsupportedFileTypeError,
                                                       WrongPasswordError)
from studyteddy_desktop.ingest.extracted_document import DocumentInfo, ExtractedPage, ExtractionLimits
from studyteddy_desktop.ingest.text_normalizer import normalize_text

# pypdf warns once per font when fontTools is missing, and about every small syntax slip;
# none of it is the student's business.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_DAMAGED = ("This PDF is damaged or incomplete and cannot be read. "
            "If it was downloaded, try downloading it again.")


class PdfExtractor:
    format_name = "PDF"
    mime_type = "application/pdf"

    def __init__(self, path: Path, *, password: str | None, limits: ExtractionLimits) -> None:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError

        try:
            self._reader = PdfReader(path, strict=False)
            if self._reader.is_encrypted:
                self._unlock(password)
            self._page_count = len(self._reader.pages)
        except (PasswordRequiredError, WrongPasswordError, MemoryError, FileNotFoundError):
            raise
        except DependencyError as error:
            raise _aes_unsupported(error) from error
        except Exception as error:
            # pypdf parses untrusted bytes in pure Python: a hostile file can make it raise almost
            # anything (ZeroDivisionError from a zero key length, NotImplementedError from an
            # unknown filter...), and each of them means the same thing to the student.
            raise DamagedFileError(_DAMAGED, details=repr(error)) from error
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
        from pypdf.errors import DependencyError

        for index in range(self._page_count):
            try:
                raw = self._reader.pages[index].extract_text() or ""
            except DependencyError as error:
                # AES-128 opens with an empty password without AES; only its pages need it. Every
                # page would come out blank, and the document would pass for a scan.
                raise _aes_unsupported(error) from error
            except Exception:  # one broken page must not lose the rest of the document
                logging.getLogger(__name__).warning("Page %d could not be read", index + 1)
                raw = ""
            yield ExtractedPage(number=index + 1, text=normalize_text(raw))


def _aes_unsupported(error: Exception) -> UnsupportedFileTypeError:
    # pypdf decrypts AES only with a cryptography package this installation does not have.
    return UnsupportedFileTypeError(
        "This PDF is locked with AES encryption, which Study Teddy cannot open yet. "
        "Open it in a PDF viewer and save or print it as a new, unprotected PDF.", details=repr(error))
