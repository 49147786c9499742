"""Hand-labelled questions on the faithfulness corpus: gold pages, gold facts and gold quote fragments.

Two parts over the three documents of faithfulness_corpus.py. TUNING_QUESTIONS may be looked at while the
answer flow is worked on; they hold the issue's own examples ("What is the definition of a topological
space?", "According to my notes, what is better than complex?", the Tychonoff and 1954 World Cup near misses),
which the people building the worker side have seen. HELD_OUT_QUESTIONS were written, with their labels,
before the product had answered a single question of either part, and nothing may be tuned on them: they
are the part the issue's goals are judged on.

A label names, for an answerable question:
- `pages`: the first and last page of the rendered PDF holding the answer (a range when it crosses a page);
- `facts`: alternative key phrases; the shown answer (quotes and explanation) "states the gold fact" when one
  of them occurs in it, compared case-folded with whitespace removed. English phrases stand beside German ones
  for the German script, since the explanation may be English while its quotes are German;
- `quotes`: fragments of the document; a shown quote is "correct verbatim" when it is part of the document's
  text and contains one of them.
Unanswerable questions (`document` None) include near misses: on a document's subject, about something it
does not cover. A near miss was checked against the text (the name or topic does not occur in it).
"""

from __future__ import annotations

from dataclasses import dataclass

from faithfulness_corpus import NOTES, TOPOLOGY, ZEN


@dataclass(frozen=True)
class FaithfulnessQuestion:
    question: str
    document: str | None  # None: no document answers it
    pages: tuple[int, int] | None = None
    facts: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()


def _q(question: str, document: str, pages: int | tuple[int, int], facts: tuple[str, ...],
       quotes: tuple[str, ...]) -> FaithfulnessQuestion:
    span = (pages, pages) if isinstance(pages, int) else pages
    return FaithfulnessQuestion(question, document, span, facts, quotes)


def _none(question: str) -> FaithfulnessQuestion:
    return FaithfulnessQuestion(question, None)


TUNING_QUESTIONS: list[FaithfulnessQuestion] = [
    _q("What is the definition of a topological space?", TOPOLOGY, 2,
       ("Paar (X, T) bestehend aus einer Menge X", "pair (X, T)", "pair consisting of a set", "∅, X ∈ T"),
       ("Ein topologischer Raum ist ein Paar (X, T) bestehend aus einer Menge X",)),
    _q("Wann heißt ein topologischer Raum hausdorffsch?", TOPOLOGY, 5,
       ("U_x ∩ U_y = ∅", "disjoint neighbourhoods", "disjoint neighborhoods", "disjunkte Umgebungen"),
       ("Umgebungen U_x um x und U_y um y gibt, sodass U_x ∩ U_y = ∅",)),
    _q("What does the Heine-Borel theorem say?", TOPOLOGY, 12,
       ("beschränkt und abgeschlossen", "bounded and closed", "closed and bounded"),
       ("genau dann kompakt, wenn sie beschränkt und abgeschlossen ist",)),
    _q("What is the Euler characteristic of the boundary of a convex polyhedron?", TOPOLOGY, 24,
       ("χ(∂ P) = 2", "is 2", "equals 2", "ist 2"),
       ("Dann ist χ(∂ P) = 2",)),
    _q("Was ist eine Metrik?", TOPOLOGY, 5,
       ("Dreiecksungleichung", "triangle inequality"),
       ("Dreiecksungleichung: d(x,z) ≤ d(x,y) + d(y,z)",)),
    _q("When is a map between topological spaces continuous?", TOPOLOGY, 6,
       ("f^(-1) (U) ∈ T_X", "preimage", "pre-image", "inverse image", "Urbild"),
       ("f heißt stetig: ⇔ ∀ U ∈ T_Y: f^(-1) (U) ∈ T_X",)),
    _q("According to my notes, what is better than complex?", ZEN, 1,
       ("Simple is better than complex", "simple"),
       ("Simple is better than complex",)),
    _q("What does the Zen of Python say about errors?", ZEN, 1,
       ("pass silently",),
       ("Errors should never pass silently",)),
    _q("What is lysis?", NOTES, 2,
       ("burst",),
       ("may burst, a process called lysis",)),
    _q("What does ATP synthase use to make ATP?", NOTES, 3,
       ("proton gradient",),
       ("ATP synthase uses the proton gradient",)),
    _none("Who proved the Tychonoff theorem first?"),
    _none("What was the final score of the 1954 World Cup final?"),
    _none("Was besagt der Satz von Baire?"),
    _none("Which Python version introduced the walrus operator?"),
    _none("What does the Golgi apparatus do?"),
]

HELD_OUT_QUESTIONS: list[FaithfulnessQuestion] = [
    _q("When is a topological space called compact?", TOPOLOGY, 10,
       ("endliche Teilüberdeckung", "finite subcover", "finite sub-cover", "finite subcovering"),
       ("jede offene Überdeckung", "endliche Teilüberdeckung")),
    _q("Was ist eine n-dimensionale Mannigfaltigkeit?", TOPOLOGY, 15,
       ("abzählbare Basis", "countable basis", "countable base", "second countable", "second-countable"),
       ("eine abzählbare Basis der Topologie hat und einen n-dimensionalen Atlas besitzt",)),
    _q("What does the Jordan curve theorem say?", TOPOLOGY, 13,
       ("genau zwei Zusammenhangskomponenten", "exactly two", "two connected components", "two components"),
       ("genau zwei Zusammenhangskomponenten",)),
    _q("Wann heißt ein Raum wegzusammenhängend?", TOPOLOGY, 12,
       ("einen Weg γ", "γ(0)=x und γ(1)=y", "a path", "path between", "path from"),
       ("zu je zwei Punkten x,y ∈ X einen Weg",)),
    _q("What is a knot?", TOPOLOGY, 13,
       ("geschlossene Jordankurve", "closed Jordan curve"),
       ("Eine geschlossene Jordankurve in ℝ^3 heißt Knoten",)),
    _q("When is a space simply connected?", TOPOLOGY, 30,
       ("π_1(X,x) = {e}", "trivial fundamental group", "fundamental group is trivial"),
       ("heißt einfach zusammenhängend, wenn π_1(X,x) = {e}",)),
    _q("What does the Gauss-Bonnet theorem state?", TOPOLOGY, 65,
       ("2 π χ(S)", "2πχ", "Euler-Charakteristik", "Euler characteristic"),
       ("∫_S K(s) dA = 2 π χ(S)",)),
    _q("Was ist die Produkttopologie?", TOPOLOGY, 4,
       ("U_1 × U_2",),
       ("Sie heißt Produkttopologie", "U_1 × U_2 ⊆ U")),
    _q("When is a covering called universal?", TOPOLOGY, (35, 36),
       ("einfach zusammenhängend", "simply connected"),
       ("heißt universell, wenn X̃ einfach",)),
    _q("How is the Euler characteristic of a finite simplicial complex defined?", TOPOLOGY, 22,
       ("(-1)^n a_n(K)", "Anzahl der n-Simplizes", "number of n-simplices", "alternating sum"),
       ("χ(K):= ∑_(n=0)^(dim K) (-1)^n a_n(K)", "die Anzahl der n-Simplizes in K")),
    _q("Wann heißt ein Raum zusammenhängend?", TOPOLOGY, 8,
       ("keine offenen, nichtleeren Teilmengen", "U_1 ∩ U_2 = ∅ und U_1 ∪ U_2 = X", "disjoint non-empty open",
        "disjoint nonempty open", "two disjoint open"),
       ("keine offenen, nichtleeren Teilmengen U_1, U_2",)),
    _q("What does the theorem of Pythagoras say in the script?", TOPOLOGY, 49,
       ("a^2 + b^2 = c^2",),
       ("a^2 + b^2 = c^2",)),
    _q("What does the Zen of Python say about namespaces?", ZEN, 1,
       ("honking great idea",),
       ("Namespaces are one honking great idea",)),
    _q("Is now better than never?", ZEN, 1,
       ("Now is better than never",),
       ("Now is better than never",)),
    _q("How many obvious ways to do something should there be?", ZEN, 1,
       ("only one", "one obvious way", "obvious way to do it"),
       ("obvious way to do it",)),
    _q("Who wrote the Zen of Python?", ZEN, 1,
       ("Tim Peters",),
       ("by Tim Peters",)),
    _q("Why does cholesterol matter at high temperatures?", NOTES, 1,
       ("stable",),
       ("stable at high ones",)),
    _q("What do channel proteins do?", NOTES, 1,
       ("pores",),
       ("Channel proteins form pores",)),
    _q("What happens to a plant cell in a hypertonic solution?", NOTES, 2,
       ("plasmolysis", "pulls away from the wall"),
       ("pulls away from the wall in plasmolysis",)),
    _none("Who proved the Brouwer fixed point theorem, and in which year?"),
    _none("What does the Urysohn metrization theorem say?"),
    _none("What is the fundamental group of the Klein bottle?"),
    _none("What does the Poincaré conjecture state?"),
    _none("What does PEP 8 say about the maximum line length?"),
    _none("How does meiosis differ from mitosis?"),
    _none("What is the boiling point of ethanol?"),
    _none("How many moons does Mars have?"),
]

PARTS: dict[str, list[FaithfulnessQuestion]] = {"tuning": TUNING_QUESTIONS, "held-out": HELD_OUT_QUESTIONS}
