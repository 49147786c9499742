"""Reads Anki packages (.apkg, .colpkg; collection.anki21b, .anki21 or .anki2) into plain card records."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.services.flashcards import anki_latest_format
from studyteddy_desktop.services.flashcards.zstandard_frames import decompress

NEWER_FORMAT_HELP = (
    "It was exported by a version of Anki newer than Study Teddy knows. In Anki, choose File › Export…, "
    "pick “Anki Deck Package (*.apkg)”, tick “Support older Anki versions (slower/larger files)”, "
    "and import that file.")
_LEGACY_MEMBERS = ("collection.anki21", "collection.anki2")
_CLOZE_MODEL = 1
_FIELD = re.compile(r"\{\{([^{}]+)\}\}")
_SECTION = re.compile(r"\{\{([#^])([^{}]+)\}\}(.*?)\{\{/\2\}\}", re.DOTALL)


@dataclass(frozen=True)
class AnkiCard:
    """One card as Anki renders it, before HTML is cleaned."""

    key: str
    deck_name: str
    front_html: str
    back_html: str
    tags: tuple[str, ...]
    # (revlog id in ms, ease 1..4, duration ms), oldest first.
    reviews: tuple[tuple[int, int, int], ...] = ()
    suspended: bool = False


@dataclass
class AnkiCollection:
    cards: list[AnkiCard] = field(default_factory=list)
    # Media file name as the fields use it -> member name inside the zip.
    media: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    # The current package format compresses each media file with zstd; the legacy ones store it as is.
    media_compressed: bool = False

    def read_media(self, package: zipfile.ZipFile, member: str) -> bytes:
        data = package.read(member)
        if not self.media_compressed:
            return data
        try:
            return decompress(data)
        except ValueError as error:
            raise InvalidInputError(f"The media file {member} in the package is damaged ({error}).") from error


def _render(template: str, fields: dict[str, str], front_side: str = "") -> str:
    def section(match: re.Match[str]) -> str:
        name = match.group(2).strip()
        present = bool(fields.get(name, "").strip())
        shown = present if match.group(1) == "#" else not present
        return _render(match.group(3), fields, front_side) if shown else ""

    text = _SECTION.sub(section, template)

    def field_value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name == "FrontSide":
            return front_side
        # Filters such as text:, hint:, type: come before the field name; the value is what matters.
        name = name.split(":")[-1].strip()
        return fields.get(name, "")

    return _FIELD.sub(field_value, text)


def _strip_answer_rule(back: str) -> str:
    return re.sub(r"^\s*<hr[^>]*id=['\"]?answer['\"]?[^>]*>", "", back, flags=re.IGNORECASE).strip()


def _collection_member(path: Path, package: zipfile.ZipFile) -> str:
    names = set(package.namelist())
    version = 0
    if "meta" in names:
        try:
            version = anki_latest_format.package_version(package.read("meta"))
        except (ValueError, IndexError) as error:
            raise InvalidInputError(f"{path.name} is damaged: its format description cannot be read.") from error
    if version > anki_latest_format.LATEST_VERSION:
        raise InvalidInputError(f"{path.name} uses a newer Anki package format. {NEWER_FORMAT_HELP}")
    if anki_latest_format.LATEST_MEMBER in names and version in (0, anki_latest_format.LATEST_VERSION):
        return anki_latest_format.LATEST_MEMBER
    member = next((name for name in _LEGACY_MEMBERS if name in names), None)
    if member is None:
        raise InvalidInputError(f"{path.name} holds no Anki collection (collection.anki21b, collection.anki21 "
                                f"or collection.anki2).")
    return member


@contextlib.contextmanager
def open_package(path: Path) -> Iterator[tuple[zipfile.ZipFile, sqlite3.Connection, bool]]:
    """The zip, a connection to the collection inside it and whether it is the current format; clear errors."""
    if not zipfile.is_zipfile(path):
        raise InvalidInputError(f"{path.name} is not an Anki package: it is not a zip file.")
    with zipfile.ZipFile(path) as package, tempfile.TemporaryDirectory(prefix="studyteddy-apkg-") as scratch:
        member = _collection_member(path, package)
        latest = member == anki_latest_format.LATEST_MEMBER
        target = Path(scratch) / "collection.sqlite"
        try:
            data = package.read(member)
            target.write_bytes(decompress(data) if latest else data)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise InvalidInputError(f"{path.name} is damaged: {error}") from error
        connection = sqlite3.connect(target)
        anki_latest_format.register_collations(connection)
        try:
            yield package, connection, latest
        except sqlite3.DatabaseError as error:
            raise InvalidInputError(f"The collection inside {path.name} is damaged and cannot be read ({error}).") from error
        finally:
            connection.close()


def _note_types_and_decks(connection: sqlite3.Connection, latest: bool) -> tuple[dict[int, dict], dict[int, str]]:
    models_json, decks_json = connection.execute("SELECT models, decks FROM col").fetchone()
    if latest or not models_json:
        return anki_latest_format.note_types_and_decks(connection)
    models = {int(key): value for key, value in json.loads(models_json).items()}
    decks = {int(key): value["name"] for key, value in json.loads(decks_json).items()}
    return models, decks


def read_package(path: Path) -> AnkiCollection:
    with open_package(path) as (package, connection, latest):
        try:
            models, decks = _note_types_and_decks(connection, latest)
        except (ValueError, IndexError, KeyError, TypeError) as error:
            raise InvalidInputError(f"The note types or decks inside {path.name} cannot be read ({error}).") from error
        notes = {row[0]: row[1:] for row in connection.execute("SELECT id, guid, mid, tags, flds FROM notes")}
        reviews: dict[int, list[tuple[int, int, int]]] = {}
        for card_id, revlog_id, ease, duration in connection.execute(
                "SELECT cid, id, ease, time FROM revlog WHERE ease BETWEEN 1 AND 4 ORDER BY id"):
            reviews.setdefault(card_id, []).append((int(revlog_id), int(ease), max(0, int(duration or 0))))
        collection = AnkiCollection(media_compressed=latest)
        cloze_notes: set[int] = set()
        for card_id, note_id, deck_id, ordinal, queue in connection.execute(
                "SELECT id, nid, did, ord, queue FROM cards ORDER BY nid, ord"):
            note = notes.get(note_id)
            if note is None:
                collection.skipped.append(f"card {card_id}: its note is missing from the collection")
                continue
            guid, model_id, tags, fields_joined = note
            model = models.get(int(model_id))
            if model is None:
                collection.skipped.append(f"note {guid}: its note type is missing from the collection")
                continue
            if model.get("type") == _CLOZE_MODEL:
                if note_id not in cloze_notes:
                    cloze_notes.add(note_id)
                    collection.skipped.append(f"note {guid} ({model.get('name')}): cloze deletions are not "
                                              f"supported yet")
                continue
            values = fields_joined.split("\x1f")
            names = [item["name"] for item in sorted(model["flds"], key=lambda item: item["ord"])]
            fields = dict(zip(names, values + [""] * (len(names) - len(values))))
            template = next((item for item in model["tmpls"] if item["ord"] == ordinal), None)
            if template is None:
                collection.skipped.append(f"note {guid}: card template {ordinal} is missing")
                continue
            front = _render(template["qfmt"], fields)
            back = _strip_answer_rule(_render(template["afmt"], fields, ""))
            if not re.sub(r"<[^>]+>|&nbsp;|\s", "", front):
                # Anki itself does not generate cards whose front would be empty.
                continue
            collection.cards.append(AnkiCard(
                key=f"anki:{guid}:{ordinal}", deck_name=decks.get(int(deck_id), "Imported"),
                front_html=front, back_html=back, tags=tuple(tags.split()),
                reviews=tuple(reviews.get(card_id, ())), suspended=queue == -1))
        collection.media = _media_map(path, package, latest)
        return collection


def _media_map(path: Path, package: zipfile.ZipFile, latest: bool) -> dict[str, str]:
    try:
        raw = package.read("media")
    except KeyError:
        return {}
    try:
        if latest:
            return anki_latest_format.media_map(raw)
        mapping = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, IndexError) as error:
        raise InvalidInputError(f"The media list inside {path.name} is damaged and cannot be read.") from error
    return {name: member for member, name in mapping.items()}
