"""Quiz questions are the passages' own sentences: spread over passages, never repeated, stored safely."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.ai.quiz.quiz_items import QuizItem, build_quiz
from studyteddy_desktop.ai.sentence_cards import BLANK

GLACIERS = ("## Glaciers\n\nFirn is a granular snow that has survived one melt season. Over many years firn turns "
            "into glacial ice as air is squeezed out.")
MORAINES = "A moraine is a ridge of debris left by a glacier. Glaciers move because ice deforms under its own weight."
WAR = "The First World War began in 1914 and ended in 1918. Trench warfare dominated the Western Front for years."
GLETSCHER = ("Ein Gletscher ist eine große Eismasse, die sich langsam talwärts bewegt. Firn entsteht aus Schnee, "
             "der mehrere Jahre   überdauert.")
PASSAGES = {1: GLACIERS, 2: MORAINES, 3: WAR}


def test_three_questions_come_from_three_passages_in_rank_order():
    items = build_quiz(PASSAGES)
    assert [item.number for item in items] == [1, 2, 3]
    assert [item.source_number for item in items] == [1, 2, 3]
    assert items[0].question == "What is Firn?"
    assert items[0].answer == "A granular snow that has survived one melt season."
    assert items[1].question == "What is a moraine?"


def test_every_answer_and_sentence_is_text_of_its_own_passage():
    for item in build_quiz(PASSAGES, wanted=20):
        passage = PASSAGES[item.source_number]
        assert item.passage_sentence in passage, item
        assert item.answer.rstrip(".").casefold() in item.passage_sentence.casefold(), item
        if item.question.startswith("Fill in the blank: "):
            filled = item.question.removeprefix("Fill in the blank: ").replace(BLANK, item.answer)
            assert filled == " ".join(item.passage_sentence.split()), item


def test_a_second_quiz_asks_new_questions():
    first = build_quiz(PASSAGES)
    second = build_quiz(PASSAGES, avoid=[item.question for item in first])
    assert len(second) == 3
    assert not {item.question for item in first} & {item.question for item in second}
    # Every sentence has been asked once the two quizzes are done, so a third one has nothing left.
    assert build_quiz(PASSAGES, avoid=[item.question for item in first + second]) == []


def test_avoid_ignores_case_and_spacing():
    first = build_quiz({1: MORAINES}, wanted=1)[0]
    again = build_quiz({1: MORAINES}, wanted=1, avoid=["  " + first.question.upper().replace(" ", "  ")])
    assert again and again[0].question != first.question


def test_one_rich_passage_fills_the_quiz_when_the_others_have_nothing():
    items = build_quiz({1: "Too short.", 2: MORAINES, 3: ""}, wanted=3)
    assert [item.source_number for item in items] == [2, 2]


def test_the_same_sentence_in_two_passages_is_asked_once():
    items = build_quiz({1: MORAINES, 2: MORAINES}, wanted=5)
    assert len({item.question for item in items}) == len(items) == 2


def test_empty_passages_give_no_quiz():
    assert build_quiz({}) == []
    assert build_quiz({1: "", 2: "   \n", 3: "Hi."}) == []
    assert build_quiz(PASSAGES, wanted=0) == [] and build_quiz(PASSAGES, wanted=-1) == []


def test_a_german_passage_gets_fill_in_the_blank_questions_with_verbatim_sentences():
    items = build_quiz({4: GLETSCHER}, wanted=3)
    assert [item.answer for item in items] == ["Gletscher", "überdauert"]
    assert all(item.question.startswith("Fill in the blank: ") and item.source_number == 4 for item in items)
    # The passage has three spaces inside its second sentence: the stored sentence keeps them.
    assert items[1].passage_sentence == "Firn entsteht aus Schnee, der mehrere Jahre   überdauert."
    assert items[1].passage_sentence in GLETSCHER


def test_a_blank_on_a_function_word_is_not_asked():
    # sentence_cards knows only English function words, so it would blank the German "zwischen" here.
    items = build_quiz({1: "Das Haus liegt zwischen dem Fluss und dem Wald am Berg."}, wanted=3)
    assert items == []


def test_json_round_trip():
    item = build_quiz(PASSAGES, wanted=1)[0]
    assert QuizItem.from_json(json.loads(json.dumps(item.to_json()))) == item
    assert set(item.to_json()) == {"number", "question", "answer", "source_number", "passage_sentence"}


@pytest.mark.parametrize("values", [
    None, [], "text", {}, {"number": 1, "question": "Q?", "answer": "A", "source_number": 2},
    {"number": "one", "question": "Q?", "answer": "A", "source_number": 2, "passage_sentence": "S."},
    {"number": True, "question": "Q?", "answer": "A", "source_number": 2, "passage_sentence": "S."},
    {"number": 1, "question": None, "answer": "A", "source_number": 2, "passage_sentence": "S."},
    {"number": 1, "question": "Q?", "answer": "   ", "source_number": 2, "passage_sentence": "S."},
    {"number": 1, "question": "Q?", "answer": "A", "source_number": [2], "passage_sentence": "S."},
    {"number": 1.5, "question": "Q?", "answer": "A", "source_number": 2, "passage_sentence": "S."},
])
def test_old_or_damaged_rows_raise_value_error(values):
    with pytest.raises(ValueError):
        QuizItem.from_json(values)


def test_numbers_stored_as_text_or_whole_floats_are_read():
    item = QuizItem.from_json({"number": "2", "question": "Q?", "answer": "A", "source_number": 3.0,
                               "passage_sentence": "S."})
    assert (item.number, item.source_number) == (2, 3)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(1, 5), st.text(max_size=400) | st.sampled_from([GLACIERS, MORAINES, GLETSCHER]),
                       max_size=4), st.integers(0, 6))
def test_passage_sentence_is_always_a_substring_of_its_passage(passages, wanted):
    items = build_quiz(passages, wanted=wanted)
    assert len(items) <= wanted
    assert [item.number for item in items] == list(range(1, len(items) + 1))
    assert len({item.question for item in items}) == len(items)
    for item in items:
        assert item.passage_sentence and item.passage_sentence in passages[item.source_number]
