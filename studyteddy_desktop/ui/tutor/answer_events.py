"""Worker events of tutor answers, each taken to its answer card, even when it arrives before the card."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studyteddy_desktop.domain.tutor_dto import (
    EVENT_FINISHED,
    EVENT_NOTICE,
    EVENT_SOURCES,
    EVENT_TOKENS,
    QuoteDTO,
    SourceDTO,
)

if TYPE_CHECKING:
    from studyteddy_desktop.domain.events import WorkerEvent
    from studyteddy_desktop.ui.tutor.conversation_view import ConversationView

_EARLY_EVENT_ANSWERS = 8


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class AnswerEvents:
    """`heard(interaction_id)` on every event of a shown answer; `finished(interaction_id)` after its last."""

    def __init__(self, conversation: ConversationView, *, heard: Callable[[uuid.UUID], None],
                 finished: Callable[[uuid.UUID], None]) -> None:
        self.conversation = conversation
        self.heard = heard
        self.finished = finished
        # Events can overtake the reply to `ask`: they wait here until their card exists.
        self.early: dict[uuid.UUID, list[WorkerEvent]] = {}

    def deliver(self, event: WorkerEvent) -> None:
        if not event.kind.startswith("tutor.") or not event.data.get("interaction_id"):
            return
        interaction_id = uuid.UUID(event.data["interaction_id"])
        card = self.conversation.card(interaction_id)
        if card is None:
            if len(self.early) >= _EARLY_EVENT_ANSWERS and interaction_id not in self.early:
                self.early.pop(next(iter(self.early)))
            self.early.setdefault(interaction_id, []).append(event)
            return
        self.heard(interaction_id)
        data = event.data
        if event.kind == EVENT_SOURCES:
            card.set_sources(bool(data.get("grounded")),
                             [SourceDTO.from_json(item) for item in data.get("sources", ())],
                             [QuoteDTO.from_json(item) for item in data.get("quotes", ())])
        elif event.kind == EVENT_TOKENS:
            card.append_tokens(str(data.get("text", "")))
        elif event.kind == EVENT_NOTICE:
            card.show_notice(event.message)
        elif event.kind == EVENT_FINISHED:
            card.finish(str(data.get("status", "failed")), data.get("answer"), event.message,
                        checked_sentences=_count(data.get("checked_sentences")),
                        supported_sentences=_count(data.get("supported_sentences")),
                        cut_for_repetition=bool(data.get("cut_for_repetition")),
                        first_shown_ms=_count(data.get("first_shown_ms")))
            self.finished(interaction_id)

    def replay_early(self, interaction_id: uuid.UUID) -> None:
        """Deliver what arrived for this answer before its card was shown."""
        for event in self.early.pop(interaction_id, []):
            self.deliver(event)
