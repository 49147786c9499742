"""Text normalisation: what students type must match what the PDF held."""

from __future__ import annotations

from studyteddy_desktop.ingest.text_normalizer import normalize_text


def test_ligatures_become_plain_letters():
    assert normalize_text("e\ufb03cient \ufb01sh \ufb02ow") == "efficient fish flow"


def test_words_broken_at_line_ends_are_joined_but_names_keep_their_hyphen():
    assert normalize_text("photo-\nsynthesis and Jean-\nPaul") == "photosynthesis and Jean-\nPaul"


def test_nul_and_control_characters_are_removed():
    assert normalize_text("a\x00b\x07c\x1bd") == "abcd"


def test_soft_hyphens_and_odd_spaces_disappear():
    assert normalize_text("mito\u00adchondria\u00a0\u00a0matrix\r\n\r\n\r\n\r\nend") == "mitochondria matrix\n\nend"


def test_empty_and_whitespace_only_text_normalises_to_empty():
    assert normalize_text("") == ""
    assert normalize_text(" \n\t \u00a0") == ""
