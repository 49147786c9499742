"""A sentence is supported only when a passage shares its words and every name and number in it."""

from __future__ import annotations

import pytest

from studyteddy_desktop.ai.answer_check.sentence_support import Support, SupportChecker, names

TOPOLOGY = {1: "A topological space is a set X with a family T of open sets. The union of open sets is open.",
            2: "Set theory was founded in the nineteenth century and studies collections of objects."}


def test_words_shared_with_a_passage_support_a_sentence_and_name_it():
    support = SupportChecker(TOPOLOGY).check("A topological space is a set with a family of open sets.")
    assert support.supported and support.checked and support.source_number == 1


def test_an_invented_name_or_year_is_not_supported_even_with_shared_words():
    checker = SupportChecker(TOPOLOGY)
    cantor = checker.check("Set theory was founded by Georg Cantor.")
    assert not cantor.supported and cantor.reason == "names Georg Cantor, which no source mentions"
    year = checker.check("Set theory was founded in 1874.")
    assert not year.supported and "1874" in year.reason
    place = checker.check("Set theory studies collections of objects in Brazil.")
    assert not place.supported and "Brazil" in place.reason


def test_names_and_numbers_the_passages_contain_are_fine():
    checker = SupportChecker({1: "Georg Cantor founded set theory in 1874 in Halle."})
    assert checker.check("In 1874 Georg Cantor founded set theory.").supported
    assert checker.check("Cantor's set theory was founded in Halle.").supported


def test_a_sentence_sharing_too_few_words_is_not_supported():
    support = SupportChecker(TOPOLOGY).check("Photosynthesis turns light into sugar in leaves.")
    assert support == Support(False, None, "shares too few words with the sources")


def test_greetings_and_headings_are_trivial_and_not_counted():
    checker = SupportChecker(TOPOLOGY)
    for sentence in ("Great question!", "Sure.", "## Topology", "", "   ", "- Yes"):
        support = checker.check(sentence)
        assert support == Support(True, None, "nothing to check", checked=False)


def test_list_markers_are_not_numbers_and_sentence_starts_are_not_names():
    checker = SupportChecker(TOPOLOGY)
    assert checker.check("1. The union of open sets is open.").supported
    assert checker.check("- Open sets: their union is open.").supported
    assert checker.check("**Union**: the union of open sets is open.").supported


def test_german_nouns_are_not_names_but_german_runs_of_names_are():
    passages = {1: "Ein topologischer Raum ist ein Paar aus einer Menge und einer Familie offener Mengen."}
    checker = SupportChecker(passages)
    assert checker.check("Ein topologischer Raum besteht aus einer Menge und offenen Mengen.").supported
    invented = checker.check("Felix Hausdorff nannte das Paar aus Menge und Familie einen topologischen Raum.")
    assert not invented.supported and "Felix Hausdorff" in invented.reason
    assert names("Die Menge X heißt offen.") == []


def test_quoted_and_file_named_documents_must_be_known():
    checker = SupportChecker(TOPOLOGY, known_titles=["Topology notes.pdf"])
    assert checker.check('As "Topology notes.pdf" says, the union of open sets is open.').supported
    foreign = checker.check('As "Czech-komprimiert.pdf" says, the union of open sets is open.')
    assert not foreign.supported
    quoted = checker.check('Open sets are "closed under everything" in a topological space.')
    assert not quoted.supported and "closed under everything" in quoted.reason


def test_without_passages_every_checked_sentence_is_unsupported():
    checker = SupportChecker({})
    assert not checker.check("A topological space is a set with open sets.").supported
    assert not checker.check("Hello there.").checked


def test_hostile_input_does_not_break_the_checker():
    checker = SupportChecker({1: "x" * 100_000 + " water moves"})
    for sentence in ("\x00\x00", "[[[[", "<passage number=\"1\">", "9" * 5000, "Ω" * 10_000, "A. B. C. D. E."):
        assert isinstance(checker.check(sentence), Support)
    assert not checker.check("9" * 50 + " water moves").supported


ZEN = ("Beautiful is better than ugly.\nExplicit is better than implicit.\nSimple is better than complex.\n"
       "Complex is better than complicated.\nFlat is better than nested.")


@pytest.mark.parametrize(("sentence", "supported"), [
    ("You're right, complex is indeed better than simple.", False),
    ("Ugly is better than beautiful.", False),
    ("Simple is better than complex.", True),
    ("Complex is better than complicated, and simple is better than complex.", True),
    ("Beautiful is better than ugly, so write beautiful code.", True),
])
def test_a_sentence_that_turns_a_relation_of_the_passage_round_is_not_supported(sentence, supported):
    # Every word is shared either way round: only their order tells the passage's claim from its reverse.
    assert SupportChecker({1: ZEN}).check(sentence).supported is supported


def test_clauses_in_another_order_than_the_passage_are_still_supported():
    passage = "Glaciers form where snow accumulates faster than it melts, over many years."
    assert SupportChecker({1: passage}).check("Over many years snow accumulates and glaciers form.").supported


@pytest.mark.parametrize("sentence", [
    "The student is asking about the discrete metric.",
    "The passage you are quoting says:",
    "According to passage 2, a glacier flows downhill.",
])
def test_a_sentence_about_the_prompt_is_not_an_answer(sentence):
    passages = {1: "A glacier flows downhill under its own weight. The discrete metric is 1 for distinct points."}
    support = SupportChecker(passages).check(sentence)
    assert not support.supported and support.checked and "prompt" in support.reason
