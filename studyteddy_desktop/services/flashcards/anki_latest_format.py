"""Reads Anki's current package format: a zstd-compressed schema 18 collection and a protobuf media list."""

from __future__ import annotations

import sqlite3

from studyteddy_desktop.services.flashcards.zstandard_frames import decompress

LATEST_MEMBER = "collection.anki21b"
# PackageMetadata.Version in Anki's import_export.proto: 1 and 2 are the legacy formats, 3 the current one.
LATEST_VERSION = 3
_CLOZE_KIND = 1


def protobuf_fields(data: bytes) -> dict[int, list[int | bytes]]:
    """The fields of one protobuf message by number; enough of the wire format for Anki's small messages."""
    fields: dict[int, list[int | bytes]] = {}
    position = 0

    def varint() -> int:
        nonlocal position
        value = shift = 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while position < len(data):
        key = varint()
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value: int | bytes = varint()
        elif wire_type == 2:
            length = varint()
            value = bytes(data[position:position + length])
            position += length
        elif wire_type in (1, 5):
            width = 8 if wire_type == 1 else 4
            value = int.from_bytes(data[position:position + width], "little")
            position += width
        else:
            raise ValueError(f"protobuf wire type {wire_type} is not supported")
        if position > len(data):
            raise ValueError("a protobuf message ends too early")
        fields.setdefault(number, []).append(value)
    return fields


def _text(fields: dict[int, list[int | bytes]], number: int) -> str:
    values = fields.get(number)
    return values[-1].decode("utf-8") if values and isinstance(values[-1], bytes) else ""


def package_version(meta: bytes) -> int:
    values = protobuf_fields(meta).get(1, [0])
    return int(values[-1]) if isinstance(values[-1], int) else 0


def media_map(raw: bytes) -> dict[str, str]:
    """Media name -> zip member: MediaEntries lists the files, each stored under its index (or a legacy name)."""
    mapping: dict[str, str] = {}
    for index, entry in enumerate(protobuf_fields(decompress(raw)).get(1, [])):
        if not isinstance(entry, bytes):
            continue
        fields = protobuf_fields(entry)
        legacy_name = fields.get(255)
        mapping[_text(fields, 1)] = str(legacy_name[-1] if legacy_name else index)
    return mapping


def register_collations(connection: sqlite3.Connection) -> None:
    """Schema 18 declares Anki's own `unicase` collation on names; SQLite refuses those columns without it."""
    connection.create_collation("unicase", lambda left, right: (left.casefold() > right.casefold())
                                - (left.casefold() < right.casefold()))


def note_types_and_decks(connection: sqlite3.Connection) -> tuple[dict[int, dict], dict[int, str]]:
    """Schema 18's tables in the shape of schema 11's `col.models` and `col.decks` JSON."""
    models: dict[int, dict] = {}
    for notetype_id, name, config in connection.execute("SELECT id, name, config FROM notetypes"):
        kind = protobuf_fields(config).get(1, [0])[-1]
        models[int(notetype_id)] = {"name": name, "type": _CLOZE_KIND if kind == _CLOZE_KIND else 0,
                                    "flds": [], "tmpls": []}
    for notetype_id, ordinal, name in connection.execute("SELECT ntid, ord, name FROM fields"):
        if int(notetype_id) in models:
            models[int(notetype_id)]["flds"].append({"name": name, "ord": ordinal})
    for notetype_id, ordinal, config in connection.execute("SELECT ntid, ord, config FROM templates"):
        if int(notetype_id) in models:
            fields = protobuf_fields(config)
            models[int(notetype_id)]["tmpls"].append({"ord": ordinal, "qfmt": _text(fields, 1),
                                                      "afmt": _text(fields, 2)})
    # Schema 18 separates deck levels with \x1f where schema 11 wrote "::".
    decks = {int(deck_id): name.replace("\x1f", "::") for deck_id, name in connection.execute(
        "SELECT id, name FROM decks")}
    return models, decks
