"""`studyteddy login`, `sync` and `logout` through the real command line, against real sync servers."""

from __future__ import annotations

import io
import json
import os
import pty
import secrets
import select
import subprocess
import sys

import keyring
import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring

from studyteddy_desktop import cli
from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from sync_server.core.config import ENV_PREFIX
from tests.conftest import DATA_DIR_NAME
from tests.keyring_fixtures import _restore_keyring, file_keyring  # noqa: F401  (fixtures)
from tests.sync_server.conftest import free_port, start_server, stop_server






@pytest.fixture()
def no_keyring():
    keyring.set_keyring(fail.Keyring())


@pytest.fixture()
def devices(tmp_path):
    """Makes data folders, each held open (as a window would), so commands attach to running servers."""
    opened = []

    def open_device(name: str):
        root = tmp_path / name / DATA_DIR_NAME
        runtime = ServiceRuntime(Settings(data_dir=root), with_worker=False)
        services = open_services(runtime.start())
        opened.append((runtime, services))
        return root, services

    yield open_device
    for runtime, services in reversed(opened):
        services.close()
        runtime.stop()


@pytest.fixture()
def terminal(monkeypatch):
    """The keyboard: passwords typed at getpass's prompt, answers typed at input()'s."""
    prompts: list[str] = []
    passwords: list[str] = []

    def type_password(prompt: str = "Password: ", stream=None) -> str:
        prompts.append(prompt)
        return passwords.pop(0)

    monkeypatch.setattr("getpass.getpass", type_password)

    class Terminal:
        def __init__(self) -> None:
            self.prompts, self.passwords = prompts, passwords

        def answers(self, *lines: str) -> None:
            monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))

    return Terminal()


def studyteddy(root, *args: str) -> int:
    return cli.main(["--data-dir", str(root), *args])


def card_fronts(services) -> set[str]:
    flashcards = services.flashcards
    return {card.front for deck in flashcards.list_decks() for card in flashcards.cards(deck.id)}


def test_a_card_made_on_one_device_reaches_the_other(devices, replicas, make_student, file_keyring, terminal,
                                                     capsys):
    student = make_student()
    laptop, laptop_services = devices("laptop")
    desk, desk_services = devices("desk")
    deck = laptop_services.flashcards.create_deck("Biology")
    laptop_services.flashcards.add_card(deck.id, CardDraft("Mitochondria", "the cell's power plant"))

    terminal.passwords.append(student.password)
    assert studyteddy(laptop, "login", replicas[0].url, "--email", student.login, "--device", "Laptop") == 0
    out = capsys.readouterr().out
    assert f"Signed in to {replicas[0].url}" in out and "system keyring" in out and "Laptop" in out
    assert terminal.prompts == [f"Password for {student.login}: "]

    assert studyteddy(laptop, "sync", "--json") == 0
    sent = json.loads(capsys.readouterr().out)
    assert sent["status"] == "synced" and sent["pushed"] >= 2 and sent["conflicts"] == 0

    terminal.passwords.append(student.password)
    assert studyteddy(desk, "login", replicas[1].url, "--email", student.login, "--device", "Desk") == 0
    capsys.readouterr()
    assert studyteddy(desk, "sync") == 0
    summary = capsys.readouterr().out
    assert f"Synced with {replicas[1].url}" in summary and "No conflicts." in summary
    assert card_fronts(desk_services) == {"Mitochondria"}
    # The keyring kept the sign-in: no password was asked for by either sync.
    assert len(terminal.prompts) == 2

    assert studyteddy(desk, "logout") == 0
    assert "stays on this computer" in capsys.readouterr().out
    assert studyteddy(desk, "sync") == 2
    assert "studyteddy login" in capsys.readouterr().err
    assert card_fronts(desk_services) == {"Mitochondria"}


def test_without_a_keyring_the_next_command_asks_for_the_password_again(devices, replicas, make_student,
                                                                        no_keyring, terminal, capsys):
    student = make_student()
    root, services = devices("laptop")
    services.flashcards.create_deck("Chemistry")
    terminal.passwords.append(student.password)
    assert studyteddy(root, "login", replicas[0].url, "--email", student.login) == 0
    out = capsys.readouterr().out
    assert "this session only" in out and "has to sign in again" in out

    terminal.passwords.append(student.password)
    assert studyteddy(root, "sync", "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "synced"
    assert terminal.prompts[1] == f"Password for {student.login} at {replicas[0].url}: "


def test_a_wrong_or_missing_password_signs_nobody_in(devices, replicas, make_student, no_keyring, terminal,
                                                     capsys):
    student = make_student()
    root, services = devices("laptop")
    terminal.passwords.extend(["not the password", ""])
    assert studyteddy(root, "login", replicas[0].url, "--email", student.login) == 2
    assert capsys.readouterr().err.startswith("studyteddy: ")
    assert studyteddy(root, "login", replicas[0].url, "--email", student.login) == 2
    assert "no password was given" in capsys.readouterr().err
    assert not services.sync.status().signed_in
    # No --email and nothing typed (stdin closed): nobody is asked for a password.
    terminal.answers()
    assert studyteddy(root, "login", replicas[0].url) == 2
    assert "a login is needed" in capsys.readouterr().err
    assert len(terminal.prompts) == 2


def test_a_login_typed_at_the_prompt_and_the_hostname_as_device_name(devices, replicas, make_student,
                                                                      file_keyring, terminal, capsys):
    student = make_student()
    root, services = devices("laptop")
    terminal.answers(student.login)
    terminal.passwords.append(student.password)
    assert studyteddy(root, "login", replicas[0].url) == 0
    from studyteddy_desktop.commands.sync import default_device_name

    status = services.sync.status()
    assert status.signed_in and status.account_login == student.login
    assert status.device_name == default_device_name()


def test_an_unreachable_server_exits_3_so_scripts_can_tell(devices, make_student, endpoints, server_data_dir, session_redis_url,
                                                           file_keyring, terminal, capsys):
    student = make_student()
    root, services = devices("laptop")
    nowhere = f"http://127.0.0.1:{free_port()}"
    terminal.passwords.append(student.password)
    assert studyteddy(root, "login", nowhere, "--email", student.login) == 3
    assert "try again" in capsys.readouterr().err

    # A server of its own, stopped after the sign-in: the next sync finds nobody there.
    server = start_server(server_data_dir, endpoints, redis_url=session_redis_url,
                          env={ENV_PREFIX + "SECRET_KEY": secrets.token_urlsafe(32)})
    try:
        terminal.passwords.append(student.password)
        assert studyteddy(root, "login", server.url, "--email", student.login) == 0
    finally:
        stop_server(server)
    services.flashcards.create_deck("Made while the server was away")
    capsys.readouterr()
    assert studyteddy(root, "sync", "--json") == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "offline"
    assert "kept on this computer" in captured.err


def test_signing_in_as_someone_else_asks_before_starting_fresh(devices, replicas, make_student, file_keyring,
                                                               terminal, capsys):
    first, second = make_student(), make_student()
    root, services = devices("laptop")
    deck = services.flashcards.create_deck("History")
    services.flashcards.add_card(deck.id, CardDraft("1066", "Hastings"))
    terminal.passwords.append(first.password)
    assert studyteddy(root, "login", replicas[0].url, "--email", first.login) == 0
    assert studyteddy(root, "sync") == 0
    assert studyteddy(root, "logout") == 0
    capsys.readouterr()

    terminal.answers("n")
    terminal.passwords.append(second.password)
    assert studyteddy(root, "login", replicas[0].url, "--email", second.login) == 1
    captured = capsys.readouterr()
    assert first.login in captured.err and "start fresh" in captured.out + captured.err
    assert "Nothing was changed" in captured.out
    assert card_fronts(services) == {"1066"} and not services.sync.status().signed_in
    assert services.backups.list() == []

    terminal.answers("y")
    terminal.passwords.append(second.password)
    assert studyteddy(root, "login", replicas[0].url, "--email", second.login) == 0
    services.database.engine.dispose()
    assert services.sync.status().account_login == second.login
    assert card_fronts(services) == set()
    assert len(services.backups.list()) == 1


def run_with_stderr_on_a_terminal(*args: str, env: dict, timeout: float = 300) -> tuple[int, str, str]:
    """Runs `studyteddy ARGS` in its own process whose stderr is a pseudo-terminal, as in a shell."""
    controller, terminal_end = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "studyteddy_desktop", *args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=terminal_end, env=env)
    os.close(terminal_end)
    chunks: list[bytes] = []
    try:
        # The worker the command starts may keep the terminal open after the command ends: read
        # while the command runs, then what is already there, and stop.
        while True:
            running = process.poll() is None
            ready, _, _ = select.select([controller], [], [], 0.2 if running else 0)
            if not ready:
                if not running:
                    break
                continue
            try:
                chunks.append(os.read(controller, 65536))
            except OSError:
                break
        stdout = process.communicate(timeout=timeout)[0].decode()
    finally:
        os.close(controller)
    return process.returncode, stdout, b"".join(chunks).decode(errors="replace")


def test_progress_is_shown_on_a_terminal(devices, replicas, make_student, tmp_path, terminal, capsys):
    student = make_student()
    root, services = devices("laptop")
    deck = services.flashcards.create_deck("Physics")
    for number in range(3):
        services.flashcards.add_card(deck.id, CardDraft(f"Law {number}", "Newton"))
    # The keyring file the command's own process finds through keyring's usual settings.
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    terminal.passwords.append(student.password)
    assert studyteddy(root, "login", replicas[0].url, "--email", student.login) == 0
    capsys.readouterr()

    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"),
           "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
    code, stdout, shown = run_with_stderr_on_a_terminal("--data-dir", str(root), "sync", env=env)
    assert code == 0, stdout + shown
    assert "\r  Sending changes: " in shown and "Receiving changes" in shown
    assert "sent " in stdout and "No conflicts." in stdout


def test_sync_before_signing_in_says_how_to(devices, no_keyring, capsys):
    root, _services = devices("laptop")
    assert studyteddy(root, "sync") == 2
    assert "studyteddy login SERVER" in capsys.readouterr().err
    assert studyteddy(root, "logout") == 0
    assert "not signed in" in capsys.readouterr().out
