"""Real study documents for the faithfulness benchmark: a long German topology script, the Zen of Python, notes.

The texts live in benchmarks/corpus/ (their origin and licences in corpus/SOURCES.md) and are rendered to PDF
with fpdf2 at run time, with a Unicode TrueType font, so the app reads them through its real PDF path and the
page numbers the labels name are the pages of that PDF. The same text always renders to the same pages; the
labels' pages are checked against the rendering by tests/test_faithfulness_labels.py.

The script's text was made from the LaTeX sources with latex_to_text():
    .venv/bin/python benchmarks/faithfulness_corpus.py --from-latex DIR   (DIR: documents/GeoTopo of the source)
The Zen of Python comes from CPython's own `this` module: --zen writes it.
"""

from __future__ import annotations

import argparse
import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SCRIPT_CHAPTERS = ("Vorwort", "Kapitel1", "Kapitel2", "Kapitel3", "Kapitel4", "Kapitel5", "Loesungen",
                   "Definitionen")

TOPOLOGY = "Geometrie und Topologie (Skript)"
ZEN = "The Zen of Python"
NOTES = "Cell Biology Lecture 3"


@dataclass(frozen=True)
class CorpusDocument:
    title: str
    kind: str
    pages: tuple[str, ...]  # text per forced page; long ones flow on over as many PDF pages as they need

    @property
    def text(self) -> str:
        return "\n\n".join(self.pages)


def documents() -> list[CorpusDocument]:
    from tutor_questions import DOCUMENTS as NOTES_DOCUMENTS

    script = (CORPUS_DIR / "topologie_skript.txt").read_text(encoding="utf-8")
    # A chapter starts a new page, as in the printed script: the form feeds mark where.
    chapters = tuple(part.strip() for part in script.split("\f") if part.strip())
    zen = (CORPUS_DIR / "zen_of_python.txt").read_text(encoding="utf-8").strip()
    return [CorpusDocument(TOPOLOGY, "long non-English lecture script", chapters),
            CorpusDocument(ZEN, "short English text", (zen,)),
            CorpusDocument(NOTES, "study notes", tuple(NOTES_DOCUMENTS[NOTES]))]


def document(title: str) -> CorpusDocument:
    return next(item for item in documents() if item.title == title)


class FontMissingError(RuntimeError):
    pass


def render_pdf(item: CorpusDocument, path: Path) -> int:
    """Write `item` as a PDF at `path`; returns its page count."""
    from fpdf import FPDF

    if not FONT_PATH.is_file():
        raise FontMissingError(f"{FONT_PATH} is missing: the German script needs a Unicode TrueType font "
                               "(apt-get install fonts-dejavu-core), and the labelled pages assume this one.")
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", str(FONT_PATH))
    pdf.set_font("DejaVu", size=11)
    for text in item.pages:
        pdf.add_page()
        for paragraph in text.split("\n"):
            if paragraph.strip():
                pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(2.5)
    pdf.output(str(path))
    return pdf.page


def normalised(text: str) -> str:
    """Compatibility forms folded, case folded, whitespace runs made one space: how labels and answers compare."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def compact(text: str) -> str:
    """normalised() without any whitespace: PDF extraction may break or join lines inside a formula."""
    return "".join(normalised(text).split())


# -- LaTeX to plain text ------------------------------------------------------------------------------------

_SYMBOLS = {
    "in": "∈", "notin": "∉", "ni": "∋", "subseteq": "⊆", "subset": "⊂", "subsetneq": "⊊", "supseteq": "⊇",
    "cap": "∩", "cup": "∪", "bigcap": "⋂", "bigcup": "⋃", "dcup": "∪", "Dcup": "⋃", "emptyset": "∅",
    "setminus": "\\", "rightarrow": "→", "to": "→", "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔",
    "gdw": "⇔", "xRightarrow": "⇒", "xrightarrow": "→", "mapsto": "↦", "mapsfrom": "↤", "hookrightarrow": "↪",
    "leq": "≤", "geq": "≥", "neq": "≠", "sim": "~", "cong": "≅", "equiv": "≡", "approx": "≈", "pm": "±",
    "cdot": "·", "times": "×", "circ": "∘", "infty": "∞", "partial": "∂", "forall": "∀", "exists": "∃",
    "nexists": "∄", "dots": "…", "ldots": "…", "cdots": "…", "vdots": "⋮", "ddots": "⋱", "angle": "∠",
    "measuredangle": "∠", "triangle": "△", "perp": "⊥", "parallel": "∥", "nparallel": "∦", "langle": "⟨",
    "rangle": "⟩", "mid": "|", "colon": ":", "land": "∧", "lor": "∨", "sum": "∑", "prod": "∏", "int": "∫",
    "qed": "∎", "qedwhite": "□", "mdr": "ℝ", "mdc": "ℂ", "mdq": "ℚ", "mdz": "ℤ", "mdn": "ℕ", "mdh": "ℍ",
    "mdp": "ℙ", "mdk": "K", "mda": "A", "fT": "T", "fB": "B", "fU": "U", "calS": "S", "praum": "P",
    "atlas": "A", "iu": "i", "obda": "o. B. d. A.", "Obda": "O. B. d. A.", "LaTeX": "LaTeX", "ca": "ca.",
    "kappanor": "κ_Nor", "not": "¬", "lbrace": "{", "rbrace": "}", "{": "{", "}": "}", "%": "%", "&": "&",
    "#": "#", "_": "_", "$": "$", ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": " ",
    "\\": "\n", "newline": "\n", "par": "\n\n", "-": "", "[": "\n", "]": "\n", "(": "", ")": "",
}
_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho "
          "varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega")
_GREEK_LETTERS = "αβγδϵεζηθϑικλμνξπρϱστυϕφχψωΓΔΘΛΞΠΣΦΨΩ"
_SYMBOLS.update(zip(_GREEK.split(), _GREEK_LETTERS, strict=True))
_OPERATORS = {name: name for name in ("sin cos tan ln log exp det dim deg max min lim sup inf mod Re Im Deck Fix "
                                       "Iso grad Perm Sym Diffeo conv IWS DV Bild GL SL PSL id").split()}
_OPERATORS.update(Homoo="Homöo", rang="Rg")
_SPACED = set("∈∉∋⊆⊂⊊⊇∩∪→⇒⇐⇔↦↤↪≤≥≠≅≡≈×∘")
_HEADINGS = {"chapter", "chapter*", "section", "section*", "subsection", "subsection*"}
_DOUBLE_STRUCK = dict(zip("RCQZNHP", "ℝℂℚℤℕℍℙ", strict=True))
_WRAPPERS = {"Set": ("{", "}"), "set": ("{", "}"), "enquote": ("„", "“"), "footnote": (" (", ")"),
             "powerset": ("P(", ")"), "sqrt": ("√(", ")"), "tilde": ("", "\u0303"), "widetilde": ("", "\u0303"),
             "rtilde": ("", "\u0303"), "overline": ("", "\u0305"), "bar": ("", "\u0305"), "hat": ("", "\u0302"),
             "widehat": ("", "\u0302")}
# Text, fonts and accents (\c, \a and \b of tables): the argument alone reads fine.
_WRAPPERS.update(dict.fromkeys("ts text textnormal textbf textit emph mathrm mathit mathcal mathfrak mathbf mathbb "
                               "underline url mathclap mathrlap mathord cancel boldsymbol operatorname textup "
                               "underbrace overbrace c a b".split(), ("", "")))
_TWO_ARGUMENTS = {"frac": "{0}/{1}", "nicefrac": "{0}/{1}", "dfrac": "{0}/{1}", "tfrac": "{0}/{1}",
                  "binom": "({3} über {2})", "href": "{2}", "overset": "{2}", "underset": "{2}", "stackrel": "{2}"}
_LAST_KEPT = {"resizebox": 2, "parbox": 1, "textcolor": 1}
_ARGUMENTS_DROPPED = {"label": 1, "xindex": 1, "index": 1, "ref": 1, "cref": 1, "Cref": 1, "crefabbr": 1,
                      "Crefabbr": 1, "cpageref": 1, "pageref": 1, "input": 1, "includegraphics": 1, "hspace": 1,
                      "vspace": 1, "hphantom": 1, "phantom": 1, "color": 1, "markboth": 2, "markright": 1,
                      "addcontentsline": 3, "setlength": 2, "settowidth": 2, "setcounter": 2, "tabto": 1,
                      "footnotemark": 0, "thmfoot": 0, "pagenumbering": 1, "linewidth": 0, "columnwidth": 0,
                      "textwidth": 0, "mylengtha": 0, "mylengthb": 0, "tabcolsep": 0, "labelwidth": 0,
                      "dimexpr": 0, "relax": 0, "centering": 0, "leavevmode": 0, "clearpage": 0, "newpage": 0,
                      "goodbreak": 0, "nopagebreak": 0, "displaystyle": 0, "left": 0, "right": 0, "big": 0,
                      "Big": 0, "bigl": 0, "bigr": 0, "Bigl": 0, "Bigr": 0, "tiny": 0, "small": 0, "onecolumn": 0,
                      "twocolumn": 0, "noindent": 0, "footnotetext": 1, "subfloat": 0, "caption": 1, "theenumi": 0,
                      "theenumii": 0}
_DROPPED_ENVIRONMENTS = {"figure", "tikzpicture", "pspicture", "xy", "xtabular", "acronym", "minipage", "table"}
_THEOREMS = {"definition": "Definition", "satz": "Satz", "satz*": "Satz", "lemma": "Lemma",
             "proposition": "Proposition", "korollar": "Korollar", "folgerung": "Folgerung",
             "beispiel": "Beispiel", "bemerkung": "Bemerkung", "beweis": "Beweis", "behauptung": "Behauptung",
             "aufgabe": "Aufgabe", "solution": "Lösung"}
_PAGE_MARK = "@@newpage@@"
_COMMAND = re.compile(r"\\([A-Za-z]+\*?|.)", re.DOTALL)


def _group(source: str, start: int, opening: str = "{", closing: str = "}") -> tuple[str, int]:
    """The balanced group opening at `start` (after spaces): its text and the index after it; ("", start) if none."""
    index = start
    while index < len(source) and source[index] in " \t\n":
        index += 1
    if index >= len(source) or source[index] != opening:
        return "", start
    depth = 0
    for end in range(index, len(source)):
        if source[end] == "\\":
            continue
        if source[end] == opening and (end == 0 or source[end - 1] != "\\"):
            depth += 1
        elif source[end] == closing and source[end - 1] != "\\":
            depth -= 1
            if depth == 0:
                return source[index + 1:end], end + 1
    return source[index + 1:], len(source)


def _argument(source: str, start: int) -> tuple[str, int]:
    """The next {group}, or else the next single character or command, as TeX takes an argument."""
    text, after = _group(source, start)
    if after != start:
        return text, after
    index = start
    while index < len(source) and source[index] in " \t":
        index += 1
    if index < len(source) and source[index] == "\\":
        match = _COMMAND.match(source, index)
        return match.group(0), match.end()
    return source[index:index + 1], index + 1


def _skip_optional(source: str, start: int) -> tuple[str, int]:
    return _group(source, start, "[", "]")


def _environment_end(source: str, name: str, start: int) -> tuple[int, int]:
    """Where the \\end{name} matching the \\begin{name} before `start` begins and ends."""
    depth = 1
    pattern = re.compile(r"\\(begin|end)\{" + re.escape(name) + r"\}")
    for match in pattern.finditer(source, start):
        depth += 1 if match.group(1) == "begin" else -1
        if depth == 0:
            return match.start(), match.end()
    return len(source), len(source)


class _Converter:
    def __init__(self) -> None:
        self.chapter = 0
        self.section = 0

    def convert(self, source: str) -> str:
        out: list[str] = []
        index = 0
        while index < len(source):
            char = source[index]
            if char == "\\":
                text, index = self._command(source, index)
                out.append(text)
            elif char in "{}$":
                index += 1
            elif char == "~":
                out.append(" ")
                index += 1
            elif char == "&":
                out.append(" ")
                index += 1
            elif char in "^_":
                argument, index = _argument(source, index + 1)
                inner = self.convert(argument).strip()
                out.append(char + (inner if len(inner) <= 1 else f"({inner})"))
            else:
                out.append(char)
                index += 1
        return "".join(out)

    def _command(self, source: str, index: int) -> tuple[str, int]:
        match = _COMMAND.match(source, index)
        name, after = match.group(1), match.end()
        if name == "begin":
            return self._begin(source, after)
        if name == "end":
            return "\n\n", _group(source, after)[1]
        if name in _HEADINGS:
            title, after = _group(source, _skip_optional(source, after)[1])
            return self._heading(name, self.convert(title).strip()), after
        if name in ("xRightarrow", "xrightarrow"):
            label, after = _group(source, _skip_optional(source, after)[1])
            return f" {_SYMBOLS[name]}{self.convert(label).strip()} ", after
        if name in _SYMBOLS:
            symbol = _SYMBOLS[name]
            return (f" {symbol} " if symbol in _SPACED else symbol), after
        if name in _OPERATORS:
            return _OPERATORS[name], after
        if name == "item":
            label, after = _skip_optional(source, after)
            return "\n- " + (self.convert(label).strip() + " " if label else ""), after
        if name in _ARGUMENTS_DROPPED or name in _LAST_KEPT:
            after = _skip_optional(source, after)[1]
            for _ in range(_ARGUMENTS_DROPPED[name] if name in _ARGUMENTS_DROPPED else _LAST_KEPT[name]):
                after = _group(source, after)[1]
            if name not in _LAST_KEPT:
                return "", after
            kept, after = _group(source, after)
            return self.convert(kept), after
        if name in _TWO_ARGUMENTS:
            first, after = _argument(source, after)
            second, after = _argument(source, after)
            words = self.convert(first).strip(), self.convert(second).strip()
            return _TWO_ARGUMENTS[name].format(self._atom(first), self._atom(second), words[1], words[0]), after
        if name in _WRAPPERS:
            inner, after = _argument(source, _skip_optional(source, after)[1])
            opening, closing = _WRAPPERS[name]
            text = self.convert(inner).strip() if opening or closing else self.convert(inner)
            return opening + (_DOUBLE_STRUCK.get(text, text) if name == "mathbb" else text) + closing, after
        # Unknown commands leave their arguments to be read as text, which is what most of them hold.
        return "", after

    def _atom(self, argument: str) -> str:
        text = self.convert(argument).strip()
        return text if len(text) <= 1 or text.isalnum() else f"({text})"

    def _begin(self, source: str, after: int) -> tuple[str, int]:
        name, after = _group(source, after)
        if name in _DROPPED_ENVIRONMENTS:
            _, end = _environment_end(source, name, after)
            return "\n", end
        title, after = _skip_optional(source, after)
        if name in _THEOREMS:
            heading = _THEOREMS[name] + (f" ({self.convert(title).strip()})" if title else "")
            return f"\n\n{heading}: ", after
        if name in ("pmatrix", "bmatrix", "matrix", "array", "cases"):
            if name == "array":
                _, after = _group(source, after)
            start, end = _environment_end(source, name, after)
            rows = [self.convert(row).strip() for row in re.split(r"\\\\", source[after:start])]
            inner = "; ".join(" ".join(row.split()) for row in rows if row)
            return ("(" + inner + ")" if name != "cases" else "{" + inner + "}"), end
        if name in ("enumerate", "itemize", "defenum", "defenumprops", "bspenum", "bemenum", "satzenum",
                    "propenum", "aufgabeenum", "align", "align*", "aligned", "equation", "equation*", "gather*",
                    "center", "adjustwidth", "framed"):
            if name == "adjustwidth":
                _, after = _group(source, after)
                _, after = _group(source, after)
            return "\n", after
        return "\n", after

    def _heading(self, name: str, title: str) -> str:
        if name.startswith("chapter"):
            if name == "chapter":
                self.chapter += 1
                self.section = 0
                title = f"Kapitel {self.chapter}: {title}"
            return f"\n\n{_PAGE_MARK}\n\n{title}\n\n"
        if name == "section":
            self.section += 1
            title = f"{self.chapter}.{self.section} {title}"
        return f"\n\n{title}\n\n"


def _drop_comments(source: str) -> str:
    return re.sub(r"(?<!\\)%.*", "", source)


def latex_to_text(sources: list[str]) -> str:
    """Plain text of LaTeX chapter files, in order: commands dropped, text and simple math kept as text."""
    converter = _Converter()
    text = "".join(converter.convert(_drop_comments(source)) for source in sources)
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        joined = []
        for line in lines:
            # A list item or a page mark starts its own line; other line breaks were only the source's.
            if joined and not line.startswith("- ") and line:
                joined[-1] = f"{joined[-1]} {line}".strip()
            elif line:
                joined.append(line)
        paragraphs.append("\n".join(joined))
    body = "\n\n".join(paragraph for paragraph in paragraphs if paragraph.strip())
    body = re.sub(r"\s*" + _PAGE_MARK + r"\s*", "\n\f\n", body)
    return re.sub(r"[ \t]+([.,;:)])", r"\1", body).strip() + "\n"


def _without_missing_glyphs(text: str) -> str:
    """Characters the font cannot draw become their closest ASCII, so the PDF shows no empty boxes."""
    from fontTools.ttLib import TTFont

    covered = set(TTFont(str(FONT_PATH)).getBestCmap())
    return "".join(char if ord(char) in covered or char in "\n\f" else
                   (unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or "?")
                   for char in text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-latex", type=Path, help="documents/GeoTopo of the script's source")
    parser.add_argument("--zen", action="store_true", help="write the Zen of Python from CPython's `this`")
    args = parser.parse_args()
    CORPUS_DIR.mkdir(exist_ok=True)
    if args.from_latex:
        sources = [(args.from_latex / f"{name}.tex").read_text(encoding="utf-8") for name in SCRIPT_CHAPTERS]
        text = _without_missing_glyphs(latex_to_text(sources))
        (CORPUS_DIR / "topologie_skript.txt").write_text(text, encoding="utf-8")
        print(f"topologie_skript.txt: {len(text.encode()):,} bytes")
    if args.zen:
        import this  # prints the Zen on import, which is what the module is for

        zen = codecs.decode(this.s, "rot13")
        (CORPUS_DIR / "zen_of_python.txt").write_text(zen.strip() + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
