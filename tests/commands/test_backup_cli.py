"""`studyteddy backup create|list|restore` on a profile of its own, through the real command line."""

from __future__ import annotations

import io

import pytest

from studyteddy_desktop import cli
from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from tests.conftest import DATA_DIR_NAME


@pytest.fixture()
def data_dir(tmp_path):
    # Held open for the test, so each command attaches to running servers instead of starting them.
    root = tmp_path / DATA_DIR_NAME
    runtime = ServiceRuntime(Settings(data_dir=root), with_worker=False)
    endpoints = runtime.start()
    services = open_services(endpoints)
    yield root, services
    services.close()
    runtime.stop()


def _card_fronts(services) -> set[str]:
    flashcards = services.flashcards
    return {card.front for deck in flashcards.list_decks() for card in flashcards.cards(deck.id)}


def test_create_list_and_restore(data_dir, capsys, monkeypatch):
    root, services = data_dir
    deck = services.flashcards.create_deck("Chemistry")
    services.flashcards.add_card(deck.id, CardDraft("Kept", "yes"))

    assert cli.main(["--data-dir", str(root), "backup", "create"]) == 0
    out = capsys.readouterr()
    assert "Backed up to" in out.out and "100%" in out.err
    backup_id = services.backups.list()[0].id

    assert cli.main(["--data-dir", str(root), "backup", "list"]) == 0
    listing = capsys.readouterr().out
    assert backup_id in listing and "manual" in listing

    services.flashcards.add_card(deck.id, CardDraft("Added later", "no"))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["--data-dir", str(root), "backup", "restore", backup_id]) == 2
    assert "--yes" in capsys.readouterr().err
    assert _card_fronts(services) == {"Kept", "Added later"}

    assert cli.main(["--data-dir", str(root), "backup", "restore", backup_id, "--yes"]) == 0
    assert "Restored the backup" in capsys.readouterr().out
    services.database.engine.dispose()
    assert _card_fronts(services) == {"Kept"}
    assert [b.reason for b in services.backups.list()] == ["pre-restore", "manual"]


def test_an_unknown_backup_is_named_and_nothing_changes(data_dir, capsys):
    root, services = data_dir
    deck = services.flashcards.create_deck("History")
    services.flashcards.add_card(deck.id, CardDraft("Still here", "yes"))
    assert cli.main(["--data-dir", str(root), "backup", "restore", "20990101-000000-beef", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "no backup called '20990101-000000-beef'" in err and "backup list" in err
    assert _card_fronts(services) == {"Still here"}
    assert services.backups.list() == []


def test_an_empty_list_says_how_to_make_one(data_dir, capsys):
    root, _services = data_dir
    assert cli.main(["--data-dir", str(root), "backup", "list"]) == 0
    assert "No backups yet" in capsys.readouterr().out
