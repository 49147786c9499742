"""Prompt markup that a small model echoes into its answer, and document names it made up.

The tutor's prompt wraps passages in `<passage number=".." source="..">` and chat markers; a 135M
model sometimes copies those into the answer, with a source label that is no document of the
student's. The markup is removed, and titles the answer names can be compared with the real ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from studyteddy_desktop.ai.answer_check.word_matching import plain

_MARKUP = re.compile(
    r"</?passage[^<>\n]*>?"  # also an unfinished or mangled tag: "<passage" never shows
    r"|<\|[A-Za-z_]{1,20}\|>(?:(?<=im_start\|>)(?:system|user|assistant)\b\n?)?"
    r"|</?s>|\[/?INST\]|<</?SYS>>"
    r"|\b(?:source|number)=\"[^\"\n]{0,200}\"",
    re.IGNORECASE)
# Lines of the prompt itself, echoed whole.
_PROMPT_LINE = re.compile(r"^[ \t]*(?:Student:|Passages from the student's documents:)[^\n]*(?:\n|$)",
                          re.IGNORECASE | re.MULTILINE)
PROMPT_LINE_STARTS = ("student:", "passages from the student's documents:")
# Every fixed marker, so that a stream can hold back what may be the start of one.
MARKERS = ("<passage", "</passage", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<s>", "</s>", "[INST]",
           "[/INST]", "<<SYS>>", "<</SYS>>", 'source="', 'number="')

_EXTENSIONS = r"(?:pdf|md|txt|docx?|pptx?|odt|epub|rtf|html?)"
_FILE_NAME = re.compile(rf"(?<![\w.])[^\W_][\w\-.()]{{0,80}}?\.{_EXTENSIONS}\b", re.IGNORECASE)
_QUOTED_FILE_NAME = re.compile(rf"[\"“„'‘«]\s*([^\"“”„'‘’«»\n]{{1,100}}?\.{_EXTENSIONS})\s*[\"”“'’»]",
                               re.IGNORECASE)
_AFTER_SOURCE = re.compile(r"\b(?:source|quelle|fuente)s?\s*(?:[=:]\s*[\"“„'‘«]?|[\"“„'‘«])"
                           r"([^\W_][^\"”“'’»,;()\n]{1,80}?)\s*(?=[\"”“'’»,;()\n]|$)",
                           re.IGNORECASE)
_PAGE_SUFFIX = re.compile(r",?\s*(?:p|pp|page|s|seite)\.?\s*\d[\d\-–]*$", re.IGNORECASE)


def scrub_markup(text: str) -> str:
    """`text` without passage tags, chat markers, source attributes and echoed prompt lines."""
    previous = None
    while previous != text:  # removing one tag may join the halves of another
        previous = text
        text = _PROMPT_LINE.sub("", _MARKUP.sub("", text))
    return text


def foreign_titles(text: str, known_titles: Iterable[str]) -> list[str]:
    """Document names in `text` (file names, what follows "source") that are none of `known_titles`."""
    known = [_title_key(title) for title in known_titles]
    known = [title for title in known if len(title) >= 3]
    found: list[str] = []
    candidates = [match.group(1) for match in _QUOTED_FILE_NAME.finditer(text)]
    candidates += [match.group(0) for match in _FILE_NAME.finditer(text)]
    candidates += [match.group(1) for match in _AFTER_SOURCE.finditer(text)]
    for candidate in candidates:
        name = _PAGE_SUFFIX.sub("", candidate.strip(" \"'“”„‘’«»")).strip()
        key = _title_key(name)
        if len(key) < 3 or any(key == title or key in title or title in key for title in known):
            continue
        if all(_title_key(taken) != key and key not in _title_key(taken) for taken in found):
            found.append(name)
    return found


def _title_key(title: str) -> str:
    """"Biology.pdf, p. 3" and "biology" are one document."""
    title = _PAGE_SUFFIX.sub("", plain(title).strip())
    title = re.sub(rf"\.{_EXTENSIONS}$", "", title.strip(), flags=re.IGNORECASE)
    return " ".join(title.split())
