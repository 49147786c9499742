"""What of a streamed answer the student sees: supported sentences with their citation, nothing else.

The streaming successor of citation_check.LiveCitations. Each sentence is held until it is
complete, cleaned of leaked prompt markup and of the model's own [n] markers, then checked
against the passages: a supported sentence is shown with the passage that backs it ("…stroma.[2]"),
an unsupported one is left out, a greeting passes unchecked. When the answer starts repeating
itself nothing more is shown and `should_stop` asks the caller to stop the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from studyteddy_desktop.ai.answer_check.markup_scrub import MARKERS, PROMPT_LINE_STARTS, scrub_markup
from studyteddy_desktop.ai.answer_check.repetition_guard import RepetitionGuard, next_boundary
from studyteddy_desktop.ai.answer_check.sentence_support import SupportChecker

# A citation takes the space before it along, never a line break.
_MODEL_CITATION = re.compile(r"[ \t]?\[\d{1,2}(?:\s*,\s*\d{1,2})*\]")
# The end of the text that may be the start of markup or of a citation: held back until it is whole.
_OPEN_AT_END = re.compile(
    r"</?passage[^<>\n]*$|<\|[A-Za-z_]{0,20}\|?$|<\|im_start\|>[a-z]{0,9}$"
    r"|\b(?:source|number)=\"[^\"\n]{0,200}$|[ \t]?\[[\d,\s]{0,8}$",
    re.IGNORECASE)
_HELD_PREFIXES = tuple(marker.lower() for marker in MARKERS)
_MARKER_STARTS = frozenset(marker[0] for marker in _HELD_PREFIXES)
_LONGEST_MARKER = max(len(marker) for marker in _HELD_PREFIXES)
_UNFINISHED_AT_END = re.compile(r"<\|[A-Za-z_]{0,20}\|?$|\b(?:source|number)=\"[^\"\n]*$|[ \t]?\[[\d,\s]{0,8}$",
                                re.IGNORECASE)
_PAGE_LABEL = re.compile(r"[,;:\s]*\b(?:p|pp|page|pages|s|seite)\.?\s*[\d\s–-]*[.:]?\s*$", re.IGNORECASE)
_FINAL_PUNCTUATION = ".!?\"')”’"


def _label_key(text: str) -> str:
    """A document title as the prompt labels passages with it ("Title, p. 3"), reduced to its words."""
    text = _PAGE_LABEL.sub("", text)
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


class AnswerGate:
    """Feed the answer piece by piece; what `feed` and `finish` return is the text to show."""

    def __init__(self, passages: Mapping[int, str], *, known_titles: Iterable[str] = ()) -> None:
        known_titles = tuple(known_titles)
        self._checker = SupportChecker(passages, known_titles=known_titles) if passages else None
        self._labels = {_label_key(title) for title in known_titles if _label_key(title)}
        self._guard = RepetitionGuard()
        self._raw = ""  # received text not cleaned yet: it may end in the start of markup
        self._clean = ""  # everything received, cleaned; judged up to `_judged`
        self._judged = 0
        self._line_break = ""  # the line break before a left-out sentence, owed to the next shown one
        self._shown_any = False
        self._finished = False
        self.checked = 0
        self.supported = 0
        self.dropped: list[str] = []
        self.cut_for_repetition = False

    @property
    def should_stop(self) -> bool:
        return self.cut_for_repetition

    def feed(self, piece: str) -> str:
        if self._finished:
            raise RuntimeError("the answer was already finished")
        if self.cut_for_repetition:
            return ""
        self._raw += piece
        safe = self._safe_length()
        self._release(self._raw[:safe])
        self._raw = self._raw[safe:]
        return self._judge_complete(final=False)

    def finish(self) -> str:
        if self._finished:
            return ""
        self._finished = True
        if self.cut_for_repetition:
            return ""
        self._release(_UNFINISHED_AT_END.sub("", self._raw))
        self._raw = ""
        return self._judge_complete(final=True)

    def _safe_length(self) -> int:
        """How much of the received text can be cleaned now: all but a marker, citation or prompt
        line that may still be coming."""
        raw = self._raw
        safe = len(raw)
        open_at_end = _OPEN_AT_END.search(raw)
        if open_at_end is not None:
            safe = open_at_end.start()
        tail_start = max(0, len(raw) - _LONGEST_MARKER)
        tail = raw[tail_start:].lower()
        for offset, char in enumerate(tail):
            if char in _MARKER_STARTS and any(len(tail) - offset < len(marker) and marker.startswith(tail[offset:])
                                              for marker in _HELD_PREFIXES):
                safe = min(safe, tail_start + offset)  # the earliest, so the longest possible start of one
                break
        if raw[-1:] in (" ", "\t"):
            safe = min(safe, len(raw) - 1)  # it may be the space before a citation
        line_start = raw.rfind("\n") + 1
        if line_start or self._clean[-1:] in ("", "\n"):
            # As the line will read; what is held back may still turn out to be markup.
            line = scrub_markup(_MODEL_CITATION.sub("", raw[line_start:safe])).lstrip(" \t").lower()
            if any(start.startswith(line) or line.startswith(start) for start in PROMPT_LINE_STARTS):
                safe = min(safe, line_start)
        return safe

    def _release(self, text: str) -> None:
        # Citations go before markup: a space belongs to a citation only when the model wrote it there.
        text = _MODEL_CITATION.sub("", text)
        if not text:
            return
        # The character before, once cleaned, gives line starts and word boundaries their context.
        context = self._clean[-1:]
        cleaned = scrub_markup(context + text)
        self._clean += cleaned[len(context):] if cleaned.startswith(context) else scrub_markup(text)

    def _judge_complete(self, *, final: bool) -> str:
        cut = self._guard.observe(self._clean, final=final)
        limit = len(self._clean) if cut is None else cut
        shown: list[str] = []
        position = self._judged
        while (end := next_boundary(self._clean, position)) is not None and end <= limit:
            shown.append(self._judge(self._clean[position:end]))
            position = end
        if final or cut is not None:
            rest = self._clean[position:limit]
            if rest.strip():
                shown.append(self._judge(rest))
            elif final and self._shown_any:
                shown.append(rest)
            position = limit
        self._judged = position
        if cut is not None:
            self.cut_for_repetition = True
        return "".join(shown)

    def _judge(self, segment: str) -> str:
        segment = scrub_markup(segment)  # halves of a tag that met only once the tag between them went
        body = segment.strip()
        if not body:
            return segment if self._shown_any else ""
        lead = segment[:len(segment) - len(segment.lstrip())]
        trail = segment[len(segment.rstrip()):]
        if _label_key(body) in self._labels or not re.search(r"[^\W\d_]", body):
            # "The Zen of Python, p. 1": the prompt's label of a passage, echoed, or its page number alone.
            return ""
        marker = ""
        if self._checker is not None:
            support = self._checker.check(body)
            if support.checked:
                self.checked += 1
                if not support.supported:
                    self.dropped.append(body)
                    if "\n" in lead and not self._line_break:
                        self._line_break = lead[:lead.rfind("\n") + 1]
                    return ""
                self.supported += 1
                number = support.source_number
                marker = f"[{number}]" if body[-1:] in _FINAL_PUNCTUATION else f" [{number}]"
        if not self._shown_any:
            lead = ""
        elif self._line_break and "\n" not in lead:
            lead = self._line_break
        self._line_break = ""
        self._shown_any = True
        return lead + body + marker + trail
