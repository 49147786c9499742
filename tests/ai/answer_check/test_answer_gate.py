"""The gate shows supported sentences with their citation, leaves out the rest, and stops a looping answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.ai.answer_check.answer_gate import AnswerGate

CELLS = {1: "Osmosis is the diffusion of water across a selectively permeable membrane.",
         2: "Mitochondria produce ATP through aerobic respiration."}
SET_THEORY = {1: "Set theory studies sets, which are collections of objects. A set may contain other sets."}


def _shown(answer: str, passages, *, step: int | None = None, **options) -> tuple[str, AnswerGate]:
    gate = AnswerGate(passages, **options)
    if step is None:
        return gate.feed(answer) + gate.finish(), gate
    return "".join(gate.feed(answer[i:i + step]) for i in range(0, len(answer), step)) + gate.finish(), gate


def test_supported_sentences_get_citations_like_live_citations_and_the_rest_is_left_out():
    answer = ("Osmosis moves water across a permeable membrane. Mitochondria make ATP [1]. "
              "The sky is blue [2]. Hello! Water diffuses [7].\n- Mitochondria produce ATP\n- Done")
    shown, gate = _shown(answer, CELLS)
    assert shown == ("Osmosis moves water across a permeable membrane.[1] Mitochondria make ATP.[2] "
                     "Hello! Water diffuses.[1]\n- Mitochondria produce ATP [2]\n- Done")
    assert gate.dropped == ["The sky is blue."] and gate.checked == 5 and gate.supported == 4
    assert not gate.should_stop and not gate.cut_for_repetition


def test_an_invented_discoverer_and_year_are_not_shown():
    answer = "Set theory studies collections of objects. It was introduced by Georg Cantor in 1874."
    shown, gate = _shown(answer, SET_THEORY)
    assert shown == "Set theory studies collections of objects.[1]"
    assert gate.dropped == ["It was introduced by Georg Cantor in 1874."]
    assert (gate.checked, gate.supported) == (2, 1)


def test_seven_near_identical_axioms_are_cut_after_the_first_and_the_model_is_stopped():
    passages = {1: "The empty set and the whole set X belong to the topology T of X."}
    gate = AnswerGate(passages)
    shown = gate.feed("Axioms:\n")
    stopped_after = None
    for n in range(1, 8):
        shown += gate.feed(f"{n}. The empty set and the whole set X belong to the topology T of X{'.' * (n % 2)}\n")
        if gate.should_stop and stopped_after is None:
            stopped_after = n
    shown += gate.feed("8. More text that must not be shown.\n") + gate.finish()
    assert shown == "Axioms:\n1. The empty set and the whole set X belong to the topology T of X.[1]"
    assert stopped_after == 2 and gate.cut_for_repetition


def test_leaked_passage_markup_is_never_shown():
    answer = ('<passage number="3" source="Czech-komprimiert, p. 12">\nOsmosis moves water across a membrane.'
              '</passage>\n<|im_start|>assistant\nMitochondria produce ATP.<|im_end|>')
    for step in (None, 1, 2, 5):
        shown, _ = _shown(answer, CELLS, step=step)
        assert shown == "Osmosis moves water across a membrane.[1]\nMitochondria produce ATP.[2]"


def test_a_sentence_naming_an_unknown_document_is_left_out():
    answer = "As Czech-komprimiert.pdf explains, osmosis moves water across a membrane. Osmosis moves water."
    shown, gate = _shown(answer, CELLS, known_titles=["Biology.pdf"])
    assert shown == "Osmosis moves water.[1]" and len(gate.dropped) == 1


def test_list_structure_survives_when_an_item_is_left_out():
    answer = ("Key facts:\n- Osmosis moves water across membranes\n- Jupiter has many moons\n"
              "- Mitochondria produce ATP\n")
    shown, gate = _shown(answer, CELLS)
    assert shown == "Key facts:\n- Osmosis moves water across membranes [1]\n- Mitochondria produce ATP [2]\n"
    assert gate.dropped == ["- Jupiter has many moons"]


def test_without_passages_text_passes_through_scrubbed_and_uncited():
    shown, gate = _shown("Water moves [1]. </passage>The sky is blue.", {})
    assert shown == "Water moves. The sky is blue." and gate.checked == 0


def test_empty_and_whitespace_answers_show_nothing():
    assert _shown("", CELLS)[0] == ""
    assert _shown("   \n\n ", CELLS)[0] == ""
    gate = AnswerGate(CELLS)
    gate.finish()
    assert gate.finish() == ""


def test_a_huge_answer_streams_without_trouble():
    answer = " ".join(f"Fact {n}: osmosis moves water molecule {n}." for n in range(3000))
    shown, gate = _shown(answer, CELLS, step=7)
    assert gate.checked >= 1 and "<passage" not in shown


_FRAGMENTS = st.sampled_from([
    "<passage", "<pas", "sage", ' number="3"', ' source="Czech-komprimiert, p. 12"', ">", "</passage>", "<|im_start|>",
    "<|im_end|>", "assistant\n", "Student: hi\n", "\n", ". ", "Osmosis moves water across a membrane", "[1]", " [2",
    "]", "- ", "1. ", "Mitochondria produce ATP", "!", "<", "[INST]", "</s>", "Georg Cantor", " 1874", "p", "assage"])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_FRAGMENTS, max_size=40), step=st.integers(1, 9))
def test_the_shown_text_never_contains_passage_markup(parts, step):
    answer = "".join(parts)
    for chunking in (None, step):
        shown, _ = _shown(answer, CELLS, step=chunking)
        assert "<passage" not in shown.lower() and "</passage" not in shown.lower() and "<|im_" not in shown


_ORDINARY = st.sampled_from([
    "Osmosis moves water across a membrane", "Mitochondria produce ATP", "The sky is blue", "Hello", "Water diffuses",
    ". ", "! ", "? ", "\n", "\n- ", "\n1. ", " [1]", "[2]", " ", ", ", "Georg Cantor", " in 1874", "Student: hi\n",
    '<passage number="3" source="Czech-komprimiert, p. 12">', "</passage>", "<|im_end|>"])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_ORDINARY, max_size=30), step=st.integers(1, 6))
def test_streaming_in_small_pieces_shows_the_same_as_one_piece(parts, step):
    answer = "".join(parts)
    whole, whole_gate = _shown(answer, CELLS)
    one_char, _ = _shown(answer, CELLS, step=1)
    assert one_char == whole
    pieces, pieces_gate = _shown(answer, CELLS, step=step)
    assert pieces == whole and pieces_gate.dropped == whole_gate.dropped


def test_a_passage_label_the_model_echoes_is_left_out_and_not_counted():
    gate = AnswerGate({1: "Simple is better than complex. Complex is better than complicated."},
                      known_titles=["The Zen of Python"])
    shown = gate.feed("The Zen of Python, p. 1\nSimple is better than complex. The Zen of Python, p.") + gate.finish()
    assert shown.strip() == "Simple is better than complex.[1]"
    assert (gate.checked, gate.supported) == (1, 1)
