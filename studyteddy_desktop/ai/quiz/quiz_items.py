"""Quiz questions built from the passages' own sentences, so every expected answer is the documents' text.

The bundled model writes questions whose answers it then "knows" wrongly; a question made from a sentence
of the passage carries its answer and the sentence itself, which the feedback shows the student.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from studyteddy_desktop.ai.answer_check.stopwords import ALL
from studyteddy_desktop.ai.sentence_cards import sentence_cards

# The same boundaries sentence_cards splits on; a card whose sentence is not found this way is dropped,
# so a mismatch can only cost a question, never attach the wrong sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKUP_LEAD = "#>*-• "
_ANSWER_WORD = re.compile(r"[^\W_]+")
_FUNCTION_WORDS = frozenset(word.casefold() for word in ALL)
_CANDIDATES_PER_PASSAGE = 40


@dataclass(frozen=True)
class QuizItem:
    """Question `number` of a quiz; `answer` and `passage_sentence` are text of passage `source_number`."""

    number: int
    question: str
    answer: str
    source_number: int
    passage_sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "question": self.question, "answer": self.answer,
                "source_number": self.source_number, "passage_sentence": self.passage_sentence}

    @classmethod
    def from_json(cls, values: Any) -> QuizItem:
        """Raises ValueError, naming the field, for anything an old or damaged row may hold."""
        if not isinstance(values, Mapping):
            raise ValueError(f"A quiz item must be a JSON object, not {type(values).__name__}.")
        return cls(number=_whole_number(values, "number"), question=_text(values, "question"),
                   answer=_text(values, "answer"), source_number=_whole_number(values, "source_number"),
                   passage_sentence=_text(values, "passage_sentence"))


def _whole_number(values: Mapping[str, Any], key: str) -> int:
    value = values.get(key)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"Quiz item field '{key}' must be a whole number, got {value!r:.60}.")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Quiz item field '{key}' must be a whole number, got {value!r:.60}.") from None


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"Quiz item field '{key}' must be non-empty text, got {value!r:.60}.")
    return value


def build_quiz(passages: Mapping[int, str], *, wanted: int = 3, avoid: Iterable[str] = ()) -> list[QuizItem]:
    """Up to `wanted` questions, taken in turn from the passages in rank order, none of them in `avoid`."""
    if wanted <= 0:
        return []
    asked = {_question_key(question) for question in avoid}
    per_passage: list[list[tuple[str, str, int, str]]] = []
    for source_number in sorted(passages):
        candidates = []
        for question, answer, sentence in _passage_questions(passages[source_number] or ""):
            if _question_key(question) not in asked:
                candidates.append((question, answer, source_number, sentence))
        per_passage.append(candidates)
    items: list[QuizItem] = []
    # Round by round, so three questions come from three passages when there are three.
    for round_index in range(max((len(candidates) for candidates in per_passage), default=0)):
        for candidates in per_passage:
            if round_index >= len(candidates):
                continue
            question, answer, source_number, sentence = candidates[round_index]
            if _question_key(question) in asked:
                continue  # two passages holding the same sentence
            asked.add(_question_key(question))
            items.append(QuizItem(len(items) + 1, question, answer, source_number, sentence))
            if len(items) == wanted:
                return items
    return items


def _passage_questions(passage: str) -> list[tuple[str, str, str]]:
    """(question, answer, verbatim sentence) for the passage's cards, in sentence_cards' order."""
    sentence_of: dict[str, str] = {}
    for part in _SENTENCE_END.split(passage):
        for card in sentence_cards(part, 1):
            sentence_of.setdefault(_question_key(card.front), part.strip().lstrip(_MARKUP_LEAD).strip())
    questions = []
    for card in sentence_cards(passage, _CANDIDATES_PER_PASSAGE):
        sentence = sentence_of.get(_question_key(card.front))
        if sentence and _worth_asking(card.back):
            questions.append((card.front, card.back, sentence))
    return questions


def _worth_asking(answer: str) -> bool:
    # sentence_cards knows only English function words; a German "zwischen" is no answer to learn.
    return any(word.casefold() not in _FUNCTION_WORDS for word in _ANSWER_WORD.findall(answer))


def _question_key(question: str) -> str:
    return " ".join(question.split()).casefold()
