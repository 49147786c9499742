"""The worker's card-drafting job: pick passages of a document, ask the local model for Q/A pairs."""

from __future__ import annotations

import dataclasses
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from studyteddy_desktop.ai.card_prompt import ParsedCard, card_messages, parse_cards, questions_started
from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.ai.llm_runtime import SamplingSettings
from studyteddy_desktop.ai.sentence_cards import sentence_cards
from studyteddy_desktop.ai.tutor_prompt import focused_excerpt
from studyteddy_desktop.db.models import Document, DocumentChunk, DocumentPage
from studyteddy_desktop.domain.card_draft_dto import MODEL_ORIGIN, PASSAGE_ORIGIN, DraftedCard
from studyteddy_desktop.domain.enums import DocumentStatus
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.services.core.database import Database

DEFAULT_CARDS = 8
MAX_CARDS = 30
MAX_PASSAGES = 8
MAX_CARDS_PER_PASSAGE = 4
PASSAGE_TOKENS = 300
TOKENS_PER_CARD = 60
QUOTE_CHARS = 600
# A small model writes its best cards from a few sentences; a whole chunk gets one vague card.
PASSAGE_CHARS = 320
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n{2,}")
# The first ask samples a little, for variety; the retry of a passage that gave nothing takes the
# model's single likeliest answer, which keeps to the shown format best.
_FIRST_TRY = SamplingSettings(max_tokens=0, temperature=0.2, seed=7)
_STRICT_RETRY = SamplingSettings(max_tokens=0, temperature=0.0, seed=7)
PASSAGE_NOTICE = ("The language model wrote no usable cards for this text, so these are made from its own "
                  "sentences. Check them before you keep them.")
NO_CARDS_MESSAGE = ("No flashcards could be made: the language model wrote none that fit, and the text has no "
                    "full sentence to turn into a card. Select a longer passage, or try another model in Settings.")
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class DraftRequest:
    document_id: uuid.UUID
    page_from: int | None = None
    page_to: int | None = None
    char_start: int | None = None
    char_end: int | None = None
    count: int = DEFAULT_CARDS

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DraftRequest:
        def number(key: str) -> int | None:
            value = payload.get(key)
            return int(value) if value is not None else None

        count = number("count") or DEFAULT_CARDS
        return cls(document_id=uuid.UUID(str(payload["document_id"])), page_from=number("page_from"),
                   page_to=number("page_to"), char_start=number("char_start"), char_end=number("char_end"),
                   count=min(max(count, 1), MAX_CARDS))


@dataclass(frozen=True)
class Passage:
    """A piece of a document to draft cards from, with the chunk and page it belongs to."""

    chunk_id: uuid.UUID
    page: int | None
    text: str


class CardDrafter:
    def __init__(self, database: Database, models: LanguageModelSlot,
                 read_settings: Callable[[], LanguageModelSettings]) -> None:
        self.database = database
        self.models = models
        self.read_settings = read_settings

    def draft(self, request: DraftRequest, progress: Progress) -> dict[str, Any]:
        title, passages = self._passages(request)
        progress(0.02, "Loading the language model")
        ready = self.models.get(self.read_settings())
        model = ready.model
        per_passage = min(MAX_CARDS_PER_PASSAGE, max(1, math.ceil(request.count / len(passages))))
        drafts: list[DraftedCard] = []
        seen: set[str] = set()
        for number, passage in enumerate(passages):
            if len(drafts) >= request.count:
                break
            progress(0.05 + 0.95 * number / len(passages),
                     f"reading passage {number + 1} of {len(passages)}")
            wanted = min(per_passage, request.count - len(drafts))
            excerpt = focused_excerpt(passage.text, title, PASSAGE_TOKENS, model.count_tokens)
            cards = self._ask(model, excerpt, wanted, _FIRST_TRY) or self._ask(model, excerpt, wanted, _STRICT_RETRY)
            _add_new(drafts, seen, cards, request, passage, MODEL_ORIGIN)
        notice = ""
        if not drafts:
            # Never a finished job with nothing to show: the passage's own sentences, labelled so.
            drafts, notice = sentence_drafts(passages, request), PASSAGE_NOTICE
        return {"document_id": str(request.document_id), "document_title": title, "passages": len(passages),
                "drafts": [draft.to_json() for draft in drafts], "fallback_notice": ready.fallback_notice,
                "notice": notice}

    @staticmethod
    def _ask(model, excerpt: str, wanted: int, sampling: SamplingSettings) -> list[ParsedCard]:
        max_tokens = TOKENS_PER_CARD * wanted + 20
        prompt = model.chat_tokens(card_messages(excerpt, wanted, model.defuse))
        pieces: list[str] = []
        stopped = False

        def enough() -> bool:
            nonlocal stopped
            # One question past what was asked for means the wanted pairs are complete.
            stopped = questions_started("".join(pieces)) > wanted
            return stopped

        # A plain loop: `enough` reads `pieces` between tokens, so each must be appended as it comes.
        for piece in model.stream(prompt, dataclasses.replace(sampling, max_tokens=max_tokens),
                                  should_stop=enough):
            pieces.append(piece)  # noqa: PERF402
        text = "".join(pieces)
        cut_off = not stopped and model.count_tokens(text) >= max_tokens - 2
        return parse_cards(text, drop_last=cut_off)[:wanted]

    def _passages(self, request: DraftRequest) -> tuple[str, list[Passage]]:
        with self.database.unit_of_work() as session:
            document = session.get(Document, request.document_id)
            if document is None or document.deleted_at is not None:
                raise NotFoundError("That document is no longer in your library.")
            if document.status != DocumentStatus.READY:
                raise InvalidInputError(f"“{document.title}” is not indexed yet; make cards once it is ready.")
            title = document.title
            query = (sa.select(DocumentChunk.id, DocumentChunk.text, DocumentChunk.page_start,
                               DocumentChunk.page_end, DocumentChunk.char_start, DocumentChunk.char_end)
                     .where(DocumentChunk.document_id == request.document_id).order_by(DocumentChunk.ordinal))
            if request.char_start is not None and request.char_end is not None:
                if request.char_end <= request.char_start:
                    raise InvalidInputError("Select some text in the document first.")
                query = query.where(DocumentChunk.char_end > request.char_start,
                                    DocumentChunk.char_start < request.char_end)
                chunks = list(session.execute(query))
                pages = list(session.execute(
                    sa.select(DocumentPage.char_start, DocumentPage.text, DocumentPage.page_number)
                    .where(DocumentPage.document_id == request.document_id).order_by(DocumentPage.ordinal)))
                return title, _spread(_split(_selected_passages(chunks, pages, request.char_start,
                                                                request.char_end)), request.count)
            if request.page_from is not None or request.page_to is not None:
                low, high = request.page_from or 1, request.page_to or request.page_from or 1
                if high < low:
                    low, high = high, low
                query = query.where(sa.func.coalesce(DocumentChunk.page_end, DocumentChunk.page_start) >= low,
                                    DocumentChunk.page_start <= high)
                chunks = list(session.execute(query))
                if not chunks:
                    raise InvalidInputError(f"Pages {low}–{high} of “{title}” have no text to make cards from."
                                            if document.paged else f"“{title}” has no page numbers; "
                                            "make cards from the whole document or a selected passage.")
            else:
                chunks = list(session.execute(query))
        if not chunks:
            raise InvalidInputError(f"“{title}” has no text to make cards from.")
        picked = _spread([Passage(chunk.id, chunk.page_start, chunk.text) for chunk in chunks], request.count)
        return title, _spread(_split(picked), request.count)


def sentence_drafts(passages: list[Passage], request: DraftRequest) -> list[DraftedCard]:
    """Drafts worded from the passages' own sentences, for when the model wrote none that fit."""
    drafts: list[DraftedCard] = []
    seen: set[str] = set()
    for passage in passages:
        _add_new(drafts, seen, sentence_cards(passage.text, request.count - len(drafts)), request, passage,
                 PASSAGE_ORIGIN)
    if not drafts:
        raise InvalidInputError(NO_CARDS_MESSAGE)
    return drafts


def _add_new(drafts: list[DraftedCard], seen: set[str], cards: list[ParsedCard], request: DraftRequest,
             passage: Passage, origin: str) -> None:
    """Append the cards whose question is new, up to the count asked for."""
    for card in cards:
        if len(drafts) >= request.count:
            return
        key = " ".join(card.front.casefold().split())
        if key in seen:
            continue
        seen.add(key)
        drafts.append(DraftedCard(front=card.front, back=card.back, document_id=request.document_id,
                                  chunk_id=passage.chunk_id, page=passage.page, quote=_quote(passage.text),
                                  origin=origin))


def _spread(passages: list[Passage], count: int) -> list[Passage]:
    """A passage per card wanted (up to MAX_PASSAGES), taken at even steps to cover the whole range;
    asked for one or two cards each, the model keeps to the passage."""
    wanted = min(MAX_PASSAGES, max(1, count))
    step = max(1.0, len(passages) / wanted)
    return [passages[int(index * step)] for index in range(min(wanted, len(passages)))]


def _split(passages: list[Passage]) -> list[Passage]:
    """Each passage cut at sentence ends into pieces of at most about PASSAGE_CHARS characters."""
    pieces: list[Passage] = []
    for passage in passages:
        current = ""
        for sentence in (part.strip() for part in _SENTENCE_END.split(passage.text)):
            if current and len(current) + len(sentence) > PASSAGE_CHARS:
                pieces.append(Passage(passage.chunk_id, passage.page, current))
                current = ""
            current = f"{current} {sentence}".strip() if sentence else current
        if current:
            pieces.append(Passage(passage.chunk_id, passage.page, current))
    return pieces


def _selected_passages(chunks: list, pages: list, start: int, end: int) -> list[Passage]:
    """One passage per chunk the selection touches, holding only the selected part of its text."""
    passages: list[Passage] = []
    covered = start
    for chunk in chunks[:MAX_PASSAGES]:
        low, high = max(start, chunk.char_start, covered), min(end, chunk.char_end)
        if high <= low:
            continue  # this chunk's part of the selection was already read with the one before
        text = _document_text(pages, low, high).strip() or chunk.text
        page = next((p.page_number for p in reversed(pages) if p.char_start <= low), chunk.page_start)
        passages.append(Passage(chunk.id, page, text))
        covered = high
    if not passages:
        raise InvalidInputError("The selected text is not part of an indexed passage; select text of the document.")
    return passages


def _document_text(pages: list, start: int, end: int) -> str:
    parts = []
    for page in pages:
        low, high = max(start, page.char_start), min(end, page.char_start + len(page.text))
        if low < high:
            parts.append(page.text[low - page.char_start:high - page.char_start])
    return "\n\n".join(parts)


def _quote(text: str) -> str:
    text = " ".join(word for word in text.split() if word.strip("#"))
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + " …"
