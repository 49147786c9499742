"""Documents: import (dialog or drag and drop), watch indexing live, search, and read the source."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMessageBox, QSplitter,
                               QToolBar, QVBoxLayout, QWidget)

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.document_dto import DocumentDTO, ImportOutcome
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.job_queue import DIGEST_JOB_KIND, INDEX_JOB_KIND
from studyteddy_desktop.services.documents.document_library import IMPORT_TURNED_OFF
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp, user_message
from studyteddy_desktop.ui.change_broadcast import (JOB_DONE, JOB_FAILED, JOB_PROGRESS, JOB_STARTED,
                                                    ChangeSubscription, broadcaster_for)
from studyteddy_desktop.ui.documents.card_making import CardMaker
from studyteddy_desktop.ui.documents.document_detail_view import DocumentDetailView
from studyteddy_desktop.ui.documents.search_panel import DocumentSearchPanel
from studyteddy_desktop.ui.documents.document_table_model import (DOCUMENT_ROLE, PROBLEM_COLUMN, WORKING_STATUSES,
                                                                 DocumentTableModel)
from studyteddy_desktop.ui.documents.document_table_view import document_table

if TYPE_CHECKING:
    from studyteddy_desktop.domain.events import WorkerEvent
    from studyteddy_desktop.services.app_services import AppServices

_FILE_FILTER = "Documents (*.pdf *.docx *.md *.markdown *.txt *.text *.html *.htm *.rst *.tex *.csv);;All files (*)"
_EMPTY_HINT = ("<p style='font-size:13pt'><b>Your library is empty.</b></p>"
               "<p>Drop PDFs, Word files or notes here, or press <b>Ctrl+O</b> to import.<br>"
               "Study Teddy reads them on your computer and finds the right page when you ask.</p>")
DOCUMENTS = Changes(documents=True)


class DocumentsPane(QWidget):
    def __init__(self, services: AppServices, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentsPane")
        self.services = services
        self.setAcceptDrops(True)
        self.model = DocumentTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.EditRole)
        self.table = document_table(self.proxy)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.table.doubleClicked.connect(lambda _index: self._unlock_if_needed())
        self.empty_hint = QLabel(_EMPTY_HINT)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)

        self.search = DocumentSearchPanel(services)
        self.search.passage_requested.connect(self.open_passage)
        self.search.said.connect(self._say)
        # The pane's own names for them, as its tests and the window's shortcuts use them.
        self.search_box, self.results = self.search.search_box, self.search.results
        self.status_line = QLabel()
        self.detail = DocumentDetailView()
        self._pending_reveal: tuple[int, int, int | None] | None = None
        # The passage highlighted in the document on screen, kept when that document is refreshed.
        self._revealed: tuple[uuid.UUID, tuple[int, int, int | None]] | None = None
        self._detail_request = 0

        self.toolbar = QToolBar()
        self.actions: dict[str, QAction] = {}
        for key, text, shortcut, slot in (
                ("import", "Import files…", QKeySequence.StandardKey.Open, self.choose_files),
                ("folder", "Import folder…", None, self.choose_folder),
                ("retry", "Retry", None, self.retry_selected),
                ("cancel", "Cancel", None, self.cancel_selected),
                ("unlock", "Unlock…", None, self._unlock_if_needed),
                ("subject", "Subject…", None, self.set_subject_of_selected),
                ("cards", "Make flashcards…", "Ctrl+M", self.make_flashcards),
                ("delete", "Delete", QKeySequence.StandardKey.Delete, self.delete_selected)):
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
                action.setToolTip(f"{text} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
            action.triggered.connect(slot)
            self.toolbar.addAction(action)
            self.actions[key] = action
        if not services.policy.document_import_enabled:
            for key in ("import", "folder"):
                self.actions[key].setEnabled(False)
                self.actions[key].setToolTip(f"Set by your school: {IMPORT_TURNED_OFF}")
        # Ctrl+O works anywhere in the window while this pane shows; Delete only in the table,
        # so pressing it in the search box never deletes a document.
        self.actions["import"].setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(self.actions["import"])
        self.actions["delete"].setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(self.actions["delete"])
        # Right-click on a document or on selected text offers the same "Make flashcards…".
        self.card_maker = CardMaker(self.services, self, self._say)
        self.table.addAction(self.actions["cards"])
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.detail.text.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.detail.text.customContextMenuRequested.connect(self._detail_menu)
        find = QAction(self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        find.triggered.connect(self.search.focus_search)
        self.addAction(find)

        left = QVBoxLayout()
        left.addWidget(self.search, stretch=2)
        left.addWidget(self.table, stretch=3)
        left.addWidget(self.empty_hint, stretch=3)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([620, 380])
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<h2>Documents</h2>"))
        heading.addStretch()
        heading.addWidget(self.status_line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.addLayout(heading)
        layout.addWidget(self.toolbar)
        layout.addWidget(splitter, stretch=1)
        self._update_actions()
        self.subscription = ChangeSubscription(self, services, lambda _changes: self.refresh(),
                                               accepts=self._changed_elsewhere)
        broadcaster_for(services).worker_event.connect(self.on_worker_event)
        self.refresh()

    # -- loading ----------------------------------------------------------------------

    def refresh(self) -> None:
        BackgroundOp.plain(self.services.documents.list_documents, parent=self).success(self._show_documents).run()

    def _changed_elsewhere(self, changes: Changes) -> bool:
        # The worker's events and this pane's own writes update single rows, keeping the selection;
        # a whole new list is only for documents changed by another pane.
        return changes.documents and not changes.from_worker and changes.initiator is not self

    def _show_documents(self, documents: list[DocumentDTO]) -> None:
        self.model.set_documents(documents)
        # An empty Problem column would take half the room the titles need.
        self.table.setColumnHidden(PROBLEM_COLUMN, not any(doc.status_reason for doc in documents))
        self._update_empty_state()
        if documents and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        self._update_actions()

    def _update_empty_state(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_hint.setVisible(empty)
        self.table.setVisible(not empty)

    def selected_document(self) -> DocumentDTO | None:
        index = self.table.currentIndex()
        return index.data(DOCUMENT_ROLE) if index.isValid() else None

    def select_document(self, document_id: uuid.UUID) -> None:
        row = self.model.row_of(document_id)
        if row >= 0:
            self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))

    def _show_selected(self) -> None:
        self._update_actions()
        document = self.selected_document()
        reveal, self._pending_reveal = self._pending_reveal, None
        if document is None:
            self._revealed = None
            self.detail.clear()
            return
        # A summary finishing (or any change) re-shows the document; the passage stays highlighted.
        if reveal is None and self._revealed is not None and self._revealed[0] == document.id:
            reveal = self._revealed[1]
        self._revealed = (document.id, reveal) if reveal is not None else None
        # Only the newest request may fill the view; an older answer arriving late is dropped.
        self._detail_request += 1
        request = self._detail_request

        def shown(detail) -> None:
            if request != self._detail_request:
                return
            self.detail.show_detail(detail)
            if reveal is not None:
                self.detail.reveal(*reveal)

        BackgroundOp.plain(lambda: self.services.documents.detail(document.id), parent=self).success(shown).run()

    def _update_actions(self) -> None:
        document = self.selected_document()
        status = document.status if document else None
        self.actions["retry"].setEnabled(status in {"failed", "cancelled", "no_text", "needs_password"})
        self.actions["cancel"].setEnabled(status in WORKING_STATUSES)
        self.actions["unlock"].setEnabled(status == "needs_password")
        self.actions["delete"].setEnabled(document is not None)
        self.actions["subject"].setEnabled(document is not None)
        self.actions["cards"].setEnabled(status == "ready")

    # -- importing --------------------------------------------------------------------

    def choose_files(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(self, "Import documents", str(Path.home()), _FILE_FILTER)
        if files:
            self.import_paths([Path(name) for name in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder", str(Path.home()))
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, paths: list[Path]) -> None:
        from studyteddy_desktop.services.documents.document_library import expand_import_paths

        if not self.services.policy.document_import_enabled:
            self._say(IMPORT_TURNED_OFF)
            return
        files = list(expand_import_paths(paths))
        if not files:
            self._say("Nothing to import: Study Teddy reads PDF, Word, web pages, Markdown and text files.")
            return
        self._say(f"Importing {len(files)} file{'s' if len(files) != 1 else ''}…")

        def import_all(progress) -> list[tuple[Path, ImportOutcome | StudyTeddyError]]:
            outcomes: list[tuple[Path, ImportOutcome | StudyTeddyError]] = []
            for number, path in enumerate(files, start=1):
                progress(f"Copying {path.name}", number / len(files))
                try:
                    outcomes.append((path, self.services.documents.import_file(path)))
                except StudyTeddyError as error:
                    outcomes.append((path, error))
            return outcomes

        (ChangeOp(self.services, import_all, changes=DOCUMENTS, parent=self)
         .with_progress(lambda step, _fraction: self._say(step))
         .success(self._imported).run())

    def _imported(self, outcomes: list[tuple[Path, ImportOutcome | StudyTeddyError]]) -> None:
        problems = [f"{path.name}: {result.message}" for path, result in outcomes
                    if isinstance(result, StudyTeddyError)]
        duplicates = [path.name for path, result in outcomes if isinstance(result, ImportOutcome) and result.duplicate]
        for _path, result in outcomes:
            if isinstance(result, ImportOutcome):
                self.model.upsert(result.document)
        self._update_empty_state()
        added = len(outcomes) - len(problems) - len(duplicates)
        summary = f"Added {added} document{'s' if added != 1 else ''}."
        if duplicates:
            summary += f" Already in your library: {', '.join(duplicates)}."
        self._say(summary)
        if problems:
            box = QMessageBox(QMessageBox.Icon.Warning, "Some files were not imported",
                              f"{len(problems)} file{'s' if len(problems) != 1 else ''} could not be imported.",
                              QMessageBox.StandardButton.Ok, self)
            box.setDetailedText("\n".join(problems))
            box.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # -- actions on the selected document ---------------------------------------------

    def _run_on_selected(self, work, done_message: str) -> None:
        document = self.selected_document()
        if document is None:
            return

        def finished(updated: DocumentDTO | None) -> None:
            if updated is None:
                self.model.remove(document.id)
                self.detail.clear()
            else:
                self.model.upsert(updated)
            self._update_empty_state()
            self._update_actions()
            self._say(done_message.format(title=document.title))

        (ChangeOp.plain(self.services, lambda: work(document), changes=DOCUMENTS, parent=self)
         .success(finished).failure(lambda error: self._say(user_message(error))).run())

    def retry_selected(self) -> None:
        self._run_on_selected(lambda d: self.services.documents.retry(d.id), "Indexing “{title}” again.")

    def cancel_selected(self) -> None:
        self._run_on_selected(lambda d: self.services.documents.cancel(d.id), "Cancelled “{title}”.")

    def delete_selected(self) -> None:
        document = self.selected_document()
        if document is None:
            return
        answer = QMessageBox.question(
            self, "Delete document",
            f"Delete “{document.title}” from your library? Its passages leave search and the Tutor.")
        if answer == QMessageBox.StandardButton.Yes:
            self._run_on_selected(lambda d: self.services.documents.delete(d.id), "Deleted “{title}”.")

    def set_subject_of_selected(self) -> None:
        document = self.selected_document()
        if document is None:
            return
        subject, accepted = QInputDialog.getText(self, "Subject", f"Subject of “{document.title}”:",
                                                 text=document.subject or "")
        if accepted:
            self._run_on_selected(lambda d: self.services.documents.set_subject(d.id, subject),
                                  "Updated the subject of “{title}”.")

    def _unlock_if_needed(self) -> None:
        document = self.selected_document()
        if document is None or document.status != "needs_password":
            return
        password, accepted = QInputDialog.getText(
            self, "Password needed", f"“{document.title}” is protected. Enter its password:",
            QLineEdit.EchoMode.Password)
        if accepted and password:
            self._run_on_selected(lambda d: self.services.documents.unlock(d.id, password),
                                  "Unlocking “{title}”…")

    def make_flashcards(self) -> None:
        document = self.selected_document()
        if document is None:
            return
        shown = self.detail.detail is not None and self.detail.detail.document.id == document.id
        selection = self.detail.selected_range() if shown else None
        self.card_maker.start(document, selection, self.detail.text.textCursor().selectedText() if selection else "")

    def _detail_menu(self, position) -> None:
        menu = self.detail.text.createStandardContextMenu(position)
        menu.addSeparator()
        menu.addAction(self.actions["cards"])
        menu.exec(self.detail.text.mapToGlobal(position))
        menu.deleteLater()

    # -- search -----------------------------------------------------------------------

    def run_search(self) -> None:
        self.search.run_search()

    def open_passage(self, document_id: uuid.UUID, char_start: int, char_end: int, page: int | None) -> bool:
        """Select the document and show the passage highlighted (a search hit, a tutor source)."""
        self._pending_reveal = (char_start, char_end, page)
        selected = self.selected_document()
        if selected is not None and selected.id == document_id:
            self._show_selected()
        elif self.model.row_of(document_id) >= 0:
            self.select_document(document_id)
        else:
            self._pending_reveal = None
            self._say("That document is no longer in your library.")
            return False
        return True

    # -- live updates -----------------------------------------------------------------

    def on_worker_event(self, event: WorkerEvent) -> None:
        document_id = event.data.get("document_id")
        if event.data.get("kind") not in (INDEX_JOB_KIND, DIGEST_JOB_KIND) or not document_id:
            return
        identifier = uuid.UUID(document_id)
        if event.kind == JOB_PROGRESS and event.progress is not None:
            if event.data.get("kind") != INDEX_JOB_KIND:
                return  # a ready document's summary being written is not indexing progress
            self.model.show_progress(identifier, event.progress)
            listed = self.model.document_at(self.model.row_of(identifier))
            # The page count is known once reading starts; show it then, not only when indexing ends.
            if listed is not None and listed.page_count is None:
                self._reload(identifier)
        elif event.kind in (JOB_DONE, JOB_FAILED, JOB_STARTED):
            self._reload(identifier)

    def _reload(self, document_id: uuid.UUID) -> None:
        (BackgroundOp.plain(lambda: self.services.documents.get(document_id), parent=self)
         .success(self._document_changed).failure(lambda _error: self.model.remove(document_id)).run())

    def _document_changed(self, document: DocumentDTO) -> None:
        self.model.upsert(document)
        self._update_empty_state()
        selected = self.selected_document()
        if selected is not None and selected.id == document.id:
            self._show_selected()

    def _say(self, text: str) -> None:
        self.status_line.setText(text)

