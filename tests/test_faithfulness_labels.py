"""The faithfulness benchmark's labelled set holds up on its own documents, without any model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import faithfulness_corpus as corpus  # noqa: E402
from faithfulness_questions import HELD_OUT_QUESTIONS, PARTS, TUNING_QUESTIONS  # noqa: E402

ANSWERABLE = [label for labels in PARTS.values() for label in labels if label.document]


@pytest.fixture(scope="module")
def rendered_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each document's PDF pages as pypdf reads them, the way the app's importer does."""
    from pypdf import PdfReader

    if not corpus.FONT_PATH.is_file():
        pytest.skip(f"{corpus.FONT_PATH} is not installed; the labelled pages assume it")
    folder = tmp_path_factory.mktemp("faithfulness")
    pages = {}
    for number, item in enumerate(corpus.documents()):
        path = folder / f"{number}.pdf"
        count = corpus.render_pdf(item, path)
        pages[item.title] = [page.extract_text() for page in PdfReader(path).pages]
        assert len(pages[item.title]) == count
    return pages


def test_the_script_is_long_and_every_document_has_text(rendered_pages):
    assert len(rendered_pages[corpus.TOPOLOGY]) >= 40
    assert all(pages and all(page.strip() for page in pages) for pages in rendered_pages.values())


@pytest.mark.parametrize("label", ANSWERABLE, ids=lambda label: label.question)
def test_every_gold_quote_fragment_is_in_its_document_and_on_a_gold_page(label, rendered_pages):
    text = corpus.compact(corpus.document(label.document).text)
    first, last = label.pages
    pages = rendered_pages[label.document]
    assert 1 <= first <= last <= len(pages)
    assert label.quotes
    for fragment in label.quotes:
        assert corpus.compact(fragment) in text, fragment
        assert any(corpus.compact(fragment) in corpus.compact(page) for page in pages[first - 1:last]), \
            f"{fragment!r} is not on pages {first}-{last}"


@pytest.mark.parametrize("label", ANSWERABLE, ids=lambda label: label.question)
def test_some_gold_fact_is_worded_as_the_document_words_it(label):
    # English alternatives may stand beside them, but the fact itself must be the document's.
    text = corpus.compact(corpus.document(label.document).text)
    assert any(corpus.compact(fact) in text for fact in label.facts), label.facts


def test_the_parts_are_big_enough_do_not_overlap_and_each_has_unanswerable_questions():
    assert len(TUNING_QUESTIONS) >= 12 and len(HELD_OUT_QUESTIONS) >= 24
    tuning = {corpus.normalised(label.question) for label in TUNING_QUESTIONS}
    held_out = {corpus.normalised(label.question) for label in HELD_OUT_QUESTIONS}
    assert len(tuning) == len(TUNING_QUESTIONS) and len(held_out) == len(HELD_OUT_QUESTIONS)
    assert not tuning & held_out
    for labels in PARTS.values():
        assert any(label.document is None for label in labels)
        assert {label.document for label in labels if label.document} == {item.title for item in corpus.documents()}
        assert all(label.pages is None and not label.facts and not label.quotes
                   for label in labels if label.document is None)


def test_the_held_out_part_shares_no_question_with_the_older_grounding_set():
    from tutor_questions import HELD_OUT_QUESTIONS as GROUNDING_HELD_OUT, TUNING_QUESTIONS as GROUNDING_TUNING

    older = {corpus.normalised(label.question) for label in [*GROUNDING_TUNING, *GROUNDING_HELD_OUT]}
    assert not older & {corpus.normalised(label.question) for label in HELD_OUT_QUESTIONS}


def test_latex_to_text_keeps_text_and_simple_math_and_drops_markup():
    source = (r"\chapter{Grundbegriffe}\section{Räume}\begin{definition}[Raum]\xindex{Raum}%"
              "\n" r"Ein \textbf{Raum} ist $(X, \fT)$ mit $\emptyset \in \fT$, vgl. \cref{x}.\end{definition}"
              r"\begin{figure}\caption{weg}\end{figure}\begin{itemize}\item $\frac{a}{2}$\end{itemize}")
    text = corpus.latex_to_text([source])
    assert "Kapitel 1: Grundbegriffe" in text and "1.1 Räume" in text
    assert "Definition (Raum): Ein Raum ist (X, T) mit ∅ ∈ T, vgl." in text
    assert "- a/2" in text
    assert "\\" not in text and "weg" not in text and "xindex" not in text


def _answer(answer: str, quotes: tuple[str, ...], *, page: int = 2, checked: int | None = None,
            supported: int | None = None):
    import uuid
    from datetime import datetime, timezone

    from studyteddy_desktop.domain.tutor_dto import InteractionDTO, QuoteDTO, SourceDTO

    source = SourceDTO(1, uuid.uuid4(), corpus.TOPOLOGY, uuid.uuid4(), page, 0, 10, quotes[0] if quotes else "", 0.6)
    return InteractionDTO(uuid.uuid4(), uuid.uuid4(), "explain", "q", answer, (source,), True, "done", None, None,
                          None, None, None, None, None, datetime.now(timezone.utc),
                          quotes=tuple(QuoteDTO(1, text) for text in quotes), checked_sentences=checked,
                          supported_sentences=supported, first_shown_ms=200)


def test_the_judge_accepts_the_scripts_own_words_and_rejects_an_invented_name_and_year():
    import tutor_faithfulness as bench

    label = next(label for label in TUNING_QUESTIONS if label.question == bench.SHOWN_QUESTION)
    texts = {item.title: item.text for item in corpus.documents()}
    quote = "Ein topologischer Raum ist ein Paar (X, T) bestehend aus einer Menge X und T ⊆ P(X)"
    faithful = bench.judge(label, _answer("Die Elemente von T heißen offene Teilmengen von X [1]. "
                                          "So a topological space is a pair (X, T) [1].", (quote,)), texts)
    assert (faithful.right_source, faithful.states_fact, faithful.correct_quote) == (True, True, True)
    assert (faithful.shown_sentences, faithful.supported_sentences) == (2, 2)

    invented = bench.judge(label, _answer("Felix Hausdorff defined the pair (X, T) in 1914 [1].",
                                          ("Ein topologischer Raum ist ein Tripel",), page=9), texts)
    assert (invented.right_source, invented.any_verbatim_quote, invented.supported_sentences) == (False, False, 0)


def test_sentences_the_app_dropped_count_against_the_share_of_all_written():
    import tutor_faithfulness as bench

    label = next(label for label in TUNING_QUESTIONS if label.question == bench.SHOWN_QUESTION)
    texts = {item.title: item.text for item in corpus.documents()}
    judged = bench.judge(label, _answer("Die Elemente von T heißen offene Teilmengen von X [1].", (),
                                        checked=4, supported=1), texts)
    rows = {row: (figure, verdict) for row, figure, _goal, verdict in bench.part_rows([judged])}
    assert rows["sentences supported, of all written"][0] == "1/4 (25%)"
    assert rows["sentences supported, of those shown"] == ("1/1 (100%)", "PASS")
    assert rows["answers with a correct verbatim quote"] == ("0/1 (0%)", "MISS")
