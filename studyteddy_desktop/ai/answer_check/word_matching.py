"""Content words in any of the four languages, reduced to keys so that inflected forms of a word meet."""

from __future__ import annotations

import re
import unicodedata

from studyteddy_desktop.ai.answer_check.stopwords import ALL, BY_LANGUAGE

_WORD = re.compile(r"[^\W_]+")
# Words this long meet on their first letters: "definition"/"definiert", "topological"/"topologischer".
PREFIX = 6


def plain(text: str) -> str:
    """Case-folded and without accents, so "Théorème" and "theoreme" are spelled alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_STOPWORDS = frozenset(plain(word) for word in ALL)


def words(text: str) -> list[str]:
    return _WORD.findall(plain(text))


def word_key(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]  # "sets" and "set", "builds" and "build"
    return word[:PREFIX]


def is_content_word(word: str) -> bool:
    return word.isdigit() or (len(word) >= 3 and word not in _STOPWORDS)


def content_keys(text: str) -> set[str]:
    return {word_key(word) for word in words(text) if is_content_word(word)}


def all_keys(text: str) -> set[str]:
    """Keys of every word, function words too: names are looked up here."""
    return {word_key(word) for word in words(text)}


_BY_LANGUAGE = {language: frozenset(plain(word) for word in listed) for language, listed in BY_LANGUAGE.items()}


def language_of(text: str) -> str:
    """The language whose function words the text uses most; English when none."""
    found = words(text)
    counts = {language: sum(word in _BY_LANGUAGE[language] for word in found) for language in _BY_LANGUAGE}
    best = max(counts, key=lambda language: counts[language])
    return best if counts[best] > counts["en"] else "en"
