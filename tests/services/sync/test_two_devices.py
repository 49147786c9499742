"""Two desktop profiles signed in to one real server stay in step: records, edits, deletions, reviews."""

from __future__ import annotations

import uuid

import pytest

from studyteddy_desktop.domain.errors import InvalidInputError

from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.domain.planner_dto import TaskDraft
from studyteddy_desktop.domain.sync_dto import AccountMismatchError
from tests.sync_devices import desktop_device


@pytest.fixture()
def pair(engine, endpoints, tmp_path, replicas, make_student):
    student = make_student()
    with desktop_device(engine, endpoints, tmp_path / "laptop", "laptop") as laptop, \
            desktop_device(engine, endpoints, tmp_path / "desktop", "desktop") as desktop:
        laptop.sign_in(replicas[0].url, student)
        desktop.sign_in(replicas[1].url, student)
        yield laptop, desktop


def test_a_task_and_a_card_made_on_one_device_arrive_on_the_other(pair):
    laptop, desktop = pair
    task = laptop.services.planner.add_task(TaskDraft(title="Read chapter 3", description="pages 40-60"))
    deck = laptop.services.flashcards.create_deck("Biology")
    card = laptop.services.flashcards.add_card(deck.id, CardDraft("Mitochondria?", "The powerhouse"))
    first = laptop.sync.sync()
    assert first.pushed >= 3
    second = desktop.sync.sync()
    assert second.pulled >= 3
    assert desktop.services.planner.get_task(task.id).title == "Read chapter 3"
    assert desktop.services.flashcards.get_card(card.id).front == "Mitochondria?"
    assert desktop.sync.status().state == "synced"


def test_edits_of_different_fields_both_survive_and_same_field_keeps_a_conflict(pair):
    laptop, desktop = pair
    deck = laptop.services.flashcards.create_deck("Chemistry")
    card = laptop.services.flashcards.add_card(deck.id, CardDraft("Water?", "H2O"))
    laptop.sync.sync()
    desktop.sync.sync()
    laptop.services.flashcards.update_card(card.id, CardDraft("Water (formula)?", "H2O"))
    desktop.services.flashcards.update_card(card.id, CardDraft("Water?", "H₂O, two hydrogens"))
    laptop.sync.sync()
    desktop.sync.sync()
    laptop.sync.sync()
    for device in pair:
        shown = device.services.flashcards.get_card(card.id)
        assert (shown.front, shown.back) == ("Water (formula)?", "H₂O, two hydrogens")
    # Now both change the front at once: the later wins and the other stays visible as a conflict.
    laptop.services.flashcards.update_card(card.id, CardDraft("Laptop front", "H₂O, two hydrogens"))
    desktop.services.flashcards.update_card(card.id, CardDraft("Desktop front", "H₂O, two hydrogens"))
    laptop.sync.sync()
    desktop.sync.sync()
    laptop.sync.sync()
    fronts = {device.services.flashcards.get_card(card.id).front for device in pair}
    assert fronts == {"Desktop front"}
    conflicts = laptop.sync.conflicts()
    assert [(c.field, c.current_value, c.other_value) for c in conflicts] == [
        ("front", "Desktop front", "Laptop front")]


def test_the_same_file_imported_on_both_devices_offline_ends_as_one_live_document(pair, tmp_path):
    laptop, desktop = pair
    ids = []
    for device in pair:
        path = tmp_path / f"lecture-{device.name}.md"
        path.write_text("# Lecture 4\n\nThe same bytes on both machines.\n", encoding="utf-8")
        ids.append(str(device.services.documents.import_file(path).document.id))
    for device in (laptop, desktop, laptop):
        device.sync.sync()
    kept = min(ids)
    for device in pair:
        live = device.rows("SELECT id::text FROM documents WHERE deleted_at IS NULL")
        assert [row[0] for row in live] == [kept]
        assert device.scalar("SELECT count(*) FROM sync_inbox") == 0


def test_undo_covers_only_what_has_not_left_the_device(pair):
    laptop, _desktop = pair
    services = laptop.services
    deck = services.flashcards.create_deck("Undo")
    card = services.flashcards.add_card(deck.id, CardDraft("Q", "A"))
    sitting = uuid.uuid4()
    answered = services.reviews.rate(card.id, 3, shown_last_review_at=None, review_session_id=sitting)
    services.reviews.undo(answered.review_log_id, review_session_id=sitting)  # not sent yet: undone
    again = services.reviews.rate(card.id, 3, shown_last_review_at=None, review_session_id=sitting)
    task = services.planner.add_task(TaskDraft(title="Gone soon"))
    services.planner.delete_task(task.id)
    laptop.sync.sync()
    with pytest.raises(InvalidInputError, match="already reached your other devices"):
        services.reviews.undo(again.review_log_id, review_session_id=sitting)
    with pytest.raises(InvalidInputError, match="already reached your other devices"):
        services.planner.restore_task(task.id)


def test_another_account_on_this_device_is_asked_first_and_never_mixed(engine, endpoints, tmp_path, replicas,
                                                                       make_student):
    first, second = make_student(), make_student()
    with desktop_device(engine, endpoints, tmp_path / "shared", "shared") as shared:
        shared.sign_in(replicas[0].url, first)
        shared.services.planner.add_task(TaskDraft(title="First's homework"))
        notes = tmp_path / "first-notes.md"
        notes.write_text("# Only for the first account\n", encoding="utf-8")
        stored = shared.services.documents.import_file(notes).document
        shared.sync.sync()
        shared.sync.sign_out()
        assert shared.services.planner.list_tasks().tasks, "signing out keeps the data"
        with pytest.raises(AccountMismatchError) as asked:
            shared.sign_in(replicas[0].url, second)
        assert asked.value.holder_login == first.login
        assert shared.sync.status().state == "local_only"
        status = shared.sign_in(replicas[0].url, second, start_fresh=True)
        assert status.account_login == second.login
        assert not shared.services.planner.list_tasks().tasks
        assert shared.scalar("SELECT count(*) FROM documents") == 0
        assert not list((tmp_path / "shared" / "files").rglob("*.md")), "the first account's file stays on disk"
        assert shared.services.backups.list(), "the first account's data is in a backup"
        shared.sync.sync()
        assert not shared.services.planner.list_tasks().tasks
        assert stored.title == "first-notes"


def test_an_older_unsent_edit_outvoted_by_an_arrival_still_reaches_the_server_as_a_conflict(pair):
    laptop, desktop = pair
    deck = laptop.services.flashcards.create_deck("Outvoted")
    card = laptop.services.flashcards.add_card(deck.id, CardDraft("Front", "Original"))
    laptop.sync.sync()
    desktop.sync.sync()
    # Both fields of one record outvoted at once: each keeps its own words.
    laptop.services.flashcards.update_card(card.id, CardDraft("Laptop's front", "Laptop's older words"))
    desktop.services.flashcards.update_card(card.id, CardDraft("Desktop's front", "Desktop's newer words"))
    desktop.sync.sync()
    # The laptop pulls the newer words before it pushes its own: its row shows them, its words must still go.
    laptop.sync.sync()
    desktop.sync.sync()
    for device in pair:
        assert device.services.flashcards.get_card(card.id).back == "Desktop's newer words"
        assert sorted((c.field, c.current_value, c.other_value) for c in device.sync.conflicts()) == [
            ("back", "Desktop's newer words", "Laptop's older words"), ("front", "Desktop's front", "Laptop's front")]
