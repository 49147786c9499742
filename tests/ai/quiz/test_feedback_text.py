"""Quiz and feedback Markdown cite their sources, quote the passage, count the grades and escape everything else."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.ai.quiz.feedback_text import (NO_QUESTIONS, UNANSWERED_LABEL, VERDICT_LABELS, escaped,
                                                       feedback_markdown, quiz_markdown)
from studyteddy_desktop.ai.quiz.quiz_items import QuizItem

FIRN = QuizItem(1, "What is Firn?", "A granular snow that has survived one melt season.", 2,
                "Firn is a granular snow that has survived one melt season.")
WAR_YEAR = QuizItem(2, "In which year did the First World War begin?", "1914", 3,
                    "The First World War began in 1914 and ended in 1918.")
MORAINE = QuizItem(3, "What is a moraine?", "A ridge of debris left by a glacier.", 1,
                   "A moraine is a ridge of debris left by a glacier.")
GLETSCHER = QuizItem(4, "Fill in the blank: Ein _____ ist eine große Eismasse.", "Gletscher", 4,
                     "Ein Gletscher ist eine große Eismasse.")
HOSTILE = ("# Title [click](https://evil.example) <img src=x onerror=alert(1)> ![i](http://x/y.png) "
           "www.evil.com a@b.com **bold** `code` [3] &lt;b&gt; <script>")
TITLES = {1: "Moraines, p. 2", 2: "Glaciers, p. 4", 3: "History, p. 9"}


def _unescaped(markdown: str, pattern: str) -> list[int]:
    """Positions of `pattern` not preceded by an odd number of backslashes."""
    return [match.start() for match in re.finditer(re.escape(pattern), markdown)
            if (len(markdown[:match.start()]) - len(markdown[:match.start()].rstrip("\\"))) % 2 == 0]


def test_quiz_is_a_numbered_list_citing_each_source():
    markdown = quiz_markdown([FIRN, WAR_YEAR, MORAINE], TITLES)
    lines = markdown.splitlines()
    assert lines[0] == "1. What is Firn? [2] — *Glaciers, p. 4*"
    assert lines[1] == "2. In which year did the First World War begin? [3] — *History, p. 9*"
    assert lines[2] == "3. What is a moraine? [1] — *Moraines, p. 2*"
    assert quiz_markdown([FIRN], {}).splitlines()[0] == "1. What is Firn? [2]"


def test_a_blank_shows_as_underscores_not_as_emphasis():
    line = quiz_markdown([GLETSCHER], {}).splitlines()[0]
    assert line == r"4. Fill in the blank\: Ein \_\_\_\_\_ ist eine große Eismasse. [4]"


def test_no_items_gives_a_message_not_an_empty_bubble():
    assert quiz_markdown([], TITLES) == NO_QUESTIONS


def test_feedback_shows_verdict_answer_and_the_passage_sentence_quoted_and_cited():
    markdown, counts = feedback_markdown([FIRN, WAR_YEAR, MORAINE, GLETSCHER],
                                         {1: "granular snow that survived a melt season", 2: "1918", 3: "a lake"},
                                         TITLES)
    assert counts == {"right": 1, "partly": 0, "not_yet": 1, "unsure": 1, "unanswered": 1}
    blocks = markdown.split("\n\n")
    firn = blocks[blocks.index(next(block for block in blocks if block.startswith("**1. ")))]
    assert VERDICT_LABELS["right"] in firn and "Your answer: granular snow that survived a melt season" in firn
    assert "> Firn is **a granular snow that has survived one melt season**. [2] — *Glaciers, p. 4*" in blocks
    assert "> The First World War began in **1914** and ended in 1918. [3] — *History, p. 9*" in blocks
    assert VERDICT_LABELS["not_yet"] in markdown and VERDICT_LABELS["unsure"] in markdown
    gletscher_block = next(block for block in blocks if block.startswith("**4. "))
    assert UNANSWERED_LABEL in gletscher_block
    assert "> Ein **Gletscher** ist eine große Eismasse. [4]" in blocks  # the passage is shown even unanswered
    assert blocks[0].startswith("**Your quiz: 1 right, 1 not yet, 1 to compare yourself, 1 not answered, of 4.")


def test_each_question_keeps_its_verdict_on_its_own_line():
    markdown, _ = feedback_markdown([WAR_YEAR], {2: "1918"}, {})
    block = markdown.split("\n\n")[1]
    assert block.splitlines() == ["**2. In which year did the First World War begin?**\\",
                                  f"{VERDICT_LABELS['not_yet']}: You wrote '1918'; the passage gives '1914'.\\",
                                  "Your answer: 1918"]


def test_hostile_documents_and_answers_cannot_plant_links_or_html():
    item = QuizItem(1, HOSTILE, "click", 2, HOSTILE)
    markdown, counts = feedback_markdown([item], {1: HOSTILE + "\n> quote\n# head\n1. x"}, {2: HOSTILE})
    assert counts["right"] + counts["partly"] + counts["unsure"] + counts["not_yet"] == 1
    for pattern in ("<", ">", "](", "[3]", "`", "**bold", "https://", "www.", "@", "&lt;"):
        found = [position for position in _unescaped(markdown, pattern)
                 if not (pattern == ">" and markdown[position - 1:position] in ("", "\n"))]  # the block quote
        assert not found, (pattern, markdown)
    assert markdown.count("\n> ") == 1 and not re.search(r"^#", markdown, re.MULTILINE)
    assert _unescaped(quiz_markdown([item], {2: HOSTILE}), "<") == []


def test_escaped_text_keeps_its_characters():
    text = "a_b *c* [d](e) <f> #g `h` 1. i \\ j"
    assert re.sub(r"\\(.)", r"\1", escaped(text)) == text
    assert escaped("# heading") == r"\# heading" and escaped("- item") == r"\- item"
    assert escaped("1. item") == r"1\. item"
    assert escaped("line\none\u202e") == "line one"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.text(max_size=300), st.text(max_size=100))
def test_feedback_never_carries_unescaped_html_or_links_from_hostile_input(question, sentence, answer, title):
    item = QuizItem(1, question or "?", sentence or "x", 1, sentence or "x")
    for markdown in (feedback_markdown([item], {1: answer}, {1: title})[0], quiz_markdown([item], {1: title})):
        assert _unescaped(markdown, "<") == []
        assert _unescaped(markdown, "](") == []
        assert not [position for position in _unescaped(markdown, "[") if markdown[position + 1:position + 3] != "1]"]
