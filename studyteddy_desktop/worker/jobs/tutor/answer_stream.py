"""Streams the model's explanation through the answer gate: checked sentence by sentence, stopped on repeats.

What the student sees and what is stored are the same text: sentences the sources do not bear out
are left out of both, and once the model starts repeating itself it is stopped and the repeat dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from studyteddy_desktop.ai.answer_check.answer_gate import AnswerGate
from studyteddy_desktop.ai.llm_runtime import LocalLanguageModel, SamplingSettings
from studyteddy_desktop.worker.jobs.tutor.stop_flag import CANCEL_CHECK_EVERY_S, StopFlag, StopFlagUnreadable

# Tokens go out in small batches: the first at once, then at most every 40 ms.
_FLUSH_EVERY_S = 0.04
_SAVE_EVERY_S = 1.0

SendText = Callable[[str], None]
SavePartial = Callable[[str], None]


@dataclass(frozen=True)
class StreamOutcome:
    text: str
    pieces: int
    first_shown_at: float | None  # wall clock of the first word shown, None when none was
    cancelled: bool
    lost: StopFlagUnreadable | None
    checked: int
    supported: int
    cut_for_repetition: bool


def stream_answer(model: LocalLanguageModel, prompt: list[int], *, max_tokens: int, gate: AnswerGate,
                  stop: StopFlag, send: SendText, save_partial: SavePartial) -> StreamOutcome:
    """Generate, show what the gate lets through, and end on Stop, a lost stop flag or a repeat."""
    answer: list[str] = []
    pending: list[str] = []
    first_shown_at: float | None = None
    last_flush = last_save = last_check = 0.0
    cancelled = False
    lost: StopFlagUnreadable | None = None

    def should_stop() -> bool:
        nonlocal last_check, cancelled, lost
        if gate.should_stop:
            return True
        now = time.monotonic()
        if now - last_check >= CANCEL_CHECK_EVERY_S:
            last_check = now
            try:
                cancelled = cancelled or stop.asked()
            except StopFlagUnreadable as error:
                lost = error
        return cancelled or lost is not None

    pieces = 0
    for piece in model.stream(prompt, SamplingSettings(max_tokens=max_tokens), should_stop):
        now = time.monotonic()
        pieces += 1
        shown = gate.feed(piece)
        if not shown:
            continue  # held back until its sentence is complete and checked
        if first_shown_at is None:
            first_shown_at = time.time()
        answer.append(shown)
        pending.append(shown)
        if now - last_flush >= _FLUSH_EVERY_S:
            send("".join(pending))
            pending.clear()
            last_flush = now
        if now - last_save >= _SAVE_EVERY_S:
            save_partial("".join(answer))
            last_save = now
    if not cancelled and lost is None:
        # Done only once the flag was read after the last token: the model may have finished
        # between two checks, while Redis was away.
        try:
            cancelled = stop.settle()
        except StopFlagUnreadable as error:
            lost = error
    if not cancelled and lost is None:
        rest = gate.finish()
        if rest and first_shown_at is None:
            first_shown_at = time.time()
        pending.append(rest)
        answer.append(rest)
        if "".join(pending):
            send("".join(pending))
    return StreamOutcome(text="".join(answer).strip(), pieces=pieces, first_shown_at=first_shown_at,
                         cancelled=cancelled, lost=lost, checked=gate.checked, supported=gate.supported,
                         cut_for_repetition=gate.cut_for_repetition)
