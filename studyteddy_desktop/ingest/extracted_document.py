"""What extraction produces: normalised text per page, and limits it must respect."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractedPage:
    """One page's text; `number` is 1-based, as printed, or None for formats without pages."""

    number: int | None
    text: str


@dataclass(frozen=True)
class DocumentInfo:
    """What is known about a document before or after its pages are read."""

    format_name: str
    mime_type: str
    page_count: int
    paged: bool
    title: str | None = None


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds that keep a hostile or broken file from hanging or exhausting the machine."""

    max_pages: int = 2_000
    max_seconds: float = 300.0
    max_memory_bytes: int = 1_536 * 1024 * 1024
    max_text_file_bytes: int = 50 * 1024 * 1024
