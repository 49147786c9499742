"""Key concepts of a text: its most characteristic one- to three-word terms, found statistically.

A 135M-parameter model lists concepts unreliably (repeats, invents, ignores the format), while the
terms a document keeps coming back to are a sturdy proxy, and cost milliseconds. Function words are
the most frequent terms of all, so each language's own are left out (a German script's "eine, dann,
gilt"), with the headings of lecture notes ("Bemerkung, Beweis, Definition") in any language.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable

from studyteddy_desktop.ai.text_language import ALL_STRUCTURE_WORDS, detect_language, stopwords_for

# Letters of any script, joined by inner hyphens or apostrophes ("Hausdorff-Raum", "Newton's").
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[-'’](?=[^\W\d_]))*")
# French elision: "l'espace" is the word "espace".
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’](?=[^\W\d_])", re.IGNORECASE)
# Spelled as written in languages whose nouns are capitalised, so "Topologie" stays "Topologie".
_CASE_KEEPING_LANGUAGES = frozenset({"de"})
# Inflected forms counted as one term: "topologischer Raum", "topologischen Raumes" and "topologische Räume".
_INFLECTIONS = {"de": ("en", "em", "er", "es", "e", "s"), "fr": ("s", "x", "e"), "es": ("s", "e")}
_MIN_STEM = 4
# Longer "words" are letters a PDF reader ran together or a hostile file, not terms.
_MIN_LETTERS, _MAX_LETTERS = 3, 40
# English words that name no concept, document furniture included; citation_check.py shares them.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even every few for from
further had has have having he her here hers herself him himself his how however i if in into is it
its itself just least less let like made make many may me might more most much must my myself no nor
not now of off often on once one only or other others our ours ourselves out over own per same she
should since so some such than that the their theirs them themselves then there these they this
those through thus to too two under until up upon us use used uses using very via was we well were
what when where which while who whom whose why will with within without would yet you your yours
yourself yourselves first second new example examples figure fig table page chapter section see
called given get gets got january february march april june july august september october november
december monday tuesday wednesday thursday friday saturday sunday along around across among behind
beyond toward towards always usually still rather quite almost already another become becomes known
several
""".split())


def key_concepts(text: str, limit: int = 8, language: str | None = None) -> list[str]:
    """Up to `limit` terms, best first; phrases win over their own words when they recur.

    `language` ("en", "de", "fr", "es") is detected from the text when not given.
    """
    language = language or detect_language(text)
    excluded = STOPWORDS | stopwords_for(language) | ALL_STRUCTURE_WORDS
    english = language == "en"
    stem = _stemmer(language)
    sentences = re.split(r"[.!?;:\n()\[\]]+", text)
    counts: Counter[str] = Counter()
    spelling: dict[str, Counter[str]] = {}
    for sentence in sentences:
        words = _WORD.findall(sentence)
        if language == "fr":
            words = [_ELISION.sub("", word) for word in words]
        lowered_words = [word.lower() for word in words]
        stems = [stem(word) for word in lowered_words]
        for size in (1, 2, 3):
            for start in range(len(words) - size + 1):
                lowered = lowered_words[start:start + size]
                if lowered[0] in excluded or lowered[-1] in excluded \
                        or any(not _MIN_LETTERS <= len(w) <= _MAX_LETTERS for w in lowered):
                    continue
                # A lone past-tense verb ("declared") is an event, not a concept.
                if size == 1 and (len(lowered[0]) < 4 or (english and lowered[0].endswith("ed"))):
                    continue
                key = " ".join(stems[start:start + size])
                counts[key] += 1
                spelling.setdefault(key, Counter())[" ".join(words[start:start + size])] += 1
    # Longer phrases are rarer but say more; a phrase must recur to count at all.
    scored = {key: count * (1.0 + 0.6 * (key.count(" "))) for key, count in counts.items()
              if count >= 2 or key.count(" ") == 0}
    keep_case = language in _CASE_KEEPING_LANGUAGES
    chosen: list[str] = []
    for key in sorted(scored, key=lambda k: (-scored[k], k)):
        if any(key in taken or taken in key for taken in chosen):
            continue
        # A German term ends in a noun, and nouns are capitalised: "offene Mengen", never a lone "offene".
        if keep_case and not _display(spelling[key], keep_case=True).split()[-1][0].isupper():
            continue
        chosen.append(key)
        if len(chosen) == limit:
            break
    return [_display(spelling[key], keep_case=keep_case) for key in chosen]


def _stemmer(language: str) -> Callable[[str], str]:
    """The key a lower-case word is counted under in `language`; English words count as written."""
    endings = _INFLECTIONS.get(language)
    if endings is None:
        return lambda word: word

    @functools.cache
    def stem(word: str) -> str:
        # Accents and umlauts go first: "Räume" is "raume", then "raum"; "distribución(es)" meet.
        word = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
        for _ in range(2):
            ending = next((e for e in endings if word.endswith(e) and len(word) - len(e) >= _MIN_STEM), "")
            if not ending:
                break
            word = word[:-len(ending)]
        return word

    return stem


def _display(spellings: Counter[str], keep_case: bool = False) -> str:
    """The spelling the text uses most; lower case unless the term is always capitalised (a name).

    With `keep_case` (German) the spelling is kept as is: there every noun is capitalised.
    """
    best = spellings.most_common(1)[0][0]
    if keep_case:
        return best
    always_capitalised = all(spelling[0].isupper() for spelling in spellings)
    return best if always_capitalised or any(w.isupper() and len(w) > 1 for w in best.split()) else best.lower()
