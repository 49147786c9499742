"""Quotes are the passages' own sentences, the ones that answer the question, in any of four languages."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.ai.answer_check.quote_selection import (
    MAX_QUOTE_CHARS,
    Quote,
    select_quotes,
    sentences,
)

ZEN = """The Zen of Python, by Tim Peters

Beautiful is better than ugly.
Explicit is better than implicit.
Simple is better than complex.
Complex is better than complicated.
Flat is better than nested.
Sparse is better than dense."""

TOPOLOGY_DE = ("Definition 1.1\nEin topologischer Raum ist ein Paar (X, T) bestehend aus einer Menge X und einer "
               "Familie T von Teilmengen von X, so dass die leere Menge und X zu T gehören. Die Elemente von T "
               "heißen offene Mengen. Beispiele folgen im nächsten Abschnitt über metrische Räume.")


def test_the_zen_of_python_answers_what_is_better_than_complex():
    quotes = select_quotes("According to my notes, what is better than complex?", {1: ZEN})
    assert quotes[0] == Quote(1, "Simple is better than complex.")
    reordered = "Complex is better than complicated.\nSimple is better than complex.\nFlat is better than nested."
    assert select_quotes("What is better than complex?", {1: reordered}, limit=1) == [
        Quote(1, "Simple is better than complex.")]


def test_a_german_question_gets_the_german_definition():
    quotes = select_quotes("Was ist ein topologischer Raum?", {1: TOPOLOGY_DE}, limit=1)
    assert quotes and quotes[0].text.startswith("Ein topologischer Raum ist ein Paar (X, T)")


def test_an_english_question_meets_the_german_definition_through_shared_prefixes():
    quotes = select_quotes("What is the definition of a topological space?", {1: TOPOLOGY_DE}, limit=1)
    assert quotes and quotes[0].text.startswith("Ein topologischer Raum ist ein Paar")


def test_french_and_spanish_definitions_are_found():
    french = {1: "La fonction est continue. On appelle groupe un ensemble muni d'une loi associative."}
    spanish = {1: "El mercado crece. Se llama inflación al aumento general de los precios."}
    assert select_quotes("Qu'est-ce qu'un groupe ?", french)[0].text.startswith("On appelle groupe")
    assert select_quotes("¿Qué es la inflación?", spanish)[0].text.startswith("Se llama inflación")


def test_better_ranked_passages_win_ties_and_quotes_are_not_repeated():
    passages = {2: "Osmosis moves water across a membrane.", 1: "Osmosis moves water across a membrane."}
    quotes = select_quotes("How does osmosis move water?", passages, limit=3)
    assert quotes == [Quote(1, "Osmosis moves water across a membrane.")]


def test_headings_and_unrelated_sentences_are_never_quoted():
    passages = {1: "Osmosis\nChapter 3: Water\nThe weather was fine that day in the valley."}
    assert select_quotes("What is osmosis?", passages) == []
    assert select_quotes("What is osmosis?", {}) == []
    assert select_quotes("", {1: "Water moves across membranes by osmosis."}) == []
    assert select_quotes("What is osmosis?", {1: "Osmosis moves water across a membrane."}, limit=0) == []


def test_bullet_lists_without_final_punctuation_are_split_into_items():
    passages = {1: "- Mitochondria produce ATP in the cell\n- Ribosomes build proteins from amino acids\n"
                   "1. Chloroplasts capture light for photosynthesis"}
    assert select_quotes("What do ribosomes build?", passages, limit=1) == [
        Quote(1, "Ribosomes build proteins from amino acids")]
    assert select_quotes("What do chloroplasts capture?", passages, limit=1)[0].text.startswith("Chloroplasts")


def test_an_overlong_sentence_is_cut_at_a_clause_and_stays_verbatim():
    passage = ("Osmosis is the movement of water, " + "which happens across many kinds of membranes, " * 20
               + "and it ends here.")
    quote = select_quotes("What is osmosis?", {1: passage})[0]
    assert len(quote.text) <= MAX_QUOTE_CHARS and quote.text in passage and quote.text.endswith(",")


def test_fallback_quotes_the_best_passages_definition_when_nothing_overlaps():
    passages = {2: "Ein Ring ist eine Menge mit zwei Verknüpfungen.",
                1: "Das Kapitel beginnt hier mit Beispielen. Eine Gruppe heißt abelsch, wenn sie kommutativ ist."}
    assert select_quotes("Why is the sky blue?", passages) == []
    assert select_quotes("Why is the sky blue?", passages, fallback=True) == [
        Quote(1, "Eine Gruppe heißt abelsch, wenn sie kommutativ ist.")]


def test_a_similarity_function_is_blended_in_and_checked():
    passages = {1: "Water moves across membranes by osmosis. Osmosis needs a membrane and water."}
    closer_second = select_quotes("osmosis water", passages, limit=1,
                                  similarity=lambda question, texts: [0.0, 1.0][:len(texts)])
    assert closer_second == [Quote(1, "Osmosis needs a membrane and water.")]
    try:
        select_quotes("osmosis water", passages, similarity=lambda question, texts: [0.5])
    except ValueError as error:
        assert "similarity gave 1 scores for 2 sentences" in str(error)
    else:
        raise AssertionError("a similarity of the wrong length was accepted")


def test_a_huge_passage_is_handled_quickly_and_verbatim():
    passage = "Filler words about nothing at all here. " * 5000 + "Osmosis moves water across a membrane."
    quotes = select_quotes("What does osmosis move?", {1: passage})
    assert quotes == [Quote(1, "Osmosis moves water across a membrane.")]


_TEXT = st.text(alphabet=st.sampled_from(list("abcdeüßéñ XYZ.,;:!?-*\n\t\"'()[]0123456789")), max_size=600)


@settings(max_examples=200, deadline=None)
@given(question=_TEXT, passages=st.dictionaries(st.integers(1, 6), _TEXT, max_size=4),
       limit=st.integers(0, 4), fallback=st.booleans())
def test_every_quote_is_a_stripped_substring_of_its_passage(question, passages, limit, fallback):
    quotes = select_quotes(question, passages, limit=limit, fallback=fallback)
    assert len(quotes) <= max(limit, 0) or (fallback and len(quotes) == 1)
    for quote in quotes:
        assert quote.text in passages[quote.source_number]
        assert quote.text == quote.text.strip() and len(quote.text) <= MAX_QUOTE_CHARS


@settings(max_examples=200, deadline=None)
@given(passage=_TEXT)
def test_sentences_are_substrings_of_four_words_or_more(passage):
    for sentence in sentences(passage):
        assert sentence in passage and len(re.findall(r"[^\W_]+", sentence)) >= 4
