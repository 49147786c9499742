"""The Conflicts dialog on a real conflict: two devices edit one card's front offline, then both sync."""

from __future__ import annotations

import pytest

from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.ui.sync.conflicts_dialog import NO_CONFLICTS, ConflictsDialog


@pytest.fixture()
def conflicted(make_device, make_student, replicas):
    """(the device that holds the conflict, the id of the card both devices edited)."""
    student = make_student()
    laptop, desktop = make_device("laptop"), make_device("desktop")
    card = laptop.flashcards.add_card(laptop.flashcards.create_deck("Biology").id,
                                      CardDraft("What is a mitochondrion?", "The cell's power plant"))
    for name, device in (("laptop", laptop), ("desktop", desktop)):
        device.sync.sign_in(replicas[0].url, student.login, student.password, name)
        device.sync.sync()
    assert desktop.flashcards.get_card(card.id).front == "What is a mitochondrion?"
    # Both edit the front without seeing each other's edit; the laptop's reaches the server first.
    laptop.flashcards.update_card(card.id, CardDraft("Laptop: what does a mitochondrion do?", card.back))
    desktop.flashcards.update_card(card.id, CardDraft("Desktop: name the cell's power plant", card.back))
    laptop.sync.sync()
    desktop.sync.sync()
    assert desktop.sync.conflicts(), "two concurrent edits of a text field must leave a conflict"
    return desktop, card.id


def open_dialog(qtbot, services) -> ConflictsDialog:
    dialog = ConflictsDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.summary_label.text() != "Looking for conflicts…", timeout=15_000)
    return dialog


def test_keeping_the_other_version_resolves_the_conflict(qtbot, conflicted):
    services, card_id = conflicted
    dialog = open_dialog(qtbot, services)
    assert len(dialog.panels) == len(services.sync.conflicts()) == 1
    panel = dialog.panels[0]
    fronts = {"Laptop: what does a mitochondrion do?", "Desktop: name the cell's power plant"}
    assert {panel.current_view.toPlainText(), panel.other_view.toPlainText()} == fronts
    assert panel.current_view.isReadOnly() and panel.other_view.isReadOnly()
    assert panel.current_view.toPlainText() == services.flashcards.get_card(card_id).front
    other = panel.other_view.toPlainText()
    with qtbot.waitSignal(dialog.resolved, timeout=30_000):
        panel.keep_other_button.click()
    qtbot.waitUntil(lambda: dialog.summary_label.text() == NO_CONFLICTS, timeout=15_000)
    assert dialog.panels == []
    assert services.sync.conflicts() == []
    assert services.flashcards.get_card(card_id).front == other


def test_merging_by_hand_saves_the_students_text(qtbot, conflicted):
    services, card_id = conflicted
    dialog = open_dialog(qtbot, services)
    panel = dialog.panels[0]
    editor = panel.open_merge_editor()
    prefilled = editor.merged_text
    assert panel.current_view.toPlainText() in prefilled and panel.other_view.toPlainText() in prefilled
    editor.editor.setPlainText("What does a mitochondrion do, and what is it called?")
    with qtbot.waitSignal(dialog.resolved, timeout=30_000):
        editor.save_button.click()
    qtbot.waitUntil(lambda: dialog.summary_label.text() == NO_CONFLICTS, timeout=15_000)
    merged = "What does a mitochondrion do, and what is it called?"
    assert services.flashcards.get_card(card_id).front == merged


def test_an_empty_list_says_everything_merged(qtbot, make_device):
    dialog = open_dialog(qtbot, make_device())
    assert dialog.summary_label.text() == NO_CONFLICTS
    assert dialog.panels == []
