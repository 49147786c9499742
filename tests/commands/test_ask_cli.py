"""`studyteddy ask` as a student runs it: the answer streams, then its numbered sources."""

from __future__ import annotations

import json

import pytest

from studyteddy_desktop.domain.tutor_dto import NOT_IN_DOCUMENTS
from tests.commands.test_documents_cli import studyteddy

VOLCANO_NOTES = """# Volcano notes for the ask command

Shield volcanoes have gentle slopes built from runny basaltic lava, like Mauna Loa in Hawaii.
Stratovolcanoes are steep cones of alternating ash and lava layers and erupt explosively.
A caldera forms when a magma chamber empties and the summit collapses into it.
"""


@pytest.fixture(scope="module")
def volcano_notes(session_runtime, session_data_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("ask") / "volcano notes ask.md"
    path.write_text(VOLCANO_NOTES)
    result = studyteddy(session_data_dir, "import", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def test_ask_streams_an_answer_and_lists_its_sources(volcano_notes, session_data_dir):
    result = studyteddy(session_data_dir, "ask", "How does a caldera form?", "--doc", "volcano notes ask")
    assert result.returncode == 0, result.stderr
    answer, _, sources = result.stdout.rpartition("\nSources:\n")
    assert answer.strip() and NOT_IN_DOCUMENTS not in answer
    # The notes' own sentence comes first, verbatim, before the model's explanation.
    assert "A caldera forms when a magma chamber empties and the summit collapses into it." in answer
    assert sources.splitlines()[0].startswith("  [1] volcano notes ask")


def test_ask_says_plainly_when_the_documents_do_not_cover_the_question(volcano_notes, session_data_dir):
    result = studyteddy(session_data_dir, "ask", "Who painted the Mona Lisa?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["grounded"] is False and answer["not_in_documents"] == NOT_IN_DOCUMENTS
    assert answer["sources"] == [] and answer["status"] == "done"
    # Nothing covers it and the bundled model would only invent: it is not asked at all.
    assert answer["answer"] == "" and answer["completion_tokens"] == 0 and answer["quotes"] == []
    continued = studyteddy(session_data_dir, "ask", "And when?", "--thread", answer["thread_id"], "--json")
    assert json.loads(continued.stdout)["thread_id"] == answer["thread_id"]
    listing = studyteddy(session_data_dir, "threads", "--json")
    assert any(t["id"] == answer["thread_id"] and t["questions"] == 2 for t in json.loads(listing.stdout))


@pytest.mark.parametrize(("arguments", "message"), [
    (["   "], "Type a question first."),
    (["What?", "--thread", "not-an-id"], "is not a conversation id"),
    (["What?", "--doc", "no such document anywhere"], "No document is called"),
    (["", "--mode", "summarise"], "Pick the one document to summarise."),
])
def test_bad_ask_input_fails_with_a_message(session_runtime, session_data_dir, arguments, message):
    result = studyteddy(session_data_dir, "ask", *arguments)
    assert result.returncode != 0 and message in result.stderr
