"""Grades compare the student's words with the passage's answer and say "not yet" only when clearly wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.ai.quiz.grading import Grade, grade
from studyteddy_desktop.ai.quiz.quiz_items import QuizItem

FIRN = QuizItem(1, "What is Firn?", "A granular snow that has survived one melt season.", 1,
                "Firn is a granular snow that has survived one melt season.")
MORAINE = QuizItem(2, "What is a moraine?", "A ridge of debris left by a glacier.", 2,
                   "A moraine is a ridge of debris left by a glacier.")
WAR_YEAR = QuizItem(3, "In which year did the First World War begin?", "1914", 3,
                    "The First World War began in 1914 and ended in 1918.")
GLETSCHER = QuizItem(4, "Fill in the blank: Ein _____ ist eine große Eismasse, die sich langsam talwärts bewegt.",
                     "Gletscher", 4, "Ein Gletscher ist eine große Eismasse, die sich langsam talwärts bewegt.")
DEFORME = QuizItem(5, "Fill in the blank: La glace se _____ sous son propre poids.", "déforme", 5,
                   "La glace se déforme sous son propre poids.")
HEIGHT = QuizItem(6, "What is the height of the tower?", "The tower is 3,5 metres high.", 6,
                  "The tower is 3,5 metres high.")


@pytest.mark.parametrize(("item", "answer", "verdict"), [
    (FIRN, "granular snow that survived a melt season", "right"),
    (FIRN, "Granular snows surviving one melting season!", "right"),
    (FIRN, "season melt one survived snow granular", "right"),  # word order is free
    (MORAINE, "A moraine is a ridge of debris left by a glacier", "right"),
    (WAR_YEAR, "1914", "right"),
    (WAR_YEAR, "It started in 1914.", "right"),
    (GLETSCHER, "gletscher", "right"),
    (GLETSCHER, "Gletschers", "right"),
    (DEFORME, "se DÉFORME", "right"),
    (HEIGHT, "3.5 metres high", "right"),  # a German decimal comma is the same number
    (FIRN, "granular snow", "partly"),
    (MORAINE, "ridges of debris", "partly"),
    (WAR_YEAR, "1914 or maybe 1918", "partly"),  # the right number hedged with a wrong one
    (DEFORME, "deforme", "partly"),  # the passage's word without its accent
    (HEIGHT, "35 metres high", "partly"),  # the words fit, the number does not
    (WAR_YEAR, "1918", "not_yet"),
    (WAR_YEAR, "In 1918, I think.", "not_yet"),
    (MORAINE, "a big lake in the mountains", "not_yet"),
    (FIRN, "compressed ice crystals", "not_yet"),
    (FIRN, "", "not_yet"),
    (FIRN, "  ?!  ", "not_yet"),
    (FIRN, "I don't know", "not_yet"),
    (GLETSCHER, "Keine Ahnung", "not_yet"),
    (MORAINE, "a lake", "unsure"),  # one word cannot show the student is wrong
    (GLETSCHER, "Eismasse", "unsure"),  # only repeats the question
    (FIRN, "It is old snow which has lasted through a summer without melting away completely and getting denser",
     "unsure"),
])
def test_grading_table(item, answer, verdict):
    assert grade(answer, item).verdict == verdict, grade(answer, item)


@pytest.mark.parametrize("answer", [
    "Old snow from earlier winters which lasted through the warm months and slowly became denser and harder",
    "Snow that did not melt during summer, so it stays for another year and gets packed together more tightly",
    "Compacted leftover winter precipitation remaining after the warm period has passed over the mountains",
])
def test_a_long_paraphrase_on_topic_is_never_called_wrong(answer):
    assert grade(answer, FIRN).verdict in ("unsure", "right", "partly")
    assert grade(answer, FIRN).verdict != "not_yet"


def test_an_empty_answer_says_so():
    assert grade("", FIRN) == Grade("not_yet", "No answer given.")
    assert grade("   \n", MORAINE) == Grade("not_yet", "No answer given.")


def test_explanations_say_what_matched_and_what_was_missed():
    explanation = grade("granular snow", FIRN).explanation
    assert "'granular'" in explanation and "'snow'" in explanation and "'season'" in explanation
    assert explanation.index("'snow'") < explanation.index("not")
    assert "1918" in grade("1918", WAR_YEAR).explanation and "1914" in grade("1918", WAR_YEAR).explanation
    assert "déforme" in grade("deforme", DEFORME).explanation


def test_words_the_question_gives_away_earn_nothing():
    item = QuizItem(1, "What is glacial ice?", "Ice formed when firn is compressed.", 1,
                    "Glacial ice is ice formed when firn is compressed.")
    assert grade("ice", item).verdict == "unsure"
    assert grade("compressed firn", item).verdict == "partly"
    assert grade("ice formed from compressed firn", item).verdict == "right"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600), st.text(min_size=1, max_size=200), st.text(max_size=200))
def test_grade_never_raises_on_arbitrary_text(answer, expected, question):
    item = QuizItem(1, question or "?", expected, 1, expected)
    result = grade(answer, item)
    assert result.verdict in ("right", "partly", "not_yet", "unsure")
    assert result.explanation.strip()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["firn", "granular", "snow", "survived", "melt", "season", "one", "a", "the"]),
                max_size=12))
def test_an_answer_made_only_of_the_passage_words_is_never_wrong(words):
    assert grade(" ".join(words), FIRN).verdict != "not_yet" or not words


def test_huge_input_is_graded_quickly():
    assert grade("granular snow " * 100_000, FIRN).verdict == "partly"
