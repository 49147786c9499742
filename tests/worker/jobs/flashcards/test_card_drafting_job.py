"""The drafting job's fallback: when the model writes nothing usable, drafts come from the passage's sentences."""

from __future__ import annotations

import uuid

import pytest

from studyteddy_desktop.domain.card_draft_dto import PASSAGE_ORIGIN
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.worker.jobs.flashcards.card_drafting_job import (
    NO_CARDS_MESSAGE,
    DraftRequest,
    Passage,
    sentence_drafts,
)

DOCUMENT = uuid.uuid4()
FIRST, SECOND = uuid.uuid4(), uuid.uuid4()
PASSAGES = [
    Passage(FIRST, 3, "The brakvolt turbine is the heart of the plant. Steam from the boiler pushes its blades."),
    Passage(SECOND, 4, "Vibration sensors alert the night shift when a bearing begins to wear."),
]


def test_sentence_drafts_are_labelled_and_keep_their_passage():
    drafts = sentence_drafts(PASSAGES, DraftRequest(DOCUMENT, count=5))
    assert [draft.front for draft in drafts][:1] == ["What is the brakvolt turbine?"]
    assert all(draft.origin == PASSAGE_ORIGIN and draft.from_passage for draft in drafts)
    assert {draft.chunk_id for draft in drafts} == {FIRST, SECOND}
    for draft in drafts:
        source = next(passage for passage in PASSAGES if passage.chunk_id == draft.chunk_id)
        assert draft.page == source.page and draft.document_id == DOCUMENT and draft.quote == source.text


def test_sentence_drafts_keep_to_the_count_asked_for():
    assert len(sentence_drafts(PASSAGES, DraftRequest(DOCUMENT, count=1))) == 1
    assert len(sentence_drafts(PASSAGES, DraftRequest(DOCUMENT, count=2))) == 2


def test_text_without_a_full_sentence_fails_with_a_reason_instead_of_an_empty_result():
    bare = [Passage(FIRST, 1, "Fig. 3"), Passage(SECOND, 2, "1 2 3 4 5 6 7")]
    with pytest.raises(InvalidInputError) as raised:
        sentence_drafts(bare, DraftRequest(DOCUMENT, count=3))
    assert raised.value.message == NO_CARDS_MESSAGE
