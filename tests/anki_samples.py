"""Builds real Anki packages (schema 11 SQLite inside a zip) for the import tests and benchmarks."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

from studyteddy_desktop.services.flashcards.anki_export import _SCHEMA

BASIC_ID, REVERSED_ID, CLOZE_ID = 1001, 1002, 1003
DECK_ID = 2001
# A 1x1 transparent PNG.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082")


def _fields(*names: str) -> list[dict]:
    return [{"name": name, "ord": index} for index, name in enumerate(names)]


MODELS = {
    str(BASIC_ID): {"id": BASIC_ID, "name": "Basic", "type": 0, "flds": _fields("Front", "Back"),
                    "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}",
                               "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}]},
    str(REVERSED_ID): {"id": REVERSED_ID, "name": "Basic (and reversed card)", "type": 0,
                       "flds": _fields("Front", "Back"),
                       "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}",
                                  "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"},
                                 {"name": "Card 2", "ord": 1, "qfmt": "{{Back}}",
                                  "afmt": "{{FrontSide}}<hr id=answer>{{Front}}"}]},
    str(CLOZE_ID): {"id": CLOZE_ID, "name": "Cloze", "type": 1, "flds": _fields("Text", "Back Extra"),
                    "tmpls": [{"name": "Cloze", "ord": 0, "qfmt": "{{cloze:Text}}",
                               "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}]},
}


def build_collection(path: Path, notes: list[tuple], revlog: list[tuple] = (), deck_name: str = "Biology::Cells") -> None:
    """notes: (note id, guid, model id, tags, [fields]); a card per template (reversed: two)."""
    connection = sqlite3.connect(path)
    connection.executescript(_SCHEMA)
    decks = {"1": {"id": 1, "name": "Default"}, str(DECK_ID): {"id": DECK_ID, "name": deck_name}}
    connection.execute("INSERT INTO col VALUES (1, 0, 0, 0, 11, 0, 0, 0, '{}', ?, ?, '{}', '{}')",
                       (json.dumps(MODELS), json.dumps(decks)))
    for note_id, guid, model_id, tags, fields in notes:
        connection.execute("INSERT INTO notes VALUES (?, ?, ?, 0, -1, ?, ?, '', 0, 0, '')",
                           (note_id, guid, model_id, tags, "\x1f".join(fields)))
        templates = 2 if model_id == REVERSED_ID else 1
        for ordinal in range(templates):
            connection.execute("INSERT INTO cards VALUES (?, ?, ?, ?, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '')",
                               (note_id * 10 + ordinal, note_id, DECK_ID, ordinal))
    for revlog_id, card_id, ease, duration in revlog:
        connection.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, 0, 0, 0, ?, 1)",
                           (revlog_id, card_id, ease, duration))
    connection.commit()
    connection.close()


def sample_notes() -> list[tuple]:
    return [
        (1, "guidBasic01", BASIC_ID, " cells energy ", ["What is <b>ATP</b>?", "Energy currency<br>of the cell"]),
        (2, "guidRev0002", REVERSED_ID, "", ["Mitochondrion", 'Powerhouse <img src="cell.png">']),
        (3, "guidCloze03", CLOZE_ID, "", ["{{c1::Ribosomes}} make proteins", ""]),
    ]


def build_apkg(path: Path, *, member: str = "collection.anki21", notes: list[tuple] | None = None,
               revlog: list[tuple] = (), deck_name: str = "Biology::Cells") -> Path:
    collection = path.with_suffix(".sqlite")
    collection.unlink(missing_ok=True)
    build_collection(collection, sample_notes() if notes is None else notes, revlog, deck_name)
    with zipfile.ZipFile(path, "w") as package:
        package.write(collection, member)
        package.writestr("media", json.dumps({"0": "cell.png"}))
        package.writestr("0", PNG)
    collection.unlink()
    return path
