"""The Account box signs in to a real sync server, explains a refusal plainly, and signs out on request."""

from __future__ import annotations

import socket

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.ui.sync.account_box import NO_KEYRING_NOTE, AccountBox
from tests.ui.sync.conftest import closed_port_url


def open_box(qtbot, services) -> AccountBox:
    box = AccountBox(services)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitUntil(lambda: not box.pages.isHidden(), timeout=15_000)
    return box


def fill(box: AccountBox, server_url: str, login: str, password: str) -> None:
    box.server_edit.setText(server_url)
    box.login_edit.setText(login)
    box.password_edit.setText(password)


def test_signing_in_through_the_box_shows_the_account_and_sign_out_keeps_the_data(
        qtbot, make_device, make_student, replicas, monkeypatch):
    services = make_device()
    student = make_student()
    deck = services.flashcards.create_deck("Biology")
    box = open_box(qtbot, services)
    assert not box.signed_in_shown
    assert box.device_edit.text() == socket.gethostname()
    assert box.password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert box.keyring_note.isHidden() == services.sync.has_keyring
    assert box.keyring_note.text() == NO_KEYRING_NOTE
    fill(box, replicas[0].url, student.login, student.password)
    box.device_edit.setText("Ada's laptop")
    with qtbot.waitSignal(box.account_changed, timeout=60_000) as signed_in:
        qtbot.keyClick(box.password_edit, Qt.Key.Key_Return)  # Enter submits
        assert box.busy_bar.isVisible() and not box.sign_in_button.isEnabled()
    assert signed_in.args[0].signed_in
    assert box.signed_in_shown
    assert box.account_label.text() == student.login
    assert box.server_label.text().rstrip("/") == replicas[0].url
    assert box.device_label.text() == "Ada's laptop"
    assert box.password_edit.text() == ""
    assert services.sync.status().account_login == student.login

    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Cancel)
    box.sign_out_button.click()
    assert box.signed_in_shown and services.sync.status().signed_in
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(box.account_changed, timeout=30_000) as signed_out:
        box.sign_out_button.click()
    assert not signed_out.args[0].signed_in
    assert not box.signed_in_shown
    assert "stay on this computer" in box.error_label.text()
    assert [d.name for d in services.flashcards.list_decks()] == [deck.name]


def test_a_wrong_password_is_named_plainly_and_nothing_is_signed_in(qtbot, make_device, make_student,
                                                                     replicas):
    services = make_device()
    student = make_student()
    box = open_box(qtbot, services)
    fill(box, replicas[0].url, student.login, "not the password")
    box.sign_in_button.click()
    qtbot.waitUntil(lambda: box.error_label.text() != "" and box.sign_in_button.isEnabled(), timeout=60_000)
    assert box.error_label.text() == "The email or password is wrong. Check both and try again."
    assert not box.signed_in_shown
    assert not services.sync.status().signed_in


def test_an_unreachable_server_says_so(qtbot, make_device, make_student):
    services = make_device()
    box = open_box(qtbot, services)
    address = closed_port_url()
    fill(box, address, make_student().login, "whatever it is")
    box.sign_in_button.click()
    qtbot.waitUntil(lambda: box.error_label.text() != "" and box.sign_in_button.isEnabled(), timeout=60_000)
    assert box.error_label.text().startswith(f"Study Teddy cannot reach the server at {address}.")


def test_an_empty_form_asks_for_what_is_missing(qtbot, make_device):
    box = open_box(qtbot, make_device())
    box.server_edit.setText("https://sync.example.org")
    box.sign_in_button.click()
    assert box.error_label.text() == "Enter your email or login and your password to sign in."
    assert box.sign_in_button.isEnabled()


def test_another_accounts_records_are_only_replaced_after_the_student_agrees(
        qtbot, make_device, make_student, replicas, monkeypatch):
    services = make_device()
    first, second = make_student(), make_student()
    services.flashcards.add_card(services.flashcards.create_deck("First's deck").id, CardDraft("Q", "A"))
    services.sync.sign_in(replicas[0].url, first.login, first.password, "laptop")
    services.sync.sync()
    services.sync.sign_out()
    box = open_box(qtbot, services)
    asked = []

    def answer(button):
        def question(_parent, _title, text, *_rest):
            asked.append(text)
            return button
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    fill(box, replicas[0].url, second.login, second.password)
    box.sign_in_button.click()
    qtbot.waitUntil(lambda: box.error_label.text().startswith("Not signed in"), timeout=60_000)
    assert asked == [f"This computer's Study Teddy holds the study records of {first.login}. Signing in as "
                     f"{second.login} would mix them. Back up this data and start fresh as {second.login}?"]
    assert [d.name for d in services.flashcards.list_decks()] == ["First's deck"]

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    box.password_edit.setText(second.password)
    with qtbot.waitSignal(box.account_changed, timeout=120_000):
        box.sign_in_button.click()
    assert box.account_label.text() == second.login
    assert "kept as a backup" in box.signed_in_message.text()
    assert "First's deck" not in [d.name for d in services.flashcards.list_decks()]
