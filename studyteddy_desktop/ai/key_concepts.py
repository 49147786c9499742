"""Key concepts of a text: its most characteristic one- to three-word terms, found statistically.

A 135M-parameter model lists concepts unreliably (repeats, invents, ignores the format), while the
terms a document keeps coming back to are a sturdy proxy, and cost milliseconds.
"""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[A-Za-z][A-Za-z\-']*[A-Za-z]|[A-Za-z]")
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


def key_concepts(text: str, limit: int = 8) -> list[str]:
    """Up to `limit` terms, best first; phrases win over their own words when they recur."""
    sentences = re.split(r"[.!?;:\n()\[\]]+", text)
    counts: Counter[str] = Counter()
    spelling: dict[str, Counter[str]] = {}
    for sentence in sentences:
        words = _WORD.findall(sentence)
        for size in (1, 2, 3):
            for start in range(len(words) - size + 1):
                gram = words[start:start + size]
                lowered = [word.lower() for word in gram]
                if lowered[0] in STOPWORDS or lowered[-1] in STOPWORDS or any(len(w) < 3 for w in lowered):
                    continue
                # A lone past-tense verb ("declared") is an event, not a concept.
                if size == 1 and (len(lowered[0]) < 4 or lowered[0].endswith("ed")):
                    continue
                key = " ".join(lowered)
                counts[key] += 1
                spelling.setdefault(key, Counter())[" ".join(gram)] += 1
    # Longer phrases are rarer but say more; a phrase must recur to count at all.
    scored = {key: count * (1.0 + 0.6 * (key.count(" "))) for key, count in counts.items()
              if count >= 2 or key.count(" ") == 0}
    chosen: list[str] = []
    for key in sorted(scored, key=lambda k: (-scored[k], k)):
        if any(key in taken or taken in key for taken in chosen):
            continue
        chosen.append(key)
        if len(chosen) == limit:
            break
    return [_display(spelling[key]) for key in chosen]


def _display(spellings: Counter[str]) -> str:
    """The spelling the text uses most; lower case unless the term is always capitalised (a name)."""
    best = spellings.most_common(1)[0][0]
    always_capitalised = all(spelling[0].isupper() for spelling in spellings)
    return best if always_capitalised or any(w.isupper() and len(w) > 1 for w in best.split()) else best.lower()
