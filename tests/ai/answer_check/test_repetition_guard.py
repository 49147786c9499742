"""The guard cuts a looping answer where the loop starts, keeps the first occurrence, and is cheap per token."""

from __future__ import annotations

import time

from studyteddy_desktop.ai.answer_check.repetition_guard import RepetitionGuard

AXIOMS = "".join(f"{n}. The empty set and the whole set X belong to the topology T of X{'.' if n % 2 else ''}\n"
                 for n in range(1, 8))


def _observe_streamed(text: str, step: int = 3) -> int | None:
    guard = RepetitionGuard()
    for end in range(step, len(text) + step, step):
        cut = guard.observe(text[:end])
        if cut is not None:
            return cut
    return guard.observe(text, final=True)


def test_near_identical_list_items_are_cut_after_the_first():
    cut = _observe_streamed(AXIOMS)
    assert cut == AXIOMS.index("2.")


def test_the_same_sentence_reworded_is_cut_though_no_phrase_or_line_repeats():
    text = "Open sets build the topology of space X. Then more. The topology of space X builds on open sets. "
    assert _observe_streamed(text) == text.index("The topology")


def test_a_repeated_line_is_cut_at_its_second_occurrence():
    text = "Osmosis moves water.\nIt needs a membrane.\nOsmosis moves water.\nMore text follows here.\n"
    assert _observe_streamed(text) == text.index("Osmosis moves water.", 1)


def test_a_phrase_coming_a_third_time_is_cut_at_its_second_sentence():
    loop = "so the cell takes in water and grows"
    text = (f"First, {loop} bigger. Then, {loop} again, and later, after a while, {loop} once more. Done. ")
    cut = _observe_streamed(text)
    assert cut == text.index("Then,")
    looping_sentence = "The cell takes " + "water in and out and " * 6 + "stops."
    assert _observe_streamed(looping_sentence + " ") == looping_sentence.index("water in and out and ", 30)


def test_varied_answers_are_not_cut():
    text = ("Osmosis is the diffusion of water across a membrane. It needs a selectively permeable membrane.\n"
            "- The union of open sets is open.\n- The intersection of two open sets is open.\n"
            "- The empty set is open.\n1. Yes\n2. Yes\nThe cell grows. The cell grows bigger when water enters. ")
    assert _observe_streamed(text) is None
    assert RepetitionGuard().observe("") is None


def test_the_unfinished_last_sentence_is_judged_only_at_the_end():
    guard = RepetitionGuard()
    text = "The membrane lets water pass through it.\nThe membrane lets water pass through it"
    assert guard.observe(text) is None
    assert guard.observe(text, final=True) == text.index("\n") + 1


def test_a_call_per_token_stays_cheap_on_a_long_answer():
    words = [f"word{n % 97}x{n}" for n in range(400)]
    text = " ".join(f"{word}." if n % 9 == 8 else word for n, word in enumerate(words))[:2000]
    guard = RepetitionGuard()
    started = time.perf_counter()
    calls = 0
    for end in range(5, len(text) + 5, 5):  # a token is about five characters
        guard.observe(text[:end])
        calls += 1
    per_call = (time.perf_counter() - started) / calls
    assert guard.cut is None
    assert per_call < 0.002, f"{per_call * 1e6:.0f} µs per call"
