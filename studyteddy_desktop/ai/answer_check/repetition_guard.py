"""Where a streamed answer starts going round in circles, found while it streams.

A 135M model often falls into a loop: the same list item with one word changed, the same line,
the same phrase again and again. The guard is given the whole text after every token and looks
only at what is new, so a call costs about as much as the new piece.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from studyteddy_desktop.ai.answer_check.word_matching import content_keys, words

# Where a sentence ends (as citation_check): final punctuation, maybe closed by a quote or bracket,
# then a space; or a line end.
BOUNDARY = re.compile(r"(?<=[.!?])[\"')”’]*(?=\s)|(?<=[^\s.!?])(?=\n)")
_NUMBERED_MARKER = re.compile(r"[ \t]*(?:\d{1,3}|[a-zA-Z])\.")
_LIST_MARKER = re.compile(r"(?:[-*•–+]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")
_WORD = re.compile(r"[^\W_]+")
# Content-word sets at least this alike (Jaccard) are one sentence said twice.
NEAR_DUPLICATE = 0.8
MIN_COMPARED_WORDS = 3
GRAM = 6
GRAM_LIMIT = 3


def next_boundary(text: str, start: int) -> int | None:
    """The end of the sentence or line that begins at `start`, if it is finished: the first boundary
    after `start` that is not the dot of a list number ("2. The…")."""
    position = start
    while (boundary := BOUNDARY.search(text, position)) is not None:
        end = boundary.end()
        line_start = text.rfind("\n", 0, boundary.start()) + 1
        if end > start and not _NUMBERED_MARKER.fullmatch(text, line_start, boundary.start()):
            return end
        position = max(end, position + 1) if end <= start else end + 1
    return None


class RepetitionGuard:
    """Call `observe(text)` with the whole text so far; it returns where to cut, once, or None."""

    def __init__(self) -> None:
        self._scanned = 0  # the text up to here is split into finished units
        self._unit_starts: list[int] = []
        self._seen_lines: set[str] = set()
        self._seen_sets: list[frozenset[str]] = []
        self._grams: dict[tuple[str, ...], list[int]] = {}
        self._recent: list[tuple[str, int]] = []  # the last GRAM - 1 words and their offsets
        self.cut: int | None = None

    def observe(self, text: str, *, final: bool = False) -> int | None:
        """Offset in `text` from which it repeats itself (the first occurrence stays before it).

        Only finished sentences and lines are judged; with `final` the unfinished rest is too.
        `text` must extend the text of the previous call."""
        if self.cut is not None:
            return self.cut
        position = self._scanned
        while self.cut is None:
            end = next_boundary(text, position)
            if end is None:
                if final and text[position:].strip():
                    self._judge(text, position, len(text))
                    position = len(text)
                break
            self._judge(text, position, end)
            position = end
        self._scanned = position
        return self.cut

    def _judge(self, text: str, start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        if start >= end:
            return
        self._unit_starts.append(start)
        unit = text[start:end]
        marker = _LIST_MARKER.match(unit)
        body = unit[marker.end():] if marker else unit
        line = " ".join(words(body))
        if line and (len(line.split()) >= 2 or len(line) >= 12):
            if line in self._seen_lines:
                self.cut = start
                return
            self._seen_lines.add(line)
        keys = frozenset(content_keys(body))
        if len(keys) >= MIN_COMPARED_WORDS:
            for earlier in self._seen_sets:
                if len(keys & earlier) / len(keys | earlier) >= NEAR_DUPLICATE:
                    self.cut = start
                    return
            self._seen_sets.append(keys)
        for match in _WORD.finditer(text, start, end):
            self._recent.append((match.group().casefold(), match.start()))
            if len(self._recent) < GRAM:
                continue
            del self._recent[:-GRAM]
            gram = tuple(word for word, _ in self._recent)
            offsets = self._grams.setdefault(gram, [])
            offsets.append(self._recent[0][1])
            if len(offsets) == GRAM_LIMIT:
                # Back to the start of the sentence where the phrase came the second time, unless
                # that sentence is the first occurrence's: then the loop started inside it.
                second = self._unit_starts[bisect_right(self._unit_starts, offsets[1]) - 1]
                first = self._unit_starts[bisect_right(self._unit_starts, offsets[0]) - 1]
                self.cut = offsets[1] if second == first else second
                return
