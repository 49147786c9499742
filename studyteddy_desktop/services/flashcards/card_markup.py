"""Card text between Anki's HTML fields and Study Teddy's Markdown, in both directions."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

_BLOCKS = {"div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote"}
_SKIPPED = {"script", "style", "head", "title"}
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")

ImageNamer = Callable[[str], str | None]


class _MarkdownWriter(HTMLParser):
    def __init__(self, image_name: ImageNamer) -> None:
        super().__init__(convert_charrefs=True)
        self.image_name = image_name
        self.parts: list[str] = []
        self.skipping = 0
        self.missing_images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in ("b", "strong"):
            self.parts.append("**")
        elif tag in ("i", "em"):
            self.parts.append("*")
        elif tag == "br":
            self.parts.append("  \n")
        elif tag == "hr":
            self.parts.append("\n\n---\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "img":
            source = (attributes.get("src") or "").strip()
            stored = self.image_name(source) if source else None
            if stored is None:
                self.missing_images.append(source)
                self.parts.append(f"[image missing: {source}]")
            else:
                self.parts.append(f"![{attributes.get('alt') or ''}]({stored})")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("b", "strong"):
            self.parts.append("**")
        elif tag in ("i", "em"):
            self.parts.append("*")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # Markdown would read these characters as formatting that the HTML never had.
            text = data.replace("\xa0", " ").replace("\x00", "")
            self.parts.append(re.sub(r"([\\`*_\[\]#])", r"\\\1", text))


def html_to_markdown(field_html: str, image_name: ImageNamer = lambda _source: None) -> tuple[str, list[str]]:
    """Markdown for an Anki field, and the image sources it referred to that could not be kept."""
    writer = _MarkdownWriter(image_name)
    writer.feed(field_html)
    writer.close()
    text = "".join(writer.parts).replace("****", "")
    text = _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub(lambda m: "  \n" if m.group(0).startswith("  ") else "\n", text))
    return text.strip(), writer.missing_images


_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\\])\*(?!\s)(.+?)(?<![\s\\])\*")


def markdown_to_html(markdown: str) -> str:
    """HTML for an Anki field: bold, italics, images and line breaks, everything else escaped."""
    escaped = html.escape(markdown, quote=False)
    escaped = _IMAGE.sub(lambda m: f'<img src="{html.escape(m.group(2))}" alt="{m.group(1)}">', escaped)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ITALIC.sub(r"<i>\1</i>", escaped)
    escaped = re.sub(r"\\([\\`*_\[\]#])", r"\1", escaped)
    return escaped.replace("\n", "<br>")


def image_names(markdown: str) -> list[str]:
    return [match.group(2) for match in _IMAGE.finditer(markdown)]
