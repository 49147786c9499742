"""The Documents pane's table: sortable, one row selected, a progress bar in the status column."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from studyteddy_desktop.ui.documents.document_table_model import PROBLEM_COLUMN, STATUS_COLUMN
from studyteddy_desktop.ui.documents.status_delegate import StatusProgressDelegate


def document_table(proxy: QSortFilterProxyModel) -> QTableView:
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setItemDelegateForColumn(STATUS_COLUMN, StatusProgressDelegate(table))
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # Title and the problem text share what is left; a long reason wraps into its tooltip.
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(PROBLEM_COLUMN, QHeaderView.ResizeMode.Stretch)
    return table
