"""Leaked prompt markup is removed; document names the answer made up are found."""

from __future__ import annotations

from studyteddy_desktop.ai.answer_check.markup_scrub import foreign_titles, scrub_markup


def test_passage_tags_chat_markers_and_prompt_lines_are_removed():
    text = ('<passage number="3" source="Czech-komprimiert, p. 12">\nOsmosis moves water.</passage>\n'
            "<|im_start|>assistant\nWater moves.<|im_end|> [INST]Done[/INST] <s>ok</s>\n"
            "Student: what is osmosis?\nPassages from the student's documents:\nThe end.")
    assert scrub_markup(text) == "\nOsmosis moves water.\nWater moves. Done ok\nThe end."


def test_stray_attributes_and_mangled_tags_go_too():
    assert scrub_markup('It says source="Biology.pdf, p. 2" that water moves.') == "It says  that water moves."
    assert "<passage" not in scrub_markup("<pas<passage number='1'>sage text")
    assert "<passage" not in scrub_markup('Water <passage number="2" source="x" and more')
    assert scrub_markup("x < y and a <b>bold</b> claim, 3 > 2.") == "x < y and a <b>bold</b> claim, 3 > 2."
    assert scrub_markup("") == ""


def test_ordinary_mentions_of_students_are_kept():
    assert scrub_markup("A Student: the person who studies.") == "A Student: the person who studies."


def test_document_names_not_among_the_known_titles_are_reported():
    text = ('As <passage source="Czech-komprimiert, p. 12"> says, and "Lecture 4.pdf" and notes.md, '
            'see also Biology.pdf, p. 3 (source: Biology.pdf).')
    assert foreign_titles(text, ["Biology.pdf", "Chemistry"]) == ["Lecture 4.pdf", "notes.md", "Czech-komprimiert"]
    assert foreign_titles(text, ["Biology.pdf", "Lecture 4.pdf", "notes.md", "Czech-komprimiert"]) == []
    assert foreign_titles("Water moves by osmosis. The document says so.", []) == []
