"""Writes a deck as an Anki `.apkg` (schema 11 collection.anki2) that Anki opens and imports."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

from studyteddy_desktop.domain.flashcard_dto import CardDTO
from studyteddy_desktop.services.flashcards.card_markup import image_names, markdown_to_html

_SCHEMA = """
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null, scm integer not null,
  ver integer not null, dty integer not null, usn integer not null, ls integer not null, conf text not null,
  models text not null, decks text not null, dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null, mod integer not null,
  usn integer not null, tags text not null, flds text not null, sfld integer not null, csum integer not null,
  flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null, ord integer not null,
  mod integer not null, usn integer not null, type integer not null, queue integer not null, due integer not null,
  ivl integer not null, factor integer not null, reps integer not null, lapses integer not null,
  left integer not null, odue integer not null, odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null, ease integer not null,
  ivl integer not null, lastIvl integer not null, factor integer not null, time integer not null,
  type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_notes_usn on notes (usn); CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_revlog_usn on revlog (usn); CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due); CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
"""
_MODEL_ID = 1_700_000_000_001
_CSS = ".card { font-family: arial; font-size: 20px; text-align: center; color: black; background-color: white; }"


def _model(deck_id: int, now: int) -> dict:
    field_defaults = {"sticky": False, "rtl": False, "font": "Arial", "size": 20, "media": []}
    return {
        "id": _MODEL_ID, "name": "Basic (Study Teddy)", "type": 0, "mod": now, "usn": -1, "sortf": 0,
        "did": deck_id, "tags": [], "vers": [], "css": _CSS, "latexPre": "", "latexPost": "",
        "latexsvg": False, "req": [[0, "any", [0]]],
        "flds": [{"name": "Front", "ord": 0, **field_defaults}, {"name": "Back", "ord": 1, **field_defaults}],
        "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}",
                   "afmt": "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}", "did": None, "bqfmt": "", "bafmt": ""}],
    }


def _deck(deck_id: int, name: str, now: int) -> dict:
    return {"id": deck_id, "name": name, "mod": now, "usn": -1, "desc": "", "dyn": 0, "conf": 1, "collapsed": False,
            "browserCollapsed": False, "extendNew": 0, "extendRev": 0, "newToday": [0, 0], "revToday": [0, 0],
            "lrnToday": [0, 0], "timeToday": [0, 0], "reviewLimit": None, "newLimit": None,
            "reviewLimitToday": None, "newLimitToday": None, "desiredRetention": None}


def _deck_options(now: int) -> dict:
    """Anki's default options group, whole: its importer refuses a group that lacks any required key."""
    return {"id": 1, "mod": now, "name": "Default", "usn": -1, "maxTaken": 60, "autoplay": True, "timer": 0,
            "replayq": True, "dyn": False,
            "new": {"bury": False, "delays": [1.0, 10.0], "initialFactor": 2500, "ints": [1, 4, 0], "order": 1,
                    "perDay": 20},
            "rev": {"bury": False, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2},
            "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0},
            "newMix": 0, "newPerDayMinimum": 0, "interdayLearningMix": 0, "reviewOrder": 0, "newSortOrder": 0,
            "newGatherPriority": 0, "buryInterdayLearning": False, "desiredRetention": 0.9}


def _stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:6], "big") + 1


def write_package(path: Path, deck_name: str, cards: Sequence[CardDTO], media_dir: Path) -> int:
    """Write the cards as new cards of one deck; returns how many media files went in."""
    now = int(time.time())
    deck_id = _stable_int(f"deck:{deck_name}")
    with tempfile.TemporaryDirectory(prefix="studyteddy-export-") as scratch:
        database_path = Path(scratch) / "collection.anki2"
        connection = sqlite3.connect(database_path)
        try:
            connection.executescript(_SCHEMA)
            conf = {"nextPos": len(cards) + 1, "curModel": _MODEL_ID, "activeDecks": [deck_id], "curDeck": deck_id}
            dconf = {"1": _deck_options(now)}
            decks = {"1": _deck(1, "Default", now), str(deck_id): _deck(deck_id, deck_name, now)}
            connection.execute("INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
                               (now - now % 86400, now * 1000, now * 1000, json.dumps(conf),
                                json.dumps({str(_MODEL_ID): _model(deck_id, now)}), json.dumps(decks),
                                json.dumps(dconf)))
            media: list[str] = []
            for position, card in enumerate(cards, start=1):
                front, back = markdown_to_html(card.front), markdown_to_html(card.back)
                note_id = now * 1000 + position
                checksum = int(hashlib.sha1(front.encode()).hexdigest()[:8], 16)
                tags = f" {' '.join(card.tags)} " if card.tags else ""
                connection.execute("INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
                                   (note_id, card.id.hex[:10], _MODEL_ID, now, tags, f"{front}\x1f{back}", front,
                                    checksum))
                connection.execute(
                    "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, 0, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')",
                    (note_id, note_id, deck_id, now, -1 if card.suspended else 0, position))
                media += [name for name in image_names(card.front) + image_names(card.back)
                          if name not in media and (media_dir / name).is_file()]
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
            package.write(database_path, "collection.anki2")
            package.writestr("media", json.dumps({str(index): name for index, name in enumerate(media)}))
            for index, name in enumerate(media):
                package.write(media_dir / name, str(index))
    return len(media)
