"""The Flashcards pane: decks with due counts, a sortable card browser, and review sessions."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QFileDialog, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QSplitter, QStackedWidget, QTableView,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.flashcard_dto import CardDTO, CardExchangeReport, DeckDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp, user_message
from studyteddy_desktop.ui.change_broadcast import ChangeSubscription
from studyteddy_desktop.ui.flashcards.card_dialog import CardDialog
from studyteddy_desktop.ui.flashcards.card_source_bar import CardSourceBar
from studyteddy_desktop.ui.flashcards.card_table_model import CARD_ROLE, SORT_ROLE, CardTableModel
from studyteddy_desktop.ui.flashcards.deck_options_dialog import DeckOptionsDialog
from studyteddy_desktop.ui.flashcards.review_view import ReviewView

if TYPE_CHECKING:
    from studyteddy_desktop.config import Settings
    from studyteddy_desktop.services.app_services import AppServices

PANE_TITLE = "Flashcards"
_DECK_ID_ROLE = Qt.ItemDataRole.UserRole
_REFRESH_MS = 60_000
_FILE_FILTER = "Anki packages and CSV (*.apkg *.colpkg *.csv *.tsv *.txt);;All files (*)"
DECKS = Changes(decks=True)
# Cards count towards their decks' totals, so the deck list changes with them.
CARDS = Changes(cards=True, decks=True)
SHOWN_HERE = Changes(decks=True, cards=True, reviews=True)


def _subtree_totals(decks: list[DeckDTO]) -> dict[uuid.UUID, tuple[int, int, int]]:
    """(new, due, cards) of each deck with its sub-decks; due counts stay within the deck's own limits."""
    children: dict[uuid.UUID | None, list[DeckDTO]] = {}
    for deck in decks:
        children.setdefault(deck.parent_id, []).append(deck)
    totals: dict[uuid.UUID, tuple[int, int, int]] = {}

    def total(deck: DeckDTO, seen: frozenset) -> tuple[int, int, int]:
        new, due, count = deck.new_due, deck.reviews_due, deck.card_count
        for child in children.get(deck.id, []):
            if child.id not in seen:
                child_new, child_due, child_count = total(child, seen | {child.id})
                new, due, count = new + child_new, due + child_due, count + child_count
        totals[deck.id] = (min(new, deck.new_per_day), min(due, deck.reviews_per_day), count)
        return totals[deck.id]

    for deck in decks:
        if deck.id not in totals:
            total(deck, frozenset({deck.id}))
    return totals


class FlashcardsPane(QWidget):
    def __init__(self, services: AppServices, settings: Settings) -> None:
        super().__init__()
        self.services = services
        self.decks: dict[uuid.UUID, DeckDTO] = {}
        self._selected_deck: uuid.UUID | None = None

        self.deck_tree = QTreeWidget()
        self.deck_tree.setHeaderLabels(["Deck", "New", "Due", "Cards"])
        self.deck_tree.header().setStretchLastSection(False)
        self.deck_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            self.deck_tree.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.deck_tree.currentItemChanged.connect(self._deck_changed)
        self.deck_tree.itemActivated.connect(lambda _item, _column: self.study())
        deck_buttons = QHBoxLayout()
        for label, slot in (("New deck", self.new_deck), ("Rename", self.rename_deck), ("Options", self.deck_options),
                            ("Delete", self.delete_deck)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            deck_buttons.addWidget(button)
        exchange = QHBoxLayout()
        for label, slot in (("Import…", self.import_file), ("Export…", self.export_deck)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            exchange.addWidget(button)
        self.study_button = QPushButton("Study now")
        self.study_button.setDefault(True)
        self.study_button.clicked.connect(self.study)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.deck_tree)
        left_layout.addLayout(deck_buttons)
        left_layout.addLayout(exchange)
        left_layout.addWidget(self.study_button)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search cards in this deck (text, or tag:name)")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.refresh_cards)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.model = CardTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column < 2
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _index: self.edit_card())
        card_buttons = QHBoxLayout()
        for label, slot in (("Add card", self.add_card), ("Edit", self.edit_card),
                            ("Suspend / resume", self.toggle_suspended), ("Delete cards", self.delete_cards)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            card_buttons.addWidget(button)
        self.status = QLabel()
        self.status.setWordWrap(True)
        # AI-made cards whose source changed are flagged; this shows just those, and where each came from.
        self.needs_look = QCheckBox("Only cards that need a look")
        self.needs_look.toggled.connect(lambda _checked: self.refresh_cards())
        self.source_bar = CardSourceBar(services)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.source_bar.show_card(current.data(CARD_ROLE) if current.isValid() else None))
        search_line = QHBoxLayout()
        search_line.addWidget(self.search, stretch=1)
        search_line.addWidget(self.needs_look)
        browser = QWidget()
        browser_layout = QVBoxLayout(browser)
        browser_layout.addLayout(search_line)
        browser_layout.addWidget(self.table)
        browser_layout.addWidget(self.source_bar)
        browser_layout.addLayout(card_buttons)
        browser_layout.addWidget(self.status)

        self.review = ReviewView(services, services.flashcards.media_dir)
        self.review.finished.connect(self._end_review)
        self.review.failed.connect(self._show_error)
        self.pages = QStackedWidget()
        self.pages.addWidget(browser)
        self.pages.addWidget(self.review)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setSizes([320, 680])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._timer = QTimer(self, interval=_REFRESH_MS)
        self._timer.timeout.connect(self.refresh_decks)
        self._timer.start()
        self._review_refresh = QTimer(self, singleShot=True, interval=1500)
        self._review_refresh.timeout.connect(self.refresh_decks)
        self.subscription = ChangeSubscription(self, services, self._on_changes, accepts=SHOWN_HERE.overlaps)
        self.refresh_decks()

    # -- decks ----------------------------------------------------------------------------

    def refresh_decks(self) -> None:
        (BackgroundOp.plain(self.services.flashcards.list_decks, parent=self)
         .success(self._decks_arrived).failure(self._show_error).run())

    def _decks_arrived(self, decks: list[DeckDTO]) -> None:
        self.decks = {deck.id: deck for deck in decks}
        selected = self._selected_deck
        self.deck_tree.blockSignals(True)
        self.deck_tree.clear()
        items: dict[uuid.UUID, QTreeWidgetItem] = {}
        totals = _subtree_totals(decks)
        for deck in decks:
            new, due, count = totals[deck.id]
            item = QTreeWidgetItem([deck.name, str(new), str(due), str(count)])
            item.setToolTip(0, deck.name)
            item.setData(0, _DECK_ID_ROLE, deck.id)
            for column in (1, 2, 3):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            items[deck.id] = item
        for deck in decks:
            parent = items.get(deck.parent_id) if deck.parent_id else None
            (parent.addChild if parent else self.deck_tree.addTopLevelItem)(items[deck.id])
        self.deck_tree.expandAll()
        self.deck_tree.blockSignals(False)
        if selected in items:
            self.deck_tree.setCurrentItem(items[selected])
        elif items:
            # Start where there is work: the first deck with cards due, else the first deck.
            due_first = next((items[deck.id] for deck in decks if deck.due_total), None)
            self.deck_tree.setCurrentItem(due_first or self.deck_tree.topLevelItem(0))
        else:
            self._selected_deck = None
            self.model.set_cards([])
            self.status.setText("No decks yet: make one with “New deck”, or import an Anki .apkg or a CSV file.")
        self._show_due_on_sidebar(sum(totals[deck.id][0] + totals[deck.id][1] for deck in decks
                                      if deck.parent_id not in self.decks))

    def _show_due_on_sidebar(self, due: int) -> None:
        window = self.window()
        badge = getattr(window, "set_pane_badge", None)
        if badge is not None:
            badge(PANE_TITLE, due)

    def _deck_changed(self, current: QTreeWidgetItem | None, _previous=None) -> None:
        self._selected_deck = current.data(0, _DECK_ID_ROLE) if current else None
        self.refresh_cards()

    def current_deck(self) -> DeckDTO | None:
        return self.decks.get(self._selected_deck) if self._selected_deck else None

    def _on_changes(self, changes: Changes) -> None:
        if changes.reviews:
            # Reviews come fast; count once the student pauses rather than after every key.
            self._review_refresh.start()
        elif changes.decks:
            self.refresh_decks()
        else:
            self.refresh_cards()

    def _run(self, work, done=None, message: str | None = None, changes: Changes = DECKS) -> None:
        def succeeded(result) -> None:
            if message:
                self.status.setText(message)
            if done:
                done(result)

        ChangeOp.plain(self.services, work, changes=changes, parent=self).success(succeeded).failure(
            self._action_failed).run()

    def new_deck(self) -> None:
        name, ok = QInputDialog.getText(self, "New deck", "Name (sub-decks go inside the selected deck "
                                        "when you start the name with “::”):")
        if not ok or not name.strip():
            return
        parent = self.current_deck() if name.strip().startswith("::") else None
        clean = name.strip().lstrip(":").strip()
        self._run(lambda: self.services.flashcards.create_deck(clean, parent_id=parent.id if parent else None),
                  lambda deck: setattr(self, "_selected_deck", deck.id), f"Made the deck “{clean}”.")

    def rename_deck(self) -> None:
        deck = self.current_deck()
        if deck is None:
            return
        name, ok = QInputDialog.getText(self, "Rename deck", "New name:", text=deck.name)
        if ok and name.strip():
            self._run(lambda: self.services.flashcards.update_deck(deck.id, name=name))

    def deck_options(self) -> None:
        deck = self.current_deck()
        if deck is None:
            return
        dialog = DeckOptionsDialog(self.services, deck, self)
        if dialog.exec():
            values = dialog.values()
            self._run(lambda: self.services.flashcards.update_deck(deck.id, **values), message="Options saved.")

    def delete_deck(self) -> None:
        deck = self.current_deck()
        if deck is None:
            return
        answer = QMessageBox.question(self, "Delete deck", f"Delete “{deck.name}”, its sub-decks and their "
                                      f"{deck.card_count} cards?")
        if answer == QMessageBox.StandardButton.Yes:
            self._selected_deck = None
            self._run(lambda: self.services.flashcards.delete_deck(deck.id), message=f"Deleted “{deck.name}”.",
                      changes=CARDS)

    # -- cards ----------------------------------------------------------------------------

    def refresh_cards(self) -> None:
        deck_id = self._selected_deck
        if deck_id is None:
            self.model.set_cards([])
            return
        text = self.search.text().strip()
        tag = text[4:].strip() if text.startswith("tag:") else None
        search = None if tag is not None else text
        (BackgroundOp.plain(lambda: self.services.flashcards.cards(deck_id, search=search, tag=tag), parent=self)
         .success(lambda cards: self._cards_arrived(deck_id, cards)).failure(self._show_error).run())

    def _cards_arrived(self, deck_id: uuid.UUID, cards: list[CardDTO]) -> None:
        if deck_id != self._selected_deck:
            return
        self.model.set_cards([card for card in cards if card.needs_review_flag] if self.needs_look.isChecked()
                             else cards)
        self.source_bar.show_card(None)
        deck = self.decks.get(deck_id)
        if deck is not None:
            self.status.setText(f"{deck.name}: {deck.card_count} cards, {deck.new_due} new and "
                                f"{deck.reviews_due} reviews due today.")

    def _selected_cards(self) -> list[CardDTO]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return [self.proxy.index(row, 0).data(CARD_ROLE) for row in sorted(rows)]

    def add_card(self) -> None:
        deck = self.current_deck()
        if deck is None:
            QMessageBox.information(self, "No deck", "Make or choose a deck first.")
            return
        dialog = CardDialog(self.services, None, self)
        if dialog.exec():
            draft = dialog.draft()
            self._run(lambda: self.services.flashcards.add_card(deck.id, draft),
                      lambda _card: self.refresh_cards(), "Card added.", CARDS)

    def edit_card(self) -> None:
        selected = self._selected_cards()
        if not selected:
            return
        dialog = CardDialog(self.services, selected[0], self)
        if dialog.exec():
            draft = dialog.draft()
            self._run(lambda: self.services.flashcards.update_card(selected[0].id, draft),
                      lambda _card: self.refresh_cards(), "Card saved.", CARDS)

    def toggle_suspended(self) -> None:
        selected = self._selected_cards()
        if selected:
            suspend = not selected[0].suspended
            self._run(lambda: self.services.flashcards.set_suspended([card.id for card in selected], suspend),
                      lambda _none: self.refresh_cards(), changes=CARDS)

    def delete_cards(self) -> None:
        selected = self._selected_cards()
        if selected and QMessageBox.question(self, "Delete cards", f"Delete {len(selected)} card(s)?") \
                == QMessageBox.StandardButton.Yes:
            self._run(lambda: self.services.flashcards.delete_cards([card.id for card in selected]),
                      lambda _none: self.refresh_cards(), changes=CARDS)

    # -- files ----------------------------------------------------------------------------

    def import_file(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import cards", "", _FILE_FILTER)
        if not path:
            return
        self.status.setText(f"Importing {Path(path).name}…")
        self._run(lambda: self.services.card_exchange.import_file(Path(path)), self._imported, changes=CARDS)

    def _imported(self, report: CardExchangeReport) -> None:
        summary = (f"Imported into {', '.join(report.deck_names)}: {report.added} new, {report.restored} restored, "
                   f"{report.updated} updated, {report.unchanged} already there, {report.media_copied} images.")
        self.status.setText(summary)
        if report.skipped:
            box = QMessageBox(QMessageBox.Icon.Information, "Some notes were not imported",
                              f"{summary}\n\n{len(report.skipped)} could not be imported; see the details.",
                              QMessageBox.StandardButton.Ok, self)
            box.setDetailedText("\n".join(report.skipped))
            box.open()

    def export_deck(self, path: str | None = None) -> None:
        deck = self.current_deck()
        if deck is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export deck", f"{deck.name}.apkg",
                                                  "Anki package (*.apkg);;CSV (*.csv)")
        if path:
            (BackgroundOp.plain(lambda: self.services.card_exchange.export_deck(deck.id, Path(path)), parent=self)
             .success(lambda report: self.status.setText(f"Exported {report.added} cards to {path}."))
             .failure(self._action_failed).run())

    # -- review ---------------------------------------------------------------------------

    def study(self) -> None:
        deck = self.current_deck()
        if deck is None:
            return
        self.pages.setCurrentWidget(self.review)
        self.review.start(deck.id, deck.name)

    def _end_review(self) -> None:
        self.pages.setCurrentIndex(0)
        self.refresh_decks()
        self.refresh_cards()

    def _show_error(self, error: BaseException) -> None:
        """A background refresh failed: say so in the pane, without interrupting the student."""
        self.status.setText(user_message(error))

    def _action_failed(self, error: BaseException) -> None:
        """Something the student asked for failed: tell them in a dialog."""
        self._show_error(error)
        if self.isVisible():
            QMessageBox.warning(self, "Flashcards", self.status.text())
