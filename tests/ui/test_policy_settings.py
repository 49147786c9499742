"""Settings and Documents under a school policy: the "Set by your school" box and the greyed controls."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from datetime import time

import pytest

from studyteddy_desktop.config import Settings
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.policy.machine_policy import ExamWindow, MachinePolicy
from studyteddy_desktop.ui.panes.settings_pane import SettingsPane
from studyteddy_desktop.worker.queue import HueyJobQueue
from tests.conftest import DATA_DIR_NAME
from tests.scratch_database import migrated_database

SCHOOL = MachinePolicy(sync_server_url="https://sync.example-school.org", require_sign_in=True,
                       ai_cards_enabled=False, model_adding_enabled=False,
                       language_model_file="SmolLM2-135M-Instruct.Q4_1.gguf", max_document_mb=25,
                       source="/etc/studyteddy/policy.json",
                       problems=("“colour” is not a policy setting Study Teddy knows, so it is ignored",))


@pytest.fixture()
def open_pane(qtbot, engine, endpoints, tmp_path):
    """`open_pane(policy[, pane_class])` -> a pane (Settings by default) on a fresh device's services
    under that policy."""
    numbers = itertools.count()
    with contextlib.ExitStack() as stack:

        def make(policy: MachinePolicy, pane_class=SettingsPane):
            fresh = stack.enter_context(migrated_database(engine, "policyui"))
            data_dir = tmp_path / f"device{next(numbers)}" / DATA_DIR_NAME
            data_dir.mkdir(parents=True)
            device = dataclasses.replace(endpoints, data_dir=str(data_dir),
                                         database_url=fresh.url.render_as_string(hide_password=False))
            services = AppServices(device, HueyJobQueue.for_endpoints(device), policy=policy)
            stack.callback(services.close)
            pane = pane_class(services, Settings(data_dir=data_dir))
            qtbot.addWidget(pane)
            pane.show()
            if pane_class is not SettingsPane:
                return pane
            qtbot.waitUntil(lambda: not pane.account_box.pages.isHidden(), timeout=15_000)
            qtbot.waitUntil(lambda: pane.language_model_box.table.rowCount() > 0, timeout=15_000)
            return pane

        yield make


def test_the_school_box_lists_what_is_fixed_and_the_fixed_controls_are_greyed(qtbot, open_pane):
    pane = open_pane(dataclasses.replace(SCHOOL, exam_windows=(ExamWindow((0, 4), time(8, 30), time(12)),)))
    assert pane.policy_box.isVisible() and pane.policy_box.title() == "Set by your school"
    text = pane.policy_label.text()
    for said in ("The sync server is https://sync.example-school.org.",
                 "You need to sign in to your school's sync server.",
                 "Making flashcards with AI is turned off.", "Adding tutor models is turned off.",
                 "The tutor uses the model SmolLM2-135M-Instruct.Q4_1.gguf.",
                 "Documents can be at most 25 MB.",
                 "The tutor is off in exam time: Monday, Friday, 08:30 to 12:00.",
                 "Your school's policy file (/etc/studyteddy/policy.json) could not be read fully: "
                 "“colour” is not a policy setting",
                 "The rest of it applies."):
        assert said in text
    account = pane.account_box
    assert account.server_edit.text() == "https://sync.example-school.org"
    assert not account.server_edit.isEnabled() and account.server_edit.isReadOnly()
    assert account.policy_note.isVisible() and account.policy_note.text() == "Set by your school"
    assert account.sign_in_required_note.isVisible()
    models = pane.language_model_box
    assert not models.add_button.isEnabled() and not models.model_combo.isEnabled()
    assert models.policy_note.isVisible() and models.policy_note.text() == "Set by your school"
    # Context size and threads stay the student's.
    assert models.context_combo.isEnabled() and models.threads_spin.isEnabled()


def test_an_unusable_file_is_named_and_nothing_is_greyed(qtbot, tmp_path, open_pane):
    from studyteddy_desktop.services.policy.policy_sources import load_policy

    broken = tmp_path / "policy.json"
    broken.write_text("{\"tutor_enabled\": false,")
    pane = open_pane(load_policy([broken]))
    assert pane.policy_box.isVisible()
    text = pane.policy_label.text()
    assert f"Your school's policy file ({broken}) could not be used: it is not valid JSON" in text
    assert "works as usual until your school fixes it" in text and "The rest of it applies" not in text
    assert pane.account_box.server_edit.isEnabled() and pane.language_model_box.add_button.isEnabled()


def test_without_a_policy_nothing_is_shown_or_greyed(qtbot, open_pane):
    pane = open_pane(MachinePolicy())
    assert not pane.policy_box.isVisible()
    assert pane.account_box.server_edit.isEnabled() and not pane.account_box.policy_note.isVisible()
    assert not pane.account_box.sign_in_required_note.isVisible()
    assert pane.language_model_box.add_button.isEnabled() and pane.language_model_box.model_combo.isEnabled()
    assert not pane.language_model_box.policy_note.isVisible()


def test_import_is_greyed_out_in_documents_and_a_drop_imports_nothing(qtbot, tmp_path, open_pane):
    from studyteddy_desktop.services.documents.document_library import IMPORT_TURNED_OFF
    from studyteddy_desktop.ui.panes.documents_pane import DocumentsPane

    pane = open_pane(MachinePolicy(document_import_enabled=False), DocumentsPane)
    assert not pane.actions["import"].isEnabled() and not pane.actions["folder"].isEnabled()
    assert "Set by your school" in pane.actions["import"].toolTip()
    note = tmp_path / "notes.md"
    note.write_text("# Cells\nMitochondria make ATP.\n")
    pane.import_paths([note])
    assert pane.status_line.text() == IMPORT_TURNED_OFF
    assert pane.services.documents.list_documents() == []


def test_without_a_policy_documents_can_import(qtbot, open_pane):
    from studyteddy_desktop.ui.panes.documents_pane import DocumentsPane

    pane = open_pane(MachinePolicy(), DocumentsPane)
    assert pane.actions["import"].isEnabled() and pane.actions["folder"].isEnabled()
