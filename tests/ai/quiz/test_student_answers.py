"""A reply is split by its numbering; what cannot be matched to a question is left out, never guessed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.ai.quiz.student_answers import MAX_REPLY_CHARS, split_answers


@pytest.mark.parametrize(("reply", "count", "expected"), [
    ("1. Snow compacting. 2. Ridges of debris. 3. Melting.", 3,
     {1: "Snow compacting.", 2: "Ridges of debris.", 3: "Melting."}),
    ("1. Snow compacting\n2. Ridges of debris\n3. Melting", 3,
     {1: "Snow compacting", 2: "Ridges of debris", 3: "Melting"}),
    ("1) a 2) b", 2, {1: "a", 2: "b"}),
    ("(1) firn (2) moraine (3) ice", 3, {1: "firn", 2: "moraine", 3: "ice"}),
    ("Q1: firn\nQ2: moraine", 2, {1: "firn", 2: "moraine"}),
    ("Answer 1: firn. Answer 2: moraine.", 2, {1: "firn.", 2: "moraine."}),
    ("1 - firn\n2 - moraine", 2, {1: "firn", 2: "moraine"}),
    ("Here are my answers:\n1. firn\n3. ice", 3, {1: "firn", 3: "ice"}),
    ("1. firn 2. 3. ice", 3, {1: "firn", 3: "ice"}),  # 2 left blank
    ("1. It rose 2.5 metres. 2. ice", 2, {1: "It rose 2.5 metres.", 2: "ice"}),
    ("1. It has 2. 2. Ridges 3. melt", 3, {1: "It has 2.", 2: "Ridges", 3: "melt"}),
    ("1. firn 7. ice", 3, {1: "firn 7. ice"}),  # there is no question 7
    ("Snow compacting into firn", 1, {1: "Snow compacting into firn"}),
    ("1. Snow compacting", 1, {1: "Snow compacting"}),
    ("in chapter 1. it says firn", 1, {1: "in chapter 1. it says firn"}),
    ("firn\nmoraine\nice", 3, {1: "firn", 2: "moraine", 3: "ice"}),
    ("- firn\n- moraine", 2, {1: "firn", 2: "moraine"}),
    ("firn; moraine; ice", 3, {1: "firn", 2: "moraine", 3: "ice"}),
    ("Snow compacts over 2 - 3 years", 3, {}),  # one unnumbered answer to three questions: which one?
    ("a\nb\nc\nd", 3, {}),
    ("", 3, {}),
    ("   \n ", 1, {}),
    ("1. firn", 0, {}),
])
def test_replies_are_split_by_their_numbering(reply, count, expected):
    assert split_answers(reply, count) == expected


def test_huge_reply_is_cut_at_the_cap():
    answers = split_answers("1. " + "firn " * 10_000 + " 2. moraine", 2)
    assert set(answers) == {1} and len(answers[1]) <= MAX_REPLY_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=5000), st.integers(-2, 12))
def test_any_reply_gives_numbers_in_range_and_its_own_text(reply, count):
    answers = split_answers(reply, count)
    assert all(1 <= number <= max(count, 0) for number in answers)
    flat = " ".join(reply[:MAX_REPLY_CHARS].split())
    for answer in answers.values():
        assert answer and answer in flat


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(categories=("L",)), min_size=1, max_size=20), min_size=1, max_size=9))
def test_numbered_answers_come_back_by_number(words):
    reply = " ".join(f"{number}. {word}" for number, word in enumerate(words, start=1))
    assert split_answers(reply, len(words)) == dict(enumerate(words, start=1))
