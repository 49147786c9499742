"""Word documents (.docx) and web pages (.html): text from their markup, with the standard library."""

from __future__ import annotations

import html.parser
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from studyteddy_desktop.domain.document_errors import DamagedFileError, ExtractionLimitError
from studyteddy_desktop.ingest.extracted_document import DocumentInfo, ExtractedPage, ExtractionLimits
from studyteddy_desktop.ingest.plain_text_extractor import decode_text
from studyteddy_desktop.ingest.text_normalizer import normalize_text

_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxExtractor:
    format_name = "Word"
    mime_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def __init__(self, path: Path, *, password: str | None, limits: ExtractionLimits) -> None:
        try:
            with zipfile.ZipFile(path) as archive:
                entry = archive.getinfo("word/document.xml")
                # A zip bomb declares a small file that inflates without end.
                if entry.file_size > limits.max_text_file_bytes * 4:
                    raise ExtractionLimitError("This Word document is too large to read.")
                root = ElementTree.fromstring(archive.read(entry))
        except ExtractionLimitError:
            raise
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, EOFError, zlib.error,
                lzma.LZMAError, NotImplementedError, ValueError) as error:
            # NotImplementedError (a RuntimeError, so caught before it): a compression method
            # zipfile does not know; EOFError and the codec errors: an entry cut short or scrambled.
            raise DamagedFileError("This Word document is damaged and cannot be read.",
                                   details=repr(error)) from error
        except RuntimeError as error:
            # Otherwise zipfile's word for an entry with the zip's own encryption flag set.
            raise DamagedFileError("This Word document is locked inside an encrypted zip and cannot be read. "
                                   "Open it in Word and save it again without a password.",
                                   details=repr(error)) from error
        paragraphs = ["".join(node.text or "" for node in paragraph.iter(f"{_WORD_NS}t"))
                      for paragraph in root.iter(f"{_WORD_NS}p")]
        self._text = normalize_text("\n\n".join(paragraphs))

    def info(self) -> DocumentInfo:
        return DocumentInfo(self.format_name, self.mime_type, 1, paged=False)

    def pages(self) -> Iterator[ExtractedPage]:
        yield ExtractedPage(number=None, text=self._text)


class _VisibleText(html.parser.HTMLParser):
    _INVISIBLE = {"script", "style", "head", "template", "noscript"}
    _BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: str | None = None
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._INVISIBLE:
            self._hidden += 1
        if tag == "title":
            self._in_title = True
        if tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._INVISIBLE and self._hidden:
            self._hidden -= 1
        if tag == "title":
            self._in_title = False

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        # The standard parser asserts on a keyword it does not know ("<![foo[", or Word's
        # "<![if !supportLists]>"); browsers skip such a section up to its ">", and so does this.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data
        elif not self._hidden:
            self.parts.append(data)


class HtmlExtractor:
    format_name = "Web page"
    mime_type = "text/html"

    def __init__(self, path: Path, *, password: str | None, limits: ExtractionLimits) -> None:
        if path.stat().st_size > limits.max_text_file_bytes:
            raise ExtractionLimitError("This web page is too large to read.")
        parser = _VisibleText()
        parser.feed(decode_text(path.read_bytes()))
        parser.close()
        self._text = normalize_text("".join(parser.parts))
        self._title = normalize_text(parser.title)[:200] if parser.title else None

    def info(self) -> DocumentInfo:
        return DocumentInfo(self.format_name, self.mime_type, 1, paged=False, title=self._title)

    def pages(self) -> Iterator[ExtractedPage]:
        yield ExtractedPage(number=None, text=self._text)
