"""The Settings box for backups: lists them, makes one, and restores only after a confirmation."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from studyteddy_desktop.ui.backups.backups_box import BackupsBox
from tests.services.backups.conftest import add_study_material, profile, profile_runtime  # noqa: F401


def _documents(services) -> set[str]:
    return {d.original_filename for d in services.documents.list_documents()}


def test_back_up_now_lists_the_backup_with_date_reason_and_size(qtbot, profile):  # noqa: F811
    box = BackupsBox(profile)
    qtbot.addWidget(box)
    qtbot.waitUntil(lambda: box.message_label.text() == "No backups yet.", timeout=10_000)
    assert not box.restore_button.isEnabled()
    box.back_up_now()
    qtbot.waitUntil(lambda: box.table.rowCount() == 1, timeout=60_000)
    assert box.table.item(0, 1).text() == "Made by you"
    assert box.table.item(0, 2).text().endswith("KB")
    assert box.table.item(0, 0).toolTip() == profile.backups.list()[0].id
    assert box.back_up_button.isEnabled()
    assert box.message_label.text().startswith("Backed up")


def test_a_backup_made_elsewhere_replaces_the_no_backups_note(qtbot, profile):  # noqa: F811
    box = BackupsBox(profile)
    qtbot.addWidget(box)
    qtbot.waitUntil(lambda: box.message_label.text() == "No backups yet.", timeout=10_000)
    profile.backups.back_up_now()  # the day's first start, or `studyteddy backup create`
    box.refresh()
    qtbot.waitUntil(lambda: box.table.rowCount() == 1, timeout=10_000)
    assert box.message_label.text().startswith("1 backup kept")


def test_restore_asks_first_and_then_brings_the_backup_back(
        qtbot, profile, tmp_path, monkeypatch):  # noqa: F811 - the fixture imported above
    add_study_material(profile, tmp_path, "box-before", cards=1)
    profile.backups.back_up_now()
    add_study_material(profile, tmp_path, "box-after", cards=1)
    box = BackupsBox(profile)
    qtbot.addWidget(box)
    qtbot.waitUntil(lambda: box.table.rowCount() == 1, timeout=10_000)
    box.table.selectRow(0)
    assert box.restore_button.isEnabled()

    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Cancel)
    box.restore_button.click()
    assert not box.progress.isVisible()
    assert "notes-box-after.txt" in _documents(profile)

    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Yes)
    box.restore_button.click()
    qtbot.waitUntil(lambda: box.message_label.text().startswith("Restored"), timeout=60_000)
    qtbot.waitUntil(lambda: box.table.rowCount() == 2, timeout=10_000)
    assert "notes-box-after.txt" not in _documents(profile)
    assert box.table.item(0, 1).text() == "Before a restore"


def test_the_window_makes_the_days_backup_once_after_it_starts(qtbot, started_window):
    _window, controller = started_window
    services = controller.services
    qtbot.waitUntil(lambda: any(b.reason == "daily" for b in services.backups.list()), timeout=60_000)
    assert not services.backups.due_daily()
    assert [b.reason for b in services.backups.list()].count("daily") == 1
