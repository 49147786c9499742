"""The passages' own sentences that best answer a question, quoted verbatim in the document's language.

A 135M model paraphrases badly and invents; the student's own sentence does not. Sentences are
scored by the content words they share with the question (prefix-stemmed, so German and French
inflections meet), word pairs in the question's order, definitional wording and the passage's
retrieval rank. Every quote is an exact substring of its passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from studyteddy_desktop.ai.answer_check.word_matching import content_keys, words

# Sentence ends inside a line: final punctuation, maybe closed by a quote or bracket, then space.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]”’»]*\s+")
_LIST_MARKER = re.compile(r"\s*(?:[-*•–]|\d{1,3}[.)])\s+")
_DEFINITIONAL = re.compile(
    r"\b(?:is called|are called|is defined|are defined|is known as|refers to|means|is a|is an)\b"
    r"|\b(?:heißt|heissen|heißen|nennt man|bezeichnet man|versteht man|ist definiert|ist ein|ist eine)\b"
    r"|\b(?:on appelle|s'appelle|est appelée?|est défini|est définie|est une?)\b"
    r"|\b(?:se llama|se denomina|se define|es una?)\b"
    r"|\b(?:definition|definiert|définition|definición|definicion)\b",
    re.IGNORECASE)
# "A topological space is …", "Ein topologischer Raum ist ein Paar …": the term first, then what it is.
_TERM_FIRST_DEFINITION = re.compile(
    r"^(?:Definition\s*[\d.]*\s*:?\s*)?(?:an?|the|ein|eine|einen|der|die|das|une?|les?|la|el|los|las)\s+"
    r"[^.!?]{1,60}?\s(?:is|are|ist|sind|heißt|est|sont|es|son)\s", re.IGNORECASE)
# "Sei X ein topologischer Raum", "Let X be …": a premise that sets up something else, not an answer;
# a sentence that opens with a formula or a bracket reads as a fragment out of context.
_PREMISE = re.compile(r"^(?:Definition\s*[\d.]*\s*:?\s*)?(?:sei|seien|es sei|es seien|let|suppose|soit|soient|"
                      r"sea|sean)\b|^[^\w\s]|^\w\b", re.IGNORECASE)
_TERM_FIRST_WEIGHT = 0.8
_PREMISE_PENALTY = 1.0
MAX_QUOTE_CHARS = 400
MIN_QUOTE_WORDS = 4
_CLAUSE_END = re.compile(r"[,;:–—)](?=\s)")
# Weights of the score's parts; one shared content word is worth 1.
_PAIR_WEIGHT = 0.5
_DEFINITION_WEIGHT = 0.6
_DENSITY_WEIGHT = 0.5
_RANK_PENALTY = 0.15
_SIMILARITY_WEIGHT = 2.0

Similarity = Callable[[str, list[str]], list[float]]


@dataclass(frozen=True)
class Quote:
    source_number: int
    text: str


def select_quotes(question: str, passages: Mapping[int, str], *, limit: int = 2,
                  similarity: Similarity | None = None, fallback: bool = False) -> list[Quote]:
    """Up to `limit` quotes, best first, each sharing a content word with the question.

    With `fallback`, when no sentence shares a word (a question in another language than the
    document, say), the most definitional sentence of the best-ranked passage is returned alone."""
    if limit <= 0 or not passages:
        return []
    wanted = content_keys(question)
    wanted_pairs = _pairs(question)
    candidates = [(number, text) for number in sorted(passages) for text in sentences(passages[number])]
    if not candidates:
        return []
    similarities = _similarities(question, [text for _, text in candidates], similarity)
    scored: list[tuple[float, int, Quote]] = []
    ranks = {number: rank for rank, number in enumerate(sorted(passages))}
    for order, ((number, text), closeness) in enumerate(zip(candidates, similarities)):
        keys = content_keys(text)
        shared = len(wanted & keys)
        if shared == 0:
            continue
        score = (shared + _PAIR_WEIGHT * len(wanted_pairs & _pairs(text))
                 + _DEFINITION_WEIGHT * bool(_DEFINITIONAL.search(text))
                 + _TERM_FIRST_WEIGHT * bool(_TERM_FIRST_DEFINITION.search(text))
                 - _PREMISE_PENALTY * bool(_PREMISE.search(text))
                 + _DENSITY_WEIGHT * shared / len(keys)
                 - _RANK_PENALTY * ranks[number] + _SIMILARITY_WEIGHT * closeness)
        scored.append((score, order, Quote(number, text)))
    if not scored:
        return _fallback_quote(passages) if fallback else []
    chosen: list[Quote] = []
    for _, _, quote in sorted(scored, key=lambda item: (-item[0], item[1])):
        if all(quote.text != taken.text for taken in chosen):
            chosen.append(quote)
        if len(chosen) == limit:
            break
    return chosen


def sentences(passage: str) -> list[str]:
    """The passage's sentences and list lines, stripped, of four words at least, each cut to
    `MAX_QUOTE_CHARS` at a clause end; every one is a substring of `passage`."""
    found: list[str] = []
    for line in passage.splitlines():
        marker = _LIST_MARKER.match(line)
        line = line[marker.end():] if marker else line
        start = 0
        for end in _SENTENCE_END.finditer(line):
            found.append(line[start:end.start()])
            start = end.end()
        found.append(line[start:])
    kept = []
    for text in found:
        text = _shortened(text.strip())
        if len(words(text)) >= MIN_QUOTE_WORDS:
            kept.append(text)
    return kept


def _shortened(text: str) -> str:
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    ends = [match.start() + 1 for match in _CLAUSE_END.finditer(text, 0, MAX_QUOTE_CHARS)]
    if ends and ends[-1] >= MAX_QUOTE_CHARS // 4:
        return text[:ends[-1]].rstrip()
    space = text.rfind(" ", 0, MAX_QUOTE_CHARS)
    return text[:space if space > 0 else MAX_QUOTE_CHARS].rstrip()


def _pairs(text: str) -> set[tuple[str, str]]:
    """Adjacent word pairs, function words included: "better than complex" is not "complex is better"."""
    found = words(text)
    return set(pairwise(found))


def _similarities(question: str, texts: list[str], similarity: Similarity | None) -> list[float]:
    if similarity is None:
        return [0.0] * len(texts)
    values = list(similarity(question, texts))
    if len(values) != len(texts):
        raise ValueError(f"similarity gave {len(values)} scores for {len(texts)} sentences")
    return [min(1.0, max(0.0, float(value))) for value in values]


def _fallback_quote(passages: Mapping[int, str]) -> list[Quote]:
    for number in sorted(passages):
        candidates = sentences(passages[number])
        if candidates:
            definitional = [text for text in candidates if _DEFINITIONAL.search(text) and not _PREMISE.search(text)]
            return [Quote(number, (definitional or candidates)[0])]
    return []
