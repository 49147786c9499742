"""Function words of English, German, French and Spanish, which say nothing about what a sentence is about.

The lists are the documents' own (ai/text_language.py), so a word that is no concept of a document is no
evidence for a sentence either; an answer adds the words a chat puts around what it says.
"""

from __future__ import annotations

from studyteddy_desktop.ai.text_language import STOPWORDS_BY_LANGUAGE

# "Great question! I hope this helps": what a model says around an answer, in no document's list.
_CHAT_WORDS = frozenset("""
according please tell explain say says said mean means great good question questions answer sure certainly hope helps help thanks thank okay glad happy hello
""".split())

ENGLISH = STOPWORDS_BY_LANGUAGE["en"] | _CHAT_WORDS
GERMAN = STOPWORDS_BY_LANGUAGE["de"]
FRENCH = STOPWORDS_BY_LANGUAGE["fr"]
SPANISH = STOPWORDS_BY_LANGUAGE["es"]
BY_LANGUAGE = {"en": ENGLISH, "de": GERMAN, "fr": FRENCH, "es": SPANISH}
ALL = ENGLISH | GERMAN | FRENCH | SPANISH
