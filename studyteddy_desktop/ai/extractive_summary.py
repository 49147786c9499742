"""A summary made of a document's own sentences: the most representative ones, spread over its length.

A 135M-parameter model asked what a German topology script covers answered "geometric transformations,
trigonometry, calculus": fluent and false. Sentences taken verbatim can be dull but never untrue. Each
sentence is scored by how much of the document's recurring vocabulary it carries (the centroid of
its content words, optionally blended with sentence embeddings); headings, formulas, tables of
contents and exercise prompts never qualify, and the picks come from different parts of the document.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from studyteddy_desktop.ai.text_language import ALL_STRUCTURE_WORDS, detect_language, stopwords_for

Embed = Callable[[list[str]], np.ndarray]

MIN_WORDS = 6
MAX_WORDS = 60
# Longer documents are read in evenly spaced windows up to this size: a few seconds at most.
MAX_READ_CHARS = 600_000
_WINDOW_CHARS = 20_000
# Words are compared by their first letters, so "topologischer" and "Topologie" count as one term.
_STEM_CHARS = 6
_EMBEDDED_CANDIDATES = 48
_EMBEDDED_SAMPLE = 96

_WORD = re.compile(r"[^\W\d_]+")
_BLANK = re.compile(r"\s*")
# A sentence ends at . ! ? (perhaps closed by a quote or bracket) before white space, or at a blank line.
# Runs of stops are matched whole and once, so a page of dots takes linear time.
_END = re.compile(r"(?<![.!?])[.!?]++[\"'»”’)\]]*+(?=\s)|\n[ \t]*\n")
_ABBREVIATIONS = frozenset("""
bzw vgl ca etc usw bspw ggf evtl inkl sog nr abb bsp def bem kap abschn prop kor thm lem dr prof resp cf
vs al fig figs eq eqs ex pp sec chap vol approx éd env cap pág págs ej núm sra sr dra mr mrs ms st bzgl
allg no
""".split())
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?:[ \t]*\n\s*|[ \t]+)(?=[^\W\d_])")
_ELLIPTICAL_COMPOUND = re.compile(r"(?:und|oder|bis|sowie|bzw|and|or|to|et|ou|y|o)\b")
# Longer "words" are text a PDF reader ran together ("EineMengeinderEbene"), not German compounds.
_LONGEST_WORD = 30
_TWO_LETTER_ABBREVIATION = re.compile(r"(?<![^\W\d_])[^\W\d_]\.\s?[^\W\d_]$")
_NUMBERED = re.compile(r"^(?:§\s*)?(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[A-Z]\.)(?:\s|$)")
_LABEL = re.compile(r"([^\W\d_]+)(?:\s*\d+(?:\.\d+)*)?\.?\s*(?:\([^()]{0,80}\))?\s*[.:]?\s+")
_CONTENTS = re.compile(r"\.{4,}|(?:\.\s){3,}|…{2,}|_{4,}|https?://|www\.|\S@\S")
_EXERCISE_LABELS = frozenset("aufgabe aufgaben übung übungsaufgabe exercise exercises problem exercice ejercicio"
                             .split())
_EXERCISE = re.compile(
    r"\b(?:zeigen|beweisen|berechnen|bestimmen|finden|geben|untersuchen|skizzieren|begründen|entscheiden|"
    r"überprüfen|prüfen|folgern|konstruieren|formulieren|widerlegen|zeichnen|ermitteln)\s+sie\b"
    r"|\bman\s+(?:zeige|beweise|bestimme|berechne|finde|untersuche|skizziere)\b"
    r"|^(?:zeige|beweise|berechne|bestimme|finde|begründe|untersuche|skizziere|entscheide)\b"
    r"|^(?:show|prove|compute|calculate|find|determine|evaluate|verify|explain|describe|sketch|derive|solve|"
    r"decide|check|justify|give|list|discuss)\b"
    r"|^(?:montrer|démontrer|calculer|déterminer|trouver|justifier|vérifier|résoudre|montrez|démontrez|"
    r"calculez|déterminez|trouvez|justifiez|vérifiez|résolvez|donnez|expliquez|en déduire)\b"
    r"|^(?:demuestre|demostrar|calcule|calcular|determine|determinar|encuentre|halle|hallar|pruebe|probar|"
    r"justifique|verifique|resuelva|explique|muestre|demuestra|calcula|halla|encuentra)\b",
    re.IGNORECASE)
# Sentences saying what the document itself is about, in any of the four languages.
_ABOUT_THE_DOCUMENT = re.compile(
    r"\b(?:this|these|the present) (?:course|lectures?|notes|chapter|script|text|book|document)\b"
    r"|\bwe (?:will )?(?:study|introduce|discuss|cover|develop|present)\b"
    r"|\b(?:diese[rsmn]?|vorliegende[nrs]?) (?:vorlesung|skript|kapitel|text|buch|veranstaltung)\b"
    r"|\b(?:behandeln|untersuchen|studieren|lernen|beschäftigen) wir\b"
    r"|\bwir (?:behandeln|untersuchen|studieren|beschäftigen|lernen)\b"
    r"|\b(?:ce|cette) (?:cours|chapitre|texte|livre|polycopié|document)\b"
    r"|\bnous (?:allons )?(?:étudier|étudions|introduisons|présentons|verrons|aborder)\b"
    r"|\b(?:este|esta|estos|estas) (?:curso|capítulo|texto|libro|documento|tema|asignatura|apuntes)\b"
    r"|\b(?:estudiaremos|veremos|introduciremos|presentamos|estudiamos)\b"
    r"|\b(?:teilgebiet|zweig|branch|branche|rama) (?:der|des|of|de)\b",
    re.IGNORECASE)
# Openings that lean on the sentence before ("Daher gilt", "Thus") or only set up a proof ("Sei", "Let").
_DEPENDENT_OPENINGS = frozenset("""
dann also daher somit damit folglich hieraus dies diese dieser dieses hier er sie es
thus hence therefore then this these it they so such donc ainsi alors ceci cela il elle ils entonces así
esto esta este ello
""".split())
_SETUP_OPENINGS = frozenset("sei seien angenommen let suppose assume soit soient supposons sea sean supongamos"
                            .split())
_ABOUT_BOOST = 1.4
_DEPENDENT_FACTOR = 0.75
_SETUP_FACTOR = 0.6
_COVERED_PART_FACTOR = 0.55
_NEAR_DUPLICATE = 0.6


@dataclass(frozen=True)
class _Candidate:
    text: str
    chunk: int
    position: float  # where in the document it starts, 0 to 1
    terms: frozenset[str]
    about_the_document: bool  # "In dieser Vorlesung behandeln wir…": true of the whole, from any page


def extractive_summary(chunks: Sequence[str], *, language: str | None = None, sentences: int = 4,
                       embed: Embed | None = None) -> list[str]:
    """Up to `sentences` sentences of the document, verbatim (each stripped and found in one chunk), in
    reading order: its most representative ones, from different chunks and parts where it has them."""
    if sentences <= 0:
        return []
    windows = _reading_windows(chunks)
    if not windows:
        return []
    language = language or detect_language("\n".join(chunks[chunk][start:end] for chunk, start, end in windows))
    excluded = stopwords_for(language) | ALL_STRUCTURE_WORDS
    total_chars = max(1, sum(len(chunk) for chunk in chunks))
    chunk_offsets = [0, *itertools.accumulate(len(chunk) for chunk in chunks)]
    term_counts: Counter[str] = Counter()
    term_windows: dict[str, set[int]] = {}
    candidates: list[_Candidate] = []
    seen: set[str] = set()
    for window, (chunk, start, end) in enumerate(windows):
        text = chunks[chunk]
        width = _line_width(text, start, end)
        for span_start, span_end in _sentence_spans(text, start, end):
            span_start, is_exercise = _skip_labels(text, span_start, span_end, width)
            sentence = text[span_start:span_end].strip()
            terms = _terms(sentence, excluded)
            term_counts.update(terms)
            for term in terms:
                term_windows.setdefault(term, set()).add(window)
            key = " ".join(sentence.split()).casefold()
            if is_exercise or key in seen or len(terms) < 3 or not _reads_as_prose(sentence):
                continue
            seen.add(key)
            position = (chunk_offsets[chunk] + text.index(sentence, span_start)) / total_chars
            candidates.append(_Candidate(sentence, chunk, position, frozenset(terms),
                                         bool(_ABOUT_THE_DOCUMENT.search(sentence))))
    if not candidates:
        return []
    # Topic terms recur, and recur all through the document rather than on one page.
    weights = {term: math.log1p(count) * (0.5 + 0.5 * len(term_windows[term]) / len(windows))
               for term, count in term_counts.items()}
    scores = [_lexical_score(candidate, weights) for candidate in candidates]
    if embed is not None:
        candidates, scores = _blend_embeddings(candidates, scores, embed)
    chosen = _spread_choice(candidates, scores, sentences)
    return [candidate.text for candidate in sorted(chosen, key=lambda candidate: candidate.position)]


def summary_text(sentences: Sequence[str]) -> str:
    """The sentences as one paragraph: line breaks and words hyphenated across them joined up."""
    joined = " ".join(sentence.strip() for sentence in sentences if sentence.strip())
    joined = _LINE_BREAK_HYPHEN.sub(_rejoin_hyphenated, joined)
    return " ".join(joined.split())


def _rejoin_hyphenated(match: re.Match[str]) -> str:
    # "Umge-\nbung" and "un- verändert" (a line break a PDF reader flattened) were one word;
    # "Hausdorff-\nRaum" keeps its hyphen, and so does "Vor- und Nachteile".
    rest = match.string[match.end():match.end() + 8]
    if rest[:1].islower() and not _ELLIPTICAL_COMPOUND.match(rest):
        return ""
    return "-" if "\n" in match.group() else match.group()


def _reading_windows(chunks: Sequence[str]) -> list[tuple[int, int, int]]:
    """(chunk, start, end) pieces covering the document, thinned evenly to MAX_READ_CHARS."""
    windows = []
    for index, chunk in enumerate(chunks):
        start = 0
        while start < len(chunk):
            end = min(len(chunk), start + _WINDOW_CHARS)
            if end < len(chunk):  # cut after a full stop, so no sentence is split
                earliest = start + _WINDOW_CHARS // 2
                cut = max(chunk.rfind(". ", earliest, end), chunk.rfind(".\n", earliest, end))
                end = cut + 1 if cut != -1 else end
            windows.append((index, start, end))
            start = end
    total = sum(end - start for _, start, end in windows)
    if total <= MAX_READ_CHARS:
        return windows
    keep = max(1, int(len(windows) * MAX_READ_CHARS / total))
    step = len(windows) / keep
    return [windows[int(index * step)] for index in range(keep)]


def _sentence_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    begin = start
    for match in _END.finditer(text, start, end):
        if match.group().strip() and not _is_sentence_end(text, match):
            continue
        yield begin, match.end()
        begin = match.end()
    if begin < end:
        yield begin, end


def _is_sentence_end(text: str, match: re.Match[str]) -> bool:
    if match.group().startswith("...."):
        return False  # the dot leaders of a table of contents
    following = text[match.end():match.end() + 40].lstrip()[:1]
    if not following or following.islower():
        return False
    before = text[max(0, match.start() - 24):match.start()].rsplit(None, 1)
    word = before[-1].lstrip("([\"'„«“") if before else ""
    if text[match.start()] != "." or not word:
        return True
    if re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", word) or word.lower() in _ABBREVIATIONS:
        return False  # "z. B.", "e.g.", "vgl. Satz 2"
    if len(word) == 1 and word.isalpha():
        if _TWO_LETTER_ABBREVIATION.search(text, max(0, match.start() - 8), match.start()):
            return False  # "z. B. Polynome"
        # "S. 12" goes on; "… offen in X. Dann" ends.
        return word.isupper() and following.isupper()
    return True


def _line_width(text: str, start: int, end: int) -> int:
    """How long the window's full lines are: wrapped lines of a paragraph come close, headings do not."""
    lengths = sorted(len(line.strip()) for line in text[start:end].splitlines() if line.strip())
    return max(40, lengths[int(0.9 * (len(lengths) - 1))]) if lengths else 40


def _skip_labels(text: str, start: int, end: int, width: int) -> tuple[int, bool]:
    """Where the sentence proper starts, past headings and labels ("Satz 2.3 (Heine-Borel)"), and whether
    it is an exercise."""
    # Only a whole line, or the rest of one after a label at its start, can be a heading.
    before = text[max(0, start - 200):start].rstrip(" \t")
    at_line_start = not before or before.endswith("\n")
    while True:
        blank = _BLANK.match(text, start, end).end()
        at_line_start = at_line_start or "\n" in text[start:blank]
        start = blank
        line_end = text.find("\n", start, end)
        if line_end != -1 and at_line_start and _is_heading_line(text[start:line_end], text[line_end + 1:end],
                                                                 width):
            start = line_end + 1
            continue
        label = _LABEL.match(text, start, end)
        # A label is a structure word with a number, a name in brackets or a stop: "Beweis." not "Beispiele sind".
        word = label.group(1).lower() if label else ""
        if label and label.group().strip() != label.group(1) and label.end() < end \
                and word in ALL_STRUCTURE_WORDS | _EXERCISE_LABELS:
            if word in _EXERCISE_LABELS:
                return start, True
            start = label.end()
            continue
        return start, False


def _is_heading_line(line: str, rest: str, width: int) -> bool:
    line = line.strip()
    if not line:
        return True
    if not rest.strip() or line.endswith((",", ";", ":", "-", "–")) or len(line.split()) > 12:
        return False
    if _NUMBERED.match(line) or not any(character.isalpha() for character in line):
        return True  # "2.1 Metrische Räume", a page number
    # A sentence that starts a line fills it unless it ends there; a short line over more text is a title.
    return len(line) < 0.7 * width and line[-1] not in ".!?" and not rest.lstrip()[:1].islower()


_MATH_SYMBOLS = frozenset("∈∉⊆⊂⊇⊃→←↦↔⇒⇐⇔∀∃∪∩≥≤≠≈=^_|∏∑¬×{}∘∞∂∫√")
_MAX_MATH_SYMBOLS = 2
_PROOF_OR_ITEM = re.compile(r"\s*(?:[-*•–]\s|(?:beweis|beh|behauptung|proof|claim|preuve|demostración|demostracion)\b)", re.IGNORECASE)


def _reads_as_prose(sentence: str) -> bool:
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or _CONTENTS.search(sentence):
        return False
    if not re.search(r"[.!][\"'»”’)\]]*$", sentence):
        return False  # a question, a list item, a fragment cut at the chunk's end
    first = next((character for character in sentence if character.isalnum()), "")
    if not first.isupper() or _EXERCISE.search(sentence):
        return False
    visible = [character for character in sentence if not character.isspace()]
    letters = sum(character.isalpha() for character in visible)
    digits = sum(character.isdigit() for character in visible)
    if letters < 0.7 * len(visible) or digits > 0.1 * len(visible):
        return False  # a formula or a table row
    if any(len(word) > _LONGEST_WORD for word in _WORD.findall(sentence)):
        return False
    if sum(character in _MATH_SYMBOLS for character in sentence) > _MAX_MATH_SYMBOLS or _PROOF_OR_ITEM.match(sentence):
        return False  # a formula in words, a step of a proof or a list item: none says what the text is about
    real_words = sum(1 for word in words if len(_WORD.findall(word)) == 1 and len(word.strip(".,;:!?()\"'")) >= 3)
    return real_words >= 0.5 * len(words)


def _terms(sentence: str, excluded: frozenset[str]) -> set[str]:
    return {word[:_STEM_CHARS] for word in _WORD.findall(sentence.lower()) if len(word) >= 3 and word not in excluded}


def _lexical_score(candidate: _Candidate, weights: dict[str, float]) -> float:
    score = sum(weights[term] for term in candidate.terms) / math.sqrt(len(candidate.terms))
    opening = _WORD.match(candidate.text.lstrip("\"'„«“(["))
    opening_word = opening.group().lower() if opening else ""
    if candidate.about_the_document:
        return score * _ABOUT_BOOST  # "These notes introduce…" leans on nothing before it
    if opening_word in _SETUP_OPENINGS:
        score *= _SETUP_FACTOR
    elif opening_word in _DEPENDENT_OPENINGS:
        score *= _DEPENDENT_FACTOR
    return score


def _blend_embeddings(candidates: list[_Candidate], scores: list[float],
                      embed: Embed) -> tuple[list[_Candidate], list[float]]:
    """The best lexical candidates, rescored half by closeness to the meaning of the whole document
    (the mean embedding of sentences sampled evenly through it)."""
    by_score = sorted(range(len(candidates)), key=lambda index: -scores[index])[:_EMBEDDED_CANDIDATES]
    step = max(1.0, len(candidates) / _EMBEDDED_SAMPLE)
    sample = sorted({int(index * step) for index in range(min(_EMBEDDED_SAMPLE, len(candidates)))} | set(by_score))
    vectors = np.asarray(embed([candidates[index].text for index in sample]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    closeness = dict(zip(sample, (vectors @ centroid).tolist()))
    best = max(scores[index] for index in by_score) or 1.0
    return ([candidates[index] for index in by_score],
            [0.5 * scores[index] / best + 0.5 * max(0.0, closeness[index]) for index in by_score])


def _spread_choice(candidates: list[_Candidate], scores: list[float], wanted: int) -> list[_Candidate]:
    """Greedy picks: high score, little overlap with earlier picks, a part and a chunk of their own."""
    order = sorted(range(len(candidates)), key=lambda index: (-scores[index], index))
    chosen: list[_Candidate] = []
    covered_parts: set[int] = set()
    used_chunks: set[int] = set()
    out: set[int] = set()  # picked, or too like a pick
    while len(chosen) < wanted:
        open_indices = [index for index in order if index not in out]
        if not open_indices:
            break
        fresh_chunk_left = any(candidates[index].chunk not in used_chunks for index in open_indices)
        best, best_value = -1, -1.0
        for index in open_indices:
            if scores[index] <= best_value:
                break  # a value never exceeds its score: nothing further down can win
            candidate = candidates[index]
            if fresh_chunk_left and candidate.chunk in used_chunks and not candidate.about_the_document:
                continue
            overlap = max((_overlap(candidate.terms, taken.terms) for taken in chosen), default=0.0)
            if overlap > _NEAR_DUPLICATE:
                out.add(index)
                continue
            factor = 1.0 if _part(candidate, wanted) not in covered_parts else _COVERED_PART_FACTOR
            value = scores[index] * (1.0 - overlap) * factor
            if value > best_value:
                best, best_value = index, value
        if best < 0:
            if fresh_chunk_left:
                continue  # the fresh chunks held only near-duplicates, now set aside: any chunk will do
            break
        out.add(best)
        chosen.append(candidates[best])
        covered_parts.add(_part(candidates[best], wanted))
        used_chunks.add(candidates[best].chunk)
    return chosen


def _part(candidate: _Candidate, parts: int) -> int:
    return min(parts - 1, int(candidate.position * parts))


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    return len(first & second) / len(first | second)
