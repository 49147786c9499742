"""A whole profile of its own (servers in a temporary data directory), so restores touch no other test."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.services.app_services import AppServices
from tests.conftest import DATA_DIR_NAME


@pytest.fixture(scope="package")
def profile_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceRuntime]:
    runtime = ServiceRuntime(Settings(data_dir=tmp_path_factory.mktemp("backups") / DATA_DIR_NAME),
                             with_worker=False)
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture()
def profile(profile_runtime: ServiceRuntime) -> Iterator[AppServices]:
    """The services of the private profile, emptied of earlier tests' backups."""
    assert profile_runtime.endpoints is not None
    services = open_services(profile_runtime.endpoints)
    for backup in services.backups.list():
        shutil.rmtree(services.backups.store.root / backup.id)
    yield services
    services.close()


def add_study_material(services: AppServices, folder: Path, label: str, *, cards: int = 5) -> None:
    """A deck of cards and one imported text document, both named by `label`."""
    deck = services.flashcards.create_deck(f"Deck {label}")
    for number in range(cards):
        services.flashcards.add_card(deck.id, CardDraft(f"{label} question {number}", f"answer {number}"))
    document = folder / f"notes-{label}.txt"
    document.write_text(f"Notes about {label}.\n" * 50, encoding="utf-8")
    services.documents.import_file(document)


def table_fingerprints(services: AppServices) -> dict[str, str]:
    """Every table's whole content as a hash, to compare a database with itself at another time."""
    with services.database.engine.connect() as connection:
        tables = connection.scalars(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).all()
        return {table: connection.scalar(sa.text(
            f'SELECT md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) FROM "{table}" t'))
            for table in tables}


def file_fingerprints(services: AppServices) -> dict[str, str]:
    paths = services.backups.store.paths
    found = {}
    for root in (paths.files_dir, paths.media_dir):
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                    found[f"{root.name}/{path.relative_to(root)}"] = digest
    return found
