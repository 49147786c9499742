"""Normalising extracted text so full-text search finds words as the student types them."""

from __future__ import annotations

import re
import unicodedata

# A word broken across a line end: "exam-\nple". Only joined when the next line starts in
# lower case, so "Jean-\nPaul" and list dashes survive.
_LINE_END_HYPHEN = re.compile(r"(\w)[-\u2010\u00ad]\n[ \t]*(?=[a-zà-ÿ])")
# Lone surrogates too: a PDF's ToUnicode map can name half a UTF-16 pair, which is no character
# and cannot be written as UTF-8, neither to the extraction pipe nor to PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_SPACE_BEFORE_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalize_text(raw: str) -> str:
    """NFKC (so the ligature "ﬁ" becomes "fi"), line-end hyphens joined, control characters
    (PostgreSQL rejects NUL) and lone surrogates removed, runs of spaces collapsed, at most one blank line."""
    text = unicodedata.normalize("NFKC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _LINE_END_HYPHEN.sub(r"\1", text)
    text = text.replace("\u00ad", "")
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_NEWLINE.sub("\n", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()
