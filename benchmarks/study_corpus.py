"""Varied study text for the benchmarks: sentences built from topics, facts and phrasings.

Real embeddings of varied sentences, not random vectors, so HNSW recall and search latency
behave as they do on a student's notes.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

SUBJECTS = {
    "biology": ["photosynthesis", "cellular respiration", "mitosis", "meiosis", "osmosis", "enzymes",
                "DNA replication", "protein synthesis", "natural selection", "the immune system",
                "the nervous system", "homeostasis", "ecosystems", "genetic mutation", "the cell membrane"],
    "chemistry": ["covalent bonds", "ionic bonds", "reaction rates", "equilibrium", "acids and bases",
                  "oxidation", "the periodic table", "electrolysis", "organic chains", "catalysts",
                  "entropy", "molar mass", "titration", "isotopes", "polymers"],
    "physics": ["Newton's second law", "momentum", "electric fields", "magnetism", "wave interference",
                "thermodynamics", "nuclear decay", "orbital motion", "friction", "circuits", "optics",
                "relativity", "pressure", "energy conservation", "sound waves"],
    "history": ["the French Revolution", "the Industrial Revolution", "the Cold War", "the Roman Empire",
                "the Renaissance", "the First World War", "decolonisation", "the printing press",
                "the Reformation", "the Silk Road", "the suffrage movement", "the Meiji Restoration",
                "the fall of Constantinople", "the Enlightenment", "the Great Depression"],
}
VERBS = ["explains", "depends on", "is limited by", "was shaped by", "can be measured through",
         "changes with", "is often confused with", "leads directly to", "is driven by", "contrasts with"]
DETAILS = ["temperature", "time", "pressure", "trade", "population growth", "energy supply", "concentration",
           "political reform", "surface area", "light intensity", "new technology", "distance", "mass",
           "public opinion", "available resources", "the economy", "the environment", "scientific method"]
FRAMES = [
    "In {subject}, {topic} {verb} {detail}.",
    "Students often learn that {topic} {verb} {detail}, which matters in exams.",
    "A key idea of {subject} is that {topic} {verb} {detail}.",
    "Textbooks describe how {topic} {verb} {detail} in several worked examples.",
    "The lecture showed that {topic} {verb} {detail} and gave a clear diagram.",
    "Revision note: {topic} {verb} {detail}; check the {subject} glossary.",
    "Past papers ask why {topic} {verb} {detail}.",
    "One experiment tests whether {topic} {verb} {detail}.",
    "The summary of {subject} says {topic} {verb} {detail}.",
    "Remember for the quiz: {topic} {verb} {detail}.",
]


def sentences(count: int, seed: int = 7) -> list[str]:
    """`count` distinct sentences in a shuffled but repeatable order."""
    combos = [(subject, topic, verb, detail, frame)
              for subject, topics in SUBJECTS.items() for topic in topics
              for verb, detail, frame in itertools.product(VERBS, DETAILS, FRAMES)]
    random.Random(seed).shuffle(combos)
    if count > len(combos):
        raise ValueError(f"only {len(combos)} distinct sentences available")
    return [frame.format(subject=subject, topic=topic, verb=verb, detail=detail)
            for subject, topic, verb, detail, frame in combos[:count]]


def pdf_with_pages(path: Path, pages: int, chars_per_page: int = 1500) -> Path:
    from fpdf import FPDF

    pool = iter(sentences(pages * 40))
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for _ in range(pages):
        text = ""
        while len(text) < chars_per_page:
            text += next(pool) + " "
        pdf.add_page()
        pdf.multi_cell(0, 4.5, text[:chars_per_page].encode("latin-1", "replace").decode("latin-1"))
    pdf.output(str(path))
    return path
