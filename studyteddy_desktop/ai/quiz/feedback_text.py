"""The quiz and its feedback as Markdown, with the passage's own sentence beside every grade.

Questions, sentences and titles come from documents and answers from the student; any of them may hold
Markdown or HTML meant to plant a link, so all of it is escaped and flattened to one line. The only
links left are the " [n]" citations this module writes, which the tutor view turns into source links.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from studyteddy_desktop.ai.quiz.grading import Verdict, grade
from studyteddy_desktop.ai.quiz.quiz_items import QuizItem

MAX_SHOWN_ANSWER_CHARS = 600
MAX_SHOWN_SENTENCE_CHARS = 1200
MAX_SHOWN_TITLE_CHARS = 160
NO_QUESTIONS = "I could not make quiz questions from these passages. Try a longer selection or another document."
REPLY_HINT = "Answer in one reply, numbered like the questions (1. … 2. …)."
VERDICT_LABELS: dict[Verdict, str] = {"right": "✓ Right", "partly": "◐ Partly", "not_yet": "✗ Not yet",
                                      "unsure": "? Compare yourself"}
UNANSWERED_LABEL = "– Not answered"
COUNT_KEYS = ("right", "partly", "not_yet", "unsure", "unanswered")
_COUNT_WORDS = {"right": "right", "partly": "partly right", "not_yet": "not yet", "unsure": "to compare yourself",
                "unanswered": "not answered"}
# Every character that starts Markdown emphasis, code, a link, an autolink, HTML or an entity.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&:@#!()])")
_WWW = re.compile(r"(?i)\b(www)\.")
_LINE_START_LIST = re.compile(r"^(\d+)([.)])")


def quiz_markdown(items: Sequence[QuizItem], titles: Mapping[int, str]) -> str:
    """The questions as a numbered list, each citing its source as [n] so the student can look it up."""
    if not items:
        return NO_QUESTIONS
    lines = [f"{item.number}. {escaped(item.question)} [{item.source_number}]{_from(titles, item)}"
             for item in items]
    return "\n".join(lines) + "\n\n" + REPLY_HINT


def feedback_markdown(items: Sequence[QuizItem], answers: Mapping[int, str],
                      titles: Mapping[int, str]) -> tuple[str, dict[str, int]]:
    """Per question the grade, the student's answer and the passage's sentence; and how many got each grade."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    blocks = []
    for item in items:
        answer = " ".join(str(answers.get(item.number) or "").split())
        lines = [f"**{item.number}. {escaped(item.question)}**"]
        if answer:
            result = grade(answer, item)
            counts[result.verdict] += 1
            lines.append(f"{VERDICT_LABELS[result.verdict]}: {escaped(result.explanation)}")
            lines.append(f"Your answer: {escaped(answer, MAX_SHOWN_ANSWER_CHARS)}")
        else:
            counts["unanswered"] += 1
            lines.append(UNANSWERED_LABEL)
        # A backslash at the end of a line is a hard line break, so each part keeps its own line.
        blocks.append("\\\n".join(lines) + "\n\n" + _quoted_sentence(item, titles))
    return "\n\n".join([_summary(counts, len(items))] + blocks), counts


def escaped(text: str, limit: int = MAX_SHOWN_SENTENCE_CHARS) -> str:
    """`text` on one line, shortened to `limit`, that Markdown shows as written and can never make a link."""
    flat = " ".join("".join(char for char in str(text) if unicodedata.category(char) not in ("Cc", "Cf")
                            or char.isspace()).split())
    if len(flat) > limit:
        flat = flat[:limit].rstrip() + "…"
    safe = _WWW.sub(r"\1\\.", _SPECIAL.sub(r"\\\1", flat))
    safe = _LINE_START_LIST.sub(r"\1\\\2", safe)
    return "\\" + safe if safe[:1] in ("+", "-", "=") else safe


def _quoted_sentence(item: QuizItem, titles: Mapping[int, str]) -> str:
    """The passage's sentence as a block quote, the expected answer in bold where it stands."""
    sentence = " ".join(item.passage_sentence.split())[:MAX_SHOWN_SENTENCE_CHARS]
    core = item.answer.strip().rstrip(".!?").strip()
    found = re.search(re.escape(" ".join(core.split())), sentence, re.IGNORECASE) if core else None
    if found is None:
        shown = escaped(sentence)
    else:
        before, inside, after = sentence[:found.start()], found.group(), sentence[found.end():]
        shown = f"{escaped(before)}{' ' if before[-1:].isspace() else ''}**{escaped(inside)}**" \
                f"{' ' if after[:1].isspace() else ''}{escaped(after)}"
        shown = shown.strip()
    return f"> {shown} [{item.source_number}]{_from(titles, item)}"


def _from(titles: Mapping[int, str], item: QuizItem) -> str:
    title = titles.get(item.source_number)
    return f" — *{escaped(title, MAX_SHOWN_TITLE_CHARS)}*" if title and title.strip() else ""


def _summary(counts: dict[str, int], total: int) -> str:
    if not total:
        return "There were no quiz questions to grade."
    parts = [f"{counts[key]} {_COUNT_WORDS[key]}" for key in COUNT_KEYS if counts[key]]
    return f"**Your quiz: {', '.join(parts)}, of {total}.**"
