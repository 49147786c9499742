"""The local language model honours a stop while it is still reading a long prompt."""

from __future__ import annotations

import pytest

from studyteddy_desktop.ai.llm_runtime import ChatMessage, LocalLanguageModel, SamplingSettings
from studyteddy_desktop.ai.model_files import default_llm_path

GREEDY = SamplingSettings(max_tokens=12, temperature=0.0, seed=1)
LECTURE = " ".join(f"Paragraph {n}: osmosis moves water across a membrane towards the side with more "
                   "dissolved solute, and the cell wall keeps a plant cell from bursting." for n in range(60))


@pytest.fixture(scope="module")
def model() -> LocalLanguageModel:
    return LocalLanguageModel(default_llm_path(), context_size=4096, threads=2)


def _read_so_far(model: LocalLanguageModel) -> int:
    model._generator.submit(lambda: None).result()  # the model thread has finished what it was doing
    return model._llm.n_tokens


def test_a_stop_while_the_prompt_is_read_ends_before_the_whole_prompt_is_read(model):
    prompt = model.chat_tokens([ChatMessage("user", LECTURE + "\nWhat keeps a plant cell from bursting?")])
    assert len(prompt) > 1500
    asked = []

    def stop_now() -> bool:
        asked.append(True)
        return True

    assert list(model.stream(prompt, GREEDY, stop_now)) == []
    assert asked
    assert _read_so_far(model) < len(prompt) - 1


def test_after_a_stopped_read_the_cache_answers_the_next_prompt_consistently(model):
    long_prompt = model.chat_tokens([ChatMessage("user", LECTURE)])
    question = model.chat_tokens([ChatMessage("user", "What does osmosis move across a membrane?")])
    answers = []
    for _ in range(2):
        assert list(model.stream(long_prompt, GREEDY, lambda: True)) == []
        answers.append("".join(model.stream(question, GREEDY)))
        assert _read_so_far(model) >= len(question)
    assert answers[0].strip() and answers[0] == answers[1]
