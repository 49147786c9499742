"""A student's quiz answer compared word by word with the passage's answer, never with a model's belief.

A wrong "not yet" teaches a student to doubt what they knew, so the grade says "not yet" only when the
answer is clearly different (another number, or several words none of which the passage uses) and
"unsure" whenever other words might still say the same thing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from studyteddy_desktop.ai.answer_check.stopwords import ALL
from studyteddy_desktop.ai.quiz.quiz_items import QuizItem

Verdict = Literal["right", "partly", "not_yet", "unsure"]

MAX_ANSWER_CHARS = 4000
# Cards hold far less; the cap only bounds the work for a damaged stored item.
MAX_ITEM_CHARS = 1000
RIGHT_SHARE = 0.8
# This many words of its own make an answer a possible paraphrase that word matching cannot judge.
LONG_ANSWER_WORDS = 6
_SHOWN_WORDS = 4
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# What is left of "don't", "isn't" once the apostrophe splits them.
_CONTRACTIONS = frozenset("don doesn didn isn aren wasn weren won haven hasn hadn couldn wouldn shouldn".split())
_FUNCTION_WORDS = frozenset(word.casefold() for word in ALL) | _CONTRACTIONS
# A student who says so has not answered, whatever words the sentence uses.
_DONT_KNOW = re.compile(r"^\W*(?:i\s+)?(?:do\s*n[o']?t|dunno|no\s+idea|keine\s+ahnung"
                        r"|(?:ich\s+)?wei(?:ß|ss)\s+(?:es\s+)?nicht|je\s+ne\s+sais\s+pas|aucune\s+idée"
                        r"|no\s+(?:lo\s+)?sé|ni\s+idea)(?:\s+know)?\W*$", re.IGNORECASE)


@dataclass(frozen=True)
class Grade:
    """The verdict and a short plain-text reason for the student; the renderer adds the passage."""

    verdict: Verdict
    explanation: str


@dataclass(frozen=True)
class _Word:
    shown: str
    folded: str
    unaccented: str

    @property
    def is_number(self) -> bool:
        return _NUMBER.fullmatch(self.folded) is not None


def grade(student_answer: str, item: QuizItem) -> Grade:
    """The verdict on `student_answer` against `item.answer`, with what matched and what was missed."""
    written = str(student_answer or "")[:MAX_ANSWER_CHARS]
    if not _TOKEN.search(written):
        return Grade("not_yet", "No answer given.")
    if _DONT_KNOW.match(written):
        return Grade("not_yet", "You said you don't know yet.")
    student = _unique(_content_words(written))
    question = _unique(_content_words(item.question[:MAX_ITEM_CHARS]))
    keys = _distinct(_unique(_content_words(item.answer[:MAX_ITEM_CHARS])))
    if not keys:
        return Grade("unsure", "This answer can't be checked word by word; compare it with the passage.")
    # A word the question already gives away is no sign the student knew the answer.
    keys = [key for key in keys if not any(_same_word(key, word) for word in question)] or keys
    matched = [key for key in keys if any(_same_word(key, word) for word in student)]
    near = [key for key in keys if key not in matched and any(_same_unaccented(key, word) for word in student)]
    missing = [key for key in keys if key not in matched and key not in near]
    unexpected = [word for word in student if not any(_same_unaccented(word, key) for key in keys)
                  and not any(_same_word(word, asked) for asked in question)]
    own = _distinct(unexpected, enough=LONG_ANSWER_WORDS)
    expected_numbers = [key for key in keys if key.is_number]
    other_numbers = [word for word in unexpected if word.is_number] if expected_numbers else []
    notes = _notes(near, student, other_numbers, expected_numbers)
    numbers_right = all(key in matched for key in expected_numbers) and not other_numbers
    if len(matched) >= RIGHT_SHARE * len(keys) and numbers_right:
        also = f"; the passage also says {_listed(missing)}" if missing else ""
        return Grade("right", f"You named {_listed(matched)}{also}.{notes}")
    if matched or near:
        if len(own) >= LONG_ANSWER_WORDS and len(matched) < len(keys) / 2 and not other_numbers:
            return Grade("unsure", f"You named {_listed(matched or near)}; the rest is in your own words, "
                                   "so compare it with the passage yourself.")
        named = f"You named {_listed(matched)}" if matched else "You came close"
        return Grade("partly", f"{named}{' but not ' + _listed(missing) if missing else ''}.{notes}")
    if other_numbers:
        return Grade("not_yet", notes.strip())
    if len(own) >= LONG_ANSWER_WORDS:
        return Grade("unsure", "Your answer uses other words than the passage, so compare it with the passage "
                               "yourself.")
    if len(own) >= 2:
        return Grade("not_yet", f"Your answer does not name {_listed(missing)}.")
    return Grade("unsure", "A word or two is hard to judge; compare your answer with the passage.")


def _notes(near: list[_Word], student: list[_Word], other_numbers: list[_Word],
           expected_numbers: list[_Word]) -> str:
    notes = []
    for key in near[:_SHOWN_WORDS]:
        written = next(word for word in student if _same_unaccented(key, word))
        notes.append(f" The passage writes '{key.shown}', you wrote '{written.shown}'.")
    if other_numbers:
        notes.append(f" You wrote {_listed(other_numbers)}; the passage gives {_listed(expected_numbers)}.")
    return "".join(notes)


def _content_words(text: str) -> list[_Word]:
    found = []
    for match in _TOKEN.finditer(text):
        shown = match.group()
        folded = _folded_number(shown) if _NUMBER.fullmatch(shown) else shown.casefold()
        if _NUMBER.fullmatch(folded) or (len(folded) >= 3 and folded not in _FUNCTION_WORDS):
            found.append(_Word(shown, folded, _unaccented(folded)))
    return found


def _folded_number(number: str) -> str:
    whole, *groups = re.split(r"[.,]", number)
    if groups and all(len(group) == 3 for group in groups):
        return whole + "".join(groups)  # "1,000" and "1.000" are thousands
    return number.replace(",", ".")  # a German "3,5" is 3.5


def _unique(words: list[_Word]) -> list[_Word]:
    first: dict[str, _Word] = {}
    for word in words:
        first.setdefault(word.folded, word)
    return list(first.values())


def _distinct(words: list[_Word], enough: int | None = None) -> list[_Word]:
    """One word per form of a word, stopping at `enough` since no verdict needs more."""
    kept: list[_Word] = []
    for word in words:
        if not any(_same_word(word, earlier) for earlier in kept):
            kept.append(word)
            if len(kept) == enough:
                break
    return kept


def _same_word(first: _Word, second: _Word) -> bool:
    """Equal, or one is the plural or another form of the other ("cell"/"cells", "melt"/"melting")."""
    return _same_form(first.folded, second.folded)


def _same_unaccented(first: _Word, second: _Word) -> bool:
    """The same word once accents are dropped: "deforme" for "déforme" is close, not the same."""
    return _same_form(first.unaccented, second.unaccented)


def _same_form(a: str, b: str) -> bool:
    if a == b:
        return True
    if a[:2] != b[:2] or not (a.isalpha() and b.isalpha()):
        return False  # numbers and "CO2" must match exactly
    short, long = sorted((a, b), key=len)
    if long in (short + "s", short + "es"):
        return True
    shared = len(_common_prefix(short, long))
    return (shared == len(short) and len(short) >= 4) or (shared >= 5 and shared >= len(short) - 3)


def _common_prefix(first: str, second: str) -> str:
    length = 0
    for char_a, char_b in zip(first, second):
        if char_a != char_b:
            break
        length += 1
    return first[:length]


def _unaccented(folded: str) -> str:
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _listed(words: list[_Word]) -> str:
    if not words:
        return "nothing"
    shown = [f"'{word.shown}'" for word in words[:_SHOWN_WORDS]]
    if len(words) > _SHOWN_WORDS:
        shown.append(f"{len(words) - _SHOWN_WORDS} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
