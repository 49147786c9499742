"""Quiz turns written from the passages, not by the model: questions answered by a sentence, then grades.

A quiz asks questions whose answers are sentences of the student's documents and keeps those sentences
with the turn; the student's reply is graded against them, each grade shown beside the passage's own
sentence. The model's belief about what is right never enters into it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from studyteddy_desktop.ai.quiz.feedback_text import feedback_markdown, quiz_markdown
from studyteddy_desktop.ai.quiz.quiz_items import QuizItem, build_quiz
from studyteddy_desktop.ai.quiz.student_answers import split_answers
from studyteddy_desktop.domain.tutor_dto import SourceDTO

QUIZ_QUESTIONS = 3


@dataclass(frozen=True)
class QuizTurn:
    text: str
    sources: tuple[SourceDTO, ...]
    items: tuple[QuizItem, ...] = ()  # the questions this turn asked; none for a turn of grades


def _titles(sources: Iterable[SourceDTO]) -> dict[int, str]:
    return {source.number: f"{source.document_title}{', ' + source.page_label if source.page_label else ''}"
            for source in sources}


def stored_items(values: Sequence[dict[str, Any]] | None) -> tuple[QuizItem, ...]:
    """The questions a stored turn asked; a turn from before quizzes kept them (or a damaged one) has none."""
    try:
        return tuple(QuizItem.from_json(value) for value in values or ())
    except ValueError:
        return ()


def questions_turn(sources: Sequence[SourceDTO], passages: Mapping[int, str], *,
                   asked_before: Iterable[str] = ()) -> QuizTurn:
    items = tuple(build_quiz(passages, wanted=QUIZ_QUESTIONS, avoid=asked_before))
    return QuizTurn(text=quiz_markdown(items, _titles(sources)), sources=tuple(sources), items=items)


def grades_turn(reply: str, asked: Sequence[QuizItem], sources: Sequence[SourceDTO]) -> QuizTurn | None:
    """Grades for a reply to `asked`, or None when the reply answers none of them (it asks for a new quiz)."""
    answers = split_answers(reply, len(asked))
    if not answers:
        return None
    text, _counts = feedback_markdown(asked, answers, _titles(sources))
    return QuizTurn(text=text, sources=tuple(sources))
