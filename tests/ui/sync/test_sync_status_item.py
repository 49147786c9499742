"""The status bar's sync item: its words for each state, the conflicts link, the progress bar and clicks."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QPoint, Qt

from studyteddy_desktop.domain.sync_dto import SyncPhase, SyncProgressDTO, SyncState, SyncStatusDTO
from studyteddy_desktop.ui.sync.sync_status_item import SyncStatusItem


def status(state: SyncState, **values) -> SyncStatusDTO:
    signed_in = state is not SyncState.LOCAL_ONLY
    fields = dict(state=state, server_url="https://sync.school.example" if signed_in else None,
                  account_login="ada@school.example" if signed_in else None, device_name="laptop",
                  last_synced_at=None, pending_changes=0, conflicts=0, message=None, token_kept=True)
    return SyncStatusDTO(**{**fields, **values})


def shown(qtbot, value: SyncStatusDTO) -> SyncStatusItem:
    item = SyncStatusItem()
    qtbot.addWidget(item)
    item.show_status(value)
    return item


def test_local_only_shows_nothing_at_all(qtbot):
    item = shown(qtbot, status(SyncState.LOCAL_ONLY))
    assert item.isHidden()
    assert item.text == ""


def test_each_state_has_its_own_words(qtbot):
    five_past_two = datetime.now().astimezone().replace(hour=14, minute=5, second=0, microsecond=0)
    expected = {
        status(SyncState.SYNCED, last_synced_at=five_past_two): "Synced at 14:05",
        status(SyncState.WAITING, pending_changes=3): "3 changes waiting",
        status(SyncState.WAITING, pending_changes=1): "1 change waiting",
        status(SyncState.SYNCING): "Syncing…",
        status(SyncState.OFFLINE, message="The server could not be reached."): "Offline — will retry",
        status(SyncState.ERROR, message="The push was refused."): "Sync error: The push was refused.",
        status(SyncState.NEEDS_SIGN_IN): "Sign in to sync",
    }
    for value, text in expected.items():
        item = shown(qtbot, value)
        assert item.text == text, value.state
        assert not item.isHidden()
        assert not item.conflicts_link.isVisible()
    offline = shown(qtbot, status(SyncState.OFFLINE, message="The server could not be reached."))
    assert offline.label.toolTip().startswith("The server could not be reached.")
    assert "ada@school.example" in offline.label.toolTip()


def test_an_older_sync_names_its_day(qtbot):
    last_week = datetime.now().astimezone() - timedelta(days=7)
    item = shown(qtbot, status(SyncState.SYNCED, last_synced_at=last_week))
    assert item.text == f"Synced {last_week.strftime('%a %d %b, %H:%M')}"


def test_conflicts_add_a_link_that_opens_them_and_the_text_syncs_now(qtbot):
    item = shown(qtbot, status(SyncState.SYNCED, conflicts=2))
    item.show()
    assert item.conflicts_link.isVisible()
    assert "2 conflicts" in item.conflicts_link.text()
    with qtbot.waitSignal(item.conflicts_requested, timeout=1_000):
        item.conflicts_link.linkActivated.emit("conflicts")
    with qtbot.waitSignal(item.sync_requested, timeout=1_000):
        qtbot.mouseClick(item.label, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    item.show_status(status(SyncState.SYNCED, conflicts=0))
    assert not item.conflicts_link.isVisible()


def test_a_click_while_signed_out_leads_to_sign_in(qtbot):
    item = shown(qtbot, status(SyncState.NEEDS_SIGN_IN))
    item.show()
    with qtbot.assertNotEmitted(item.sync_requested):
        with qtbot.waitSignal(item.sign_in_requested, timeout=1_000):
            qtbot.mouseClick(item.label, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))


def test_the_first_sync_shows_a_bar_and_later_ones_only_the_text(qtbot):
    item = shown(qtbot, status(SyncState.SYNCING))
    item.show()
    item.show_progress(None, with_bar=True)
    assert item.progress_bar.isVisible() and item.progress_bar.maximum() == 0  # busy: size unknown
    item.show_progress(SyncProgressDTO(SyncPhase.DOWNLOAD, 40, 200), with_bar=True)
    assert (item.progress_bar.value(), item.progress_bar.maximum()) == (40, 200)
    assert "Receiving changes: 40 of 200" in item.label.toolTip()
    item.show_status(status(SyncState.SYNCED))
    assert not item.progress_bar.isVisible()
    item.show_status(status(SyncState.SYNCING))
    item.show_progress(SyncProgressDTO(SyncPhase.UPLOAD, 1, 3), with_bar=False)
    assert not item.progress_bar.isVisible()
    assert item.text == "Syncing…"
    assert "Sending changes: 1 of 3" in item.label.toolTip()
