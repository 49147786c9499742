"""`studyteddy cards import|export|decks`: flashcard decks from a terminal."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.flashcard_dto import DeckDTO


def register(commands: argparse._SubParsersAction) -> None:
    cards = commands.add_parser("cards", help="flashcard decks: import, export, list")
    actions = cards.add_subparsers(dest="cards_command", metavar="ACTION", required=True)
    importer = actions.add_parser("import", help="import an Anki .apkg or a CSV file (front, back, tags)")
    importer.add_argument("file", type=Path)
    importer.add_argument("--deck", help="put every card into this deck (CSV default: the file name)")
    importer.set_defaults(handler=run_import)
    exporter = actions.add_parser("export", help="export a deck to .apkg (Anki) or .csv")
    exporter.add_argument("deck", help="deck name or id")
    exporter.add_argument("file", type=Path)
    exporter.set_defaults(handler=run_export)
    decks = actions.add_parser("decks", help="list decks with card and due counts")
    decks.add_argument("--json", action="store_true")
    decks.set_defaults(handler=run_decks)


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        report = services.card_exchange.import_file(args.file, deck_name=args.deck)
    print(f"Imported {args.file.name} into {', '.join(report.deck_names)}: {report.added} new, "
          f"{report.restored} restored, {report.updated} updated, {report.unchanged} already there; "
          f"{report.reviews_added} past reviews, {report.media_copied} images.")
    if report.skipped:
        print(f"Not imported ({len(report.skipped)}):")
        for line in report.skipped:
            print(f"  - {line}")
    return 0


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        deck = services.flashcards.find_deck(args.deck)
        report = services.card_exchange.export_deck(deck.id, args.file)
    images = f" and {report.media_copied} images" if report.media_copied else ""
    print(f"Exported {report.added} cards{images} from “{deck.name}” to {args.file}.")
    return 0


def _path(deck: DeckDTO, by_id: dict) -> str:
    names = [deck.name]
    parent = by_id.get(deck.parent_id)
    while parent is not None:
        names.insert(0, parent.name)
        parent = by_id.get(parent.parent_id)
    return "::".join(names)


def run_decks(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        decks = services.flashcards.list_decks()
    by_id = {deck.id: deck for deck in decks}
    rows = sorted(decks, key=lambda deck: _path(deck, by_id).casefold())
    if args.json:
        print(json.dumps([{"id": str(deck.id), "name": deck.name, "path": _path(deck, by_id),
                           "parent_id": str(deck.parent_id) if deck.parent_id else None,
                           "cards": deck.card_count, "new_due": deck.new_due, "reviews_due": deck.reviews_due,
                           "due": deck.due_total, "desired_retention": deck.desired_retention}
                          for deck in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("No decks yet. Import one with `studyteddy cards import FILE.apkg`.")
    for deck in rows:
        print(f"{_path(deck, by_id)}: {deck.card_count} cards, {deck.due_total} due "
              f"({deck.new_due} new, {deck.reviews_due} reviews)")
    return 0
