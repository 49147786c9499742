"""A student's reply to a quiz split into numbered answers: "1. a 2. b", "1) a" per line, or one answer alone."""

from __future__ import annotations

import re

MAX_REPLY_CHARS = 4000
_MAX_MARKERS = 300
# "1.", "2)", "(3)", "4:", "5 -", "Q1:", "Answer 2." — a dot only when a space follows, or "3.5" would split.
_MARKER = re.compile(
    r"(?:^|(?<=\s)|(?<=[.;,!?]))"
    r"(?:(?:answer|question|antwort|frage|réponse|reponse|respuesta|pregunta)\s*|[qa](?=\d))?"
    r"[(\[#]?(?P<number>\d{1,2})(?P<separator>\s*[)\]:]|\.(?=\s|$)|\s*[-–](?=\s))",
    re.IGNORECASE)
_LIST_BULLET = "-*•> \t"


def split_answers(text: str, count: int) -> dict[int, str]:
    """Answers by question number, 1 to `count`; a question the reply does not answer is absent."""
    if count <= 0:
        return {}
    reply = str(text or "")[:MAX_REPLY_CHARS].strip()
    if not reply:
        return {}
    markers = _numbering(reply, count)
    # One marker inside a sentence ("over 2 - 3 years", "chapter 1. says") is no numbering.
    if len(markers) > 1 or (markers and _at_line_start(reply, markers[0])):
        answers = {}
        for marker, following in zip(markers, markers[1:] + [None]):
            answer = _tidy(reply[marker.end():following.start() if following else len(reply)])
            if answer:
                answers[int(marker.group("number"))] = answer
        return answers
    if count == 1:
        return {1: _tidy(reply)}
    lines = [_tidy(line.lstrip(_LIST_BULLET)) for line in reply.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1:
        lines = [_tidy(part) for part in reply.split(";")]
    # Unnumbered answers can be matched to questions only when their order is all there is to go on.
    if 1 < len(lines) <= count and all(lines):
        return {number: line for number, line in enumerate(lines, start=1)}
    return {}


def _numbering(reply: str, count: int) -> list[re.Match[str]]:
    """The longest run of markers numbered upwards, preferring line starts and one consistent style."""
    candidates = [match for match in _MARKER.finditer(reply) if 1 <= int(match.group("number")) <= count]
    candidates = candidates[:_MAX_MARKERS]
    if not candidates:
        return []
    first_ones = [match for match in candidates if match.group("number") == "1"]
    style = _style(first_ones[0] if first_ones else candidates[0])

    def strength(match: re.Match[str]) -> int:
        before = reply[:match.start()].rstrip(" \t")
        placed = 3 if _at_line_start(reply, match) else 2 if before[-1] in ".;,!?)" else 1
        return placed + (1 if _style(match) == style else 0)

    # best[i]: (markers, strength) of the best upward run ending at candidate i.
    best: list[tuple[int, int]] = []
    previous: list[int | None] = []
    for index, match in enumerate(candidates):
        number = int(match.group("number"))
        chosen: tuple[int, int] = (1, strength(match))
        link = None
        for earlier in range(index):
            if int(candidates[earlier].group("number")) < number and candidates[earlier].end() <= match.start():
                score = (best[earlier][0] + 1, best[earlier][1] + strength(match))
                if score > chosen:
                    chosen, link = score, earlier
        best.append(chosen)
        previous.append(link)
    last: int | None = max(range(len(candidates)), key=lambda index: best[index])
    run = []
    while last is not None:
        run.append(candidates[last])
        last = previous[last]
    return run[::-1]


def _at_line_start(reply: str, match: re.Match[str]) -> bool:
    before = reply[:match.start()].rstrip(" \t")
    return not before or before.endswith("\n")


def _style(match: re.Match[str]) -> str:
    return match.group("separator").strip()


def _tidy(answer: str) -> str:
    return " ".join(answer.split()).strip(" ;,")
