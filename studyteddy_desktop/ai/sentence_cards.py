"""Flashcards built from a passage's own sentences, for when the language model writes none that fit.

The bundled model is small and writes different words on different CPUs; some passages get no usable
pair from it. Then the student still gets cards, each one a sentence of the passage: a definition
("X is a …") becomes "What is X?", any other sentence a fill-in-the-blank on its most telling word.
Every answer is the passage's own text, so a card can be dull but never wrong.
"""

from __future__ import annotations

import re

from studyteddy_desktop.ai.card_prompt import MAX_BACK_CHARS, MAX_FRONT_CHARS, ParsedCard

BLANK = "_____"
MIN_SENTENCE_WORDS = 5
MAX_TERM_WORDS = 6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]|[^\W\d_]")
# "The Nile is the longest river", "Mitochondria are organelles that", "Osmosis means the flow of".
_DEFINITION = re.compile(
    r"^(?P<term>[^\W\d_][\w'-]*(?:[ -][\w'-]+){0,%d}?)\s+"
    r"(?:(?P<be>is|are)\s+(?P<article>a|an|the|defined as|called|known as)\s+|(?P<verb>means|refers to)\s+)"
    r"(?P<rest>.+)$" % (MAX_TERM_WORDS - 1), re.IGNORECASE | re.DOTALL)
# Words that make a useless blank: the answer to "___" must be worth remembering.
_COMMON = frozenset("""
about above after again against almost along already also although always among another around
because been before being below between both cannot could does doing down during each either
enough every first from further have having here however into itself just later least less like
made make many might more most much must never often only other others over perhaps quite rather
really same several should since some still such than that their theirs them themselves then there
these they this those though through thus together under until upon very were what when where
whether which while whom whose will with within without would your yours
""".split())


def sentence_cards(text: str, wanted: int) -> list[ParsedCard]:
    """Up to `wanted` cards from the sentences of `text`, definitions first, in passage order."""
    definitions: list[ParsedCard] = []
    blanks: list[ParsedCard] = []
    fragments: list[ParsedCard] = []
    seen: set[str] = set()
    for sentence in _sentences(text):
        card = _definition_card(sentence)
        # A selection often starts mid-sentence: that fragment is the weakest card.
        target = definitions if card is not None else blanks if sentence[:1].isupper() else fragments
        card = card or _blank_card(sentence)
        if card is None or len(card.front) > MAX_FRONT_CHARS or len(card.back) > MAX_BACK_CHARS:
            continue
        key = card.front.casefold()
        if key not in seen:
            seen.add(key)
            target.append(card)
    return (definitions + blanks + fragments)[:max(0, wanted)]


def _sentences(text: str) -> list[str]:
    sentences = []
    for part in _SENTENCE_END.split(text or ""):
        sentence = " ".join(part.replace("**", "").lstrip("#>*-• ").split())
        if len(_WORD.findall(sentence)) >= MIN_SENTENCE_WORDS:
            sentences.append(sentence)
    return sentences


def _definition_card(sentence: str) -> ParsedCard | None:
    match = _DEFINITION.match(sentence)
    if match is None:
        return None
    term = match.group("term").strip()
    first, _, others = term.partition(" ")
    if first.casefold() in ("a", "an", "the") and others:
        term = f"{first.casefold()} {others}"  # "What is the mitochondrion?", not "What is The …"
    if first.casefold() in {"it", "this", "that", "these", "those", "there", "he", "she", "they"}:
        return None  # "It is a …" defines nothing a card could ask about
    rest = match.group("rest").strip().rstrip(".!?")
    if match.group("verb"):
        front = f"What does {term} {'mean' if match.group('verb').lower() == 'means' else 'refer to'}?"
        back = rest
    else:
        article = match.group("article")
        front = f"What {match.group('be').lower()} {term}?"
        back = f"{article} {rest}" if article.lower() in ("a", "an", "the") else rest
    return ParsedCard(front, _capitalised(back) + ".")


def _blank_card(sentence: str) -> ParsedCard | None:
    words = list(_WORD.finditer(sentence))
    candidates = [word for word in words[1:] if len(word.group()) >= 5 and word.group().casefold() not in _COMMON]
    if not candidates:
        return None
    # The longest remaining word is most often the term the sentence is about.
    chosen = max(candidates, key=lambda word: len(word.group()))
    front = f"{sentence[:chosen.start()]}{BLANK}{sentence[chosen.end():]}"
    return ParsedCard(f"Fill in the blank: {front}", chosen.group())


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
