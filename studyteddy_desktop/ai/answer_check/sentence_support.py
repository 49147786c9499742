"""Whether the student's passages back one sentence of an answer: its words, and its names and numbers.

A small model writes fluent sentences around invented specifics ("introduced by Georg Cantor in
1874"). Sharing words with a passage is not enough: every number, name and quoted document the
sentence mentions must also occur in some passage, or the sentence is not supported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from studyteddy_desktop.ai.answer_check.markup_scrub import foreign_titles
from studyteddy_desktop.ai.answer_check.stopwords import ALL
from studyteddy_desktop.ai.answer_check.word_matching import (
    all_keys,
    content_keys,
    is_content_word,
    language_of,
    plain,
    word_key,
    words,
)

# Share of a sentence's content words found in one passage, and how many at least (as citation_check).
SUPPORTED = 0.5
MIN_SHARED_WORDS = 2
# How many content words apart two words may stand in a passage and still be read as said together.
PAIR_WINDOW = 3
# Words that give a clause a direction: which side comes first changes what it claims.
_DIRECTED = re.compile(r"\b(?:than|before|after|causes?|caused|leads? to|results? in|precedes?|follows?|more|less|"
                       r"better|worse|larger|smaller|greater|higher|lower|als|vor|nach|mehr|weniger|besser|"
                       r"que|avant|après|plus|moins|mejor|peor|antes|después|más|menos)\b", re.IGNORECASE)
_PASSAGE_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# Words on either side of these belong to different statements, whose order says nothing.
_CLAUSE = re.compile(r"[,;:()\n]|\b(?:and|but|so|or|while|und|aber|oder|sowie|et|mais|ou|y|pero|o)\b",
                     re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]")
_LIST_MARKER = re.compile(r"\s*(?:[-*•–]|\d{1,3}[.)])\s+")
_QUOTED = re.compile(r"[\"“„«]([^\"“”„«»\n]{3,120})[\"”“»]")
# A heading or the line that introduces a list ("Key facts:") frames the answer and claims nothing.
_HEADING = re.compile(r"#{1,6}\s.{0,80}|[^.!?\n]{1,60}:")
_HEADING_WORDS = 6
# After these a capital letter starts a sentence again, so it does not mark a name.
_RESTARTS = set(":;\"“„«(")
_STOPWORDS = frozenset(plain(word) for word in ALL)
# "The student is asking about …", "The passage you are quoting says:": the model describing its prompt.
_ABOUT_THE_PROMPT = re.compile(
    r"\b(?:the student(?:'s)?|the (?:numbered )?passages?|passage \d+|you are quoting|(?:der|die) student(?:in)?|"
    r"(?:die|der|den) passagen?|l'étudiant|le passage|el estudiante|el pasaje)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Support:
    supported: bool
    source_number: int | None
    reason: str
    checked: bool = True  # False for a greeting or heading: nothing in it could be checked


class SupportChecker:
    def __init__(self, passages: Mapping[int, str], *, known_titles: Iterable[str] = ()) -> None:
        self._passages = dict(passages)
        self._known_titles = tuple(known_titles)
        self._content = {number: content_keys(text) for number, text in self._passages.items()}
        self._sequences = {number: _content_sequence(text) for number, text in self._passages.items()}
        titles = " ".join(self._known_titles)
        self._vocabulary = all_keys(titles).union(*(all_keys(text) for text in self._passages.values()))
        self._numbers = {_plain_number(number) for text in (*self._passages.values(), titles)
                         for number in _NUMBER.findall(text)}
        self._plain_text = plain("\n".join((*self._passages.values(), titles)))

    def check(self, sentence: str) -> Support:
        marker = _LIST_MARKER.match(sentence)
        sentence = (sentence[marker.end():] if marker else sentence).strip()
        words = content_keys(sentence)
        if _ABOUT_THE_PROMPT.search(sentence):
            return Support(False, None, "talks about the prompt, not about the subject")
        unsupported = self._invented_specific(sentence)
        heading = _HEADING.fullmatch(sentence) is not None and len(sentence.split()) <= _HEADING_WORDS
        if (len(words) < MIN_SHARED_WORDS or heading) and unsupported is None:
            return Support(True, None, "nothing to check", checked=False)
        if unsupported is not None:
            return Support(False, None, unsupported)
        best_number, best_ratio, best_shared = None, 0.0, 0
        for number, vocabulary in sorted(self._content.items()):
            shared = len(words & vocabulary)
            if shared / len(words) > best_ratio:
                best_number, best_ratio, best_shared = number, shared / len(words), shared
        if best_number is None or best_ratio < SUPPORTED or best_shared < MIN_SHARED_WORDS:
            return Support(False, None, "shares too few words with the sources")
        reversed_pair = _reversed_pair(sentence, self._sequences[best_number])
        if reversed_pair is not None:
            return Support(False, None, f"puts {reversed_pair[0]} and {reversed_pair[1]} the other way round "
                                        f"from passage {best_number}")
        return Support(True, best_number, f"{best_shared} of its {len(words)} words are in passage {best_number}")

    def _invented_specific(self, sentence: str) -> str | None:
        for number in _NUMBER.findall(sentence):
            if _plain_number(number) not in self._numbers:
                return f"gives the number {number}, which no source mentions"
        for name in names(sentence):
            if not all(word_key(part) in self._vocabulary for part in re.findall(r"[^\W_]+", plain(name))):
                return f"names {name}, which no source mentions"
        for quoted in _QUOTED.findall(sentence):
            if " ".join(plain(quoted).split()) not in " ".join(self._plain_text.split()):
                return f"quotes \"{quoted}\", which no source contains"
        for title in foreign_titles(sentence, self._known_titles):
            return f"names the document {title}, which is not among the sources"
        return None


def _content_sequence(text: str) -> list[list[str]]:
    """Content-word keys of each sentence of the text, in order."""
    return [[word_key(word) for word in words(part) if is_content_word(word)] for part in _PASSAGE_SENTENCE.split(text)]


def _near_in_order(sentences: list[list[str]], first: str, then: str) -> bool:
    return any(then in sequence[index + 1:index + 1 + PAIR_WINDOW]
               for sequence in sentences for index, key in enumerate(sequence) if key == first)


def _reversed_pair(sentence: str, passage: list[list[str]]) -> tuple[str, str] | None:
    """Two words of one directed clause of the sentence that the passage has only the other way round.

    Shared words say nothing of which way a relation runs: "complex is better than simple" shares every
    word with "Simple is better than complex". In a clause that compares or orders ("than", "before",
    "causes"), of each two neighbouring words the passage also has, the passage must not put them the
    other way round without ever putting them this way.
    """
    present = {key for sequence in passage for key in sequence}
    for clause in _CLAUSE.split(sentence):
        if not clause or not _DIRECTED.search(clause):
            continue  # "water diffuses" for "diffusion of water": without a direction, order is only style
        keys = [key for key in (word_key(word) for word in words(clause or "") if is_content_word(word))
                if key in present]
        for first, then in zip(keys, keys[1:]):
            if first != then and _near_in_order(passage, then, first) and not _near_in_order(passage, first, then):
                return first, then
    return None


def names(sentence: str) -> list[str]:
    """Capitalised words that are not where a sentence starts, and runs of capitalised words anywhere.

    German capitalises every noun, so in a German sentence only runs ("Georg Cantor") count."""
    german = language_of(sentence) == "de"
    found: list[str] = []
    run: list[str] = []
    run_starts_sentence = False
    starts_sentence = True

    def close() -> None:
        if len(run) >= 2 or (run and not run_starts_sentence and not german):
            found.append(" ".join(run))
        run.clear()

    for token in _TOKEN.findall(sentence):
        capitalised = token[0].isupper() and len(token) > 1 and plain(token) not in _STOPWORDS
        if capitalised:
            if not run:
                run_starts_sentence = starts_sentence
            run.append(token)
        else:
            close()
        if token in _RESTARTS or token in (".", "!", "?"):
            starts_sentence = True
        elif token[0].isalnum() or token in (",", "'", "’"):
            starts_sentence = False
        # other marks ("**", "#", "`") leave it as it was: "**Summary**" still starts the sentence
    close()
    return found


def _plain_number(number: str) -> str:
    return number.replace(",", ".").rstrip(".")
