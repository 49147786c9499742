"""Settings → Tutor model against the real language-model settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from studyteddy_desktop.ai.model_files import default_llm_path
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.ui.tutor.model_manager import LanguageModelBox


@pytest.fixture()
def box(qtbot, endpoints: RuntimeEndpoints) -> Iterator[LanguageModelBox]:
    services = open_services(endpoints)
    before = services.language_models.settings()
    added_before = set(services.language_models.added_paths())
    widget = LanguageModelBox(services)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.table.rowCount() > 0, timeout=10_000)
    yield widget
    # Other tests' tutor answers read these settings: leave them as they were.
    for path in set(services.language_models.added_paths()) - added_before:
        services.language_models.remove_model(path)
    services.language_models.set_settings(before)
    services.close()


def _names(box: LanguageModelBox) -> list[str]:
    return [box.table.item(row, 0).text() for row in range(box.table.rowCount())]


def test_the_bundled_model_is_listed_and_in_use_by_default(qtbot, box):
    bundled = next(row for row, model in enumerate(box.models) if model.bundled)
    assert box.table.item(bundled, 2).text() == "bundled"
    assert box.table.item(bundled, 1).text().endswith("MB")
    box.table.selectRow(bundled)
    assert not box.remove_button.isEnabled(), "the bundled model cannot be removed"


def test_a_file_that_is_not_gguf_is_refused_with_a_message(qtbot, box, tmp_path):
    fake = tmp_path / "pretend model.gguf"
    fake.write_text("these are lecture notes, not weights")
    rows = box.table.rowCount()
    box.add_path(fake)
    qtbot.waitUntil(lambda: "not a GGUF model file" in box.message.text(), timeout=10_000)
    assert box.message.text().startswith("⚠") and "pretend model.gguf" in box.message.text()
    assert box.table.rowCount() == rows


def test_a_valid_gguf_is_listed_can_be_chosen_saved_and_removed(qtbot, box, tmp_path):
    bundled = default_llm_path()
    assert bundled is not None
    copy = tmp_path / "teddy copy.gguf"
    shutil.copyfile(bundled, copy)
    box.add_path(copy)
    qtbot.waitUntil(lambda: "teddy copy" in _names(box), timeout=10_000)
    row = _names(box).index("teddy copy")
    assert box.table.item(row, 2).text() == "added"

    box.model_combo.setCurrentIndex(box.model_combo.findData(str(copy.resolve())))
    box.context_combo.setCurrentIndex(box.context_combo.findData(8192))
    box.threads_spin.setValue(3)
    box.save()
    qtbot.waitUntil(lambda: box.message.text().startswith("Saved"), timeout=10_000)
    assert box.services.language_models.settings() == LanguageModelSettings(
        model_path=str(copy.resolve()), context_size=8192, threads=3)
    qtbot.waitUntil(lambda: "In use" in box.table.item(_names(box).index("teddy copy"), 3).text(), timeout=10_000)

    box.table.selectRow(_names(box).index("teddy copy"))
    assert box.remove_button.isEnabled()
    box.remove_selected()
    qtbot.waitUntil(lambda: "teddy copy" not in _names(box), timeout=10_000)
    assert box.services.language_models.settings().model_path is None


def test_the_settings_pane_holds_the_model_manager(qtbot, endpoints, session_data_dir):
    from studyteddy_desktop.config import Settings
    from studyteddy_desktop.ui.panes.settings_pane import SettingsPane

    services = open_services(endpoints)
    pane = SettingsPane(services, Settings(data_dir=session_data_dir))
    qtbot.addWidget(pane)
    qtbot.waitUntil(lambda: pane.language_model_box.table.rowCount() > 0, timeout=10_000)
    assert isinstance(pane.language_model_box, LanguageModelBox)
    services.close()
