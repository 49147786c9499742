"""The Documents pane with the real services and worker: import, live status, search, source view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.ui.panes.documents_pane import DocumentsPane
from tests.document_samples import text_pdf
from tests.ui.live_documents_pane import live_documents_pane

# Words no other test's documents contain: the session database is shared with them.
CELL_ENERGY_PAGES = [
    "Glycolysis splits glucose in the cytoplasm of the quorvant cell line.",
    "Fermentation regenerates NAD+ when oxygen is scarce in quorvant cultures.",
    "The zelphic shuttle carries electrons into the mitochondrial matrix of quorvant cells.",
]


@pytest.fixture()
def pane(qtbot, endpoints: RuntimeEndpoints, session_data_dir) -> Iterator[DocumentsPane]:
    def delete_mine(services: AppServices) -> None:
        for document in services.documents.list_documents():
            if document.original_filename == "cell energy.pdf":
                services.documents.delete(document.id)

    with live_documents_pane(qtbot, endpoints, session_data_dir, clean_up=delete_mine) as widget:
        yield widget


def _row_status(pane: DocumentsPane, title: str) -> str | None:
    for row in range(pane.model.rowCount()):
        document = pane.model.document_at(row)
        if document.title == title:
            return document.status
    return None


def test_import_shows_the_row_at_once_then_ready_and_search_opens_the_page(qtbot, pane, tmp_path):
    pdf = text_pdf(tmp_path / "cell energy.pdf", CELL_ENERGY_PAGES)
    pane.import_paths([pdf])
    qtbot.waitUntil(lambda: _row_status(pane, "cell energy") is not None, timeout=10_000)
    qtbot.waitUntil(lambda: _row_status(pane, "cell energy") == "ready", timeout=120_000)
    assert pane.table.isVisible() and not pane.empty_hint.isVisible()

    pane.search_box.setText("zelphic shuttle")
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.results.count() > 0, timeout=120_000)
    first = pane.results.item(0)
    assert first.text().startswith("cell energy — p. 3")
    pane.results.itemActivated.emit(first)
    qtbot.waitUntil(lambda: pane.detail.detail is not None
                    and pane.detail.detail.document.title == "cell energy", timeout=10_000)
    qtbot.waitUntil(lambda: "zelphic" in pane.detail.highlighted_text(), timeout=10_000)
    assert "— Page 3 —" in pane.detail.text.toPlainText()

    # The document's summary arriving re-shows it; the passage must stay highlighted.
    from studyteddy_desktop.ui import background_op

    pane._document_changed(pane.selected_document())
    qtbot.waitUntil(lambda: not background_op._live_ops, timeout=10_000)
    assert "zelphic" in pane.detail.highlighted_text()


def test_unsupported_files_are_reported_and_nothing_is_added(qtbot, pane, tmp_path):
    from studyteddy_desktop.ui import background_op

    (tmp_path / "photo.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 50)
    # The pane's first listing may still be on its way; count only once it has arrived.
    qtbot.waitUntil(lambda: not background_op._live_ops, timeout=10_000)
    before = pane.model.rowCount()
    pane.import_paths([tmp_path / "photo.pdf"])
    qtbot.waitUntil(lambda: pane.status_line.text().startswith("Added 0"), timeout=10_000)
    assert pane.model.rowCount() == before


def test_an_empty_library_shows_a_friendly_hint(qtbot, pane):
    pane._show_documents([])
    assert pane.empty_hint.isVisible() and not pane.table.isVisible()
    assert "Ctrl+O" in pane.empty_hint.text()


def test_an_empty_search_hides_the_results(qtbot, pane):
    pane.search_box.setText("   ")
    pane.run_search()
    assert not pane.results.isVisible()


def test_dropping_a_folder_imports_the_documents_inside(qtbot, pane, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    folder = tmp_path / "dropped"
    folder.mkdir()
    (folder / "vortal notes.md").write_text("# Vortal notes\n\nThe vortal gland is imaginary.\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    pane.dropEvent(event)
    qtbot.waitUntil(lambda: _row_status(pane, "vortal notes") is not None, timeout=10_000)
    qtbot.waitUntil(lambda: _row_status(pane, "vortal notes") == "ready", timeout=120_000)
    document_id = pane.model.document_at(pane.model.row_of_title("vortal notes")).id
    pane.services.documents.delete(document_id)


def _listed(title: str, status: str, reason: str | None = None, progress: float = 0.0):
    import uuid
    from datetime import UTC, datetime

    from studyteddy_desktop.domain.document_dto import DocumentDTO

    return DocumentDTO(id=uuid.uuid4(), title=title, original_filename=f"{title}.pdf", status=status,
                       status_reason=reason, progress=progress, page_count=None, chunk_count=0,
                       size_bytes=1000, subject=None, format_name="PDF", paged=True,
                       created_at=datetime.now(UTC), indexed_at=None, source_path=None, summary=None,
                       key_concepts=())


def test_the_problem_column_shows_only_when_a_document_has_a_problem(qtbot, pane):
    from studyteddy_desktop.ui.documents.document_table_model import PROBLEM_COLUMN

    pane._show_documents([_listed("Genetics revision pack", "ready")])
    assert pane.table.isColumnHidden(PROBLEM_COLUMN)
    pane._show_documents([_listed("Genetics revision pack", "ready"),
                          _listed("scan", "no_text", "This document has no text layer to read.")])
    assert not pane.table.isColumnHidden(PROBLEM_COLUMN)


def test_the_status_column_fits_the_whole_progress_text(qtbot, pane):
    from studyteddy_desktop.ui.documents.document_table_model import STATUS_COLUMN

    pane._show_documents([_listed("Genetics revision pack", "embedding", progress=0.38)])
    qtbot.waitUntil(lambda: pane.table.columnWidth(STATUS_COLUMN) > 0, timeout=5_000)
    row = pane.proxy.index(0, STATUS_COLUMN)
    text_width = pane.table.fontMetrics().horizontalAdvance(f"{row.data()} 100%")
    assert pane.table.columnWidth(STATUS_COLUMN) >= text_width + 16



def test_the_page_count_shows_while_indexing_not_only_at_the_end(qtbot, pane, tmp_path):
    from studyteddy_desktop.ui.documents.document_table_model import WORKING_STATUSES
    from tests.document_samples import long_pdf

    # Named like the fixture's documents, so that it is deleted afterwards.
    pane.import_paths([long_pdf(tmp_path / "cell energy.pdf", 120)])
    qtbot.waitUntil(lambda: _row_status(pane, "cell energy") is not None, timeout=10_000)

    counted_while_working = []

    def counted_or_finished() -> bool:
        document = pane.model.document_at(pane.model.row_of_title("cell energy"))
        if document is not None and document.page_count == 120 and document.status in WORKING_STATUSES:
            counted_while_working.append(True)
            return True
        return document is not None and document.status == "ready"

    qtbot.waitUntil(counted_or_finished, timeout=120_000)
    assert counted_while_working, "the page count showed only once indexing had ended"
    qtbot.waitUntil(lambda: _row_status(pane, "cell energy") == "ready", timeout=120_000)
