"""Citations that the passages support, attached to an answer while it streams.

A small model rarely writes [1] by itself and sometimes cites a passage that says nothing of the
kind. So the model's own markers are held back, and as each sentence of the answer completes it
is compared with every passage by the content words they share: the passage that clearly
supports it is cited right after the sentence ("…in the stroma.[2]"). A sentence no passage
supports gets no citation. Streamed text and the stored answer are the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from studyteddy_desktop.ai.key_concepts import STOPWORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+|\d+")
_MODEL_CITATION = re.compile(r"\s?\[\d{1,2}(?:\s*,\s*\d{1,2})*\]")
# A possibly unfinished citation marker at the end of the text: held back until it is complete.
_MAYBE_CITATION = re.compile(r"\s?\[[\d,\s]{0,8}$")
# Where a sentence ends: final punctuation (maybe closed by a quote or bracket) then a space, or a line end.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')”’]*(?=\s)|(?<=[^\s.!?])(?=\n)")
# Share of a sentence's content words found in the passage, and how many at least.
SUPPORTED = 0.5
MIN_SHARED_WORDS = 2


def _content_words(text: str) -> set[str]:
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        words.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    return words


class LiveCitations:
    """Feed the answer piece by piece; what `feed` and `finish` return is the text to show."""

    def __init__(self, passages: Mapping[int, str]) -> None:
        self._vocabulary = {number: _content_words(text) for number, text in passages.items()}
        self._held = ""  # text not shown yet: it may be (the start of) a model citation
        self._sentence = ""  # the shown text of the sentence in progress

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        held = _MAYBE_CITATION.search(text)
        if held is not None:
            text, self._held = text[:held.start()], text[held.start():]
        return self._emit(_MODEL_CITATION.sub("", text))

    def finish(self) -> str:
        rest = "" if _MAYBE_CITATION.fullmatch(self._held) else _MODEL_CITATION.sub("", self._held)
        self._held = ""
        shown = self._emit(rest)
        marker = self._marker(self._sentence)
        self._sentence = ""
        return shown + marker

    def _emit(self, text: str) -> str:
        if not self._vocabulary:
            return text
        shown: list[str] = []
        while text:
            boundary = _BOUNDARY.search(self._sentence + text, len(self._sentence))
            if boundary is None:
                self._sentence += text
                shown.append(text)
                break
            cut = boundary.end() - len(self._sentence)
            sentence = self._sentence + text[:cut]
            shown.append(text[:cut] + self._marker(sentence))
            self._sentence = ""
            text = text[cut:]
        return "".join(shown)

    def _marker(self, sentence: str) -> str:
        number = self.supporting_passage(sentence)
        if number is None:
            return ""
        return f"[{number}]" if sentence.rstrip()[-1:] in ".!?\"')”’" else f" [{number}]"

    def supporting_passage(self, sentence: str) -> int | None:
        words = _content_words(sentence)
        if len(words) < MIN_SHARED_WORDS:
            return None  # a heading, a greeting, a one-word line: nothing to attribute
        best_number, best_ratio, best_shared = None, 0.0, 0
        for number, passage in sorted(self._vocabulary.items()):
            shared = len(words & passage)
            ratio = shared / len(words)
            if ratio > best_ratio:
                best_number, best_ratio, best_shared = number, ratio, shared
        if best_ratio < SUPPORTED or best_shared < MIN_SHARED_WORDS:
            return None
        return best_number

