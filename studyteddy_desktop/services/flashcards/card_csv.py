"""Cards as CSV: front, back and optional tags columns, UTF-8, with or without a header row."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.flashcard_dto import CardDraft, CardDTO

_HEADER_WORDS = {"front", "question", "q"}
_MAX_BAD_LINES_SHOWN = 5


def read_csv_cards(path: Path) -> list[CardDraft]:
    """Every row as a draft; the whole file is refused when any row does not fit."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError(
            f"{path.name} is not UTF-8 text (byte {error.start} cannot be read). Save it as “CSV UTF-8” "
            "in your spreadsheet program and import it again.") from error
    if not text.strip():
        raise InvalidInputError(f"{path.name} is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    drafts: list[CardDraft] = []
    bad: list[str] = []
    for line_number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if line_number == 1 and row[0].strip().casefold() in _HEADER_WORDS:
            continue
        if len(row) not in (2, 3) or not row[0].strip():
            bad.append(f"line {line_number} has {len(row)} column{'s' if len(row) != 1 else ''}"
                       if len(row) not in (2, 3) else f"line {line_number} has an empty front")
            continue
        tags = tuple(row[2].replace(",", " ").split()) if len(row) == 3 else ()
        drafts.append(CardDraft(front=row[0].strip(), back=row[1].strip(), tags=tags))
    if bad:
        shown = "; ".join(bad[:_MAX_BAD_LINES_SHOWN]) + ("; …" if len(bad) > _MAX_BAD_LINES_SHOWN else "")
        raise InvalidInputError(
            f"{path.name} was not imported: every row needs a front, a back and optionally tags "
            f"(2 or 3 columns), but {shown}.")
    if not drafts:
        raise InvalidInputError(f"{path.name} holds no cards.")
    return drafts


def write_csv_cards(path: Path, cards: Sequence[CardDTO]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["front", "back", "tags"])
        for card in cards:
            writer.writerow([card.front, card.back, " ".join(card.tags)])
