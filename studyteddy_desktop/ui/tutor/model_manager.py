"""Settings → Tutor model: the models on disk, the one in use, its context size and threads."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyteddy_desktop.domain.tutor_dto import LanguageModelDTO, LanguageModelSettings
from studyteddy_desktop.services.tutor.language_models import CONTEXT_SIZES, THREAD_RANGE
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

_FILTER = "GGUF models (*.gguf);;All files (*)"


def _size(size_bytes: int) -> str:
    if size_bytes >= 1024 ** 3:
        return f"{size_bytes / 1024 ** 3:.1f} GB"
    return f"{size_bytes / 1024 ** 2:.0f} MB"


class LanguageModelBox(QGroupBox):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Tutor model", parent)
        self.services = services
        self.models: list[LanguageModelDTO] = []
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Model", "Size", "Source", "Status"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(120)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = QPushButton("&Add GGUF model…")
        self.add_button.setToolTip("Use a GGUF model file from your disk; it stays where it is")
        self.add_button.clicked.connect(self.choose_file)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setToolTip("Forget the selected model (the file is not deleted)")
        self.remove_button.clicked.connect(self.remove_selected)

        self.model_combo = QComboBox()
        self.context_combo = QComboBox()
        for size in CONTEXT_SIZES:
            self.context_combo.addItem(f"{size:,} tokens", size)
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(*THREAD_RANGE)
        self.threads_spin.setToolTip("CPU threads the model may use while it writes")
        self.save_button = QPushButton("Sa&ve model settings")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Controls the school's policy fixes are greyed and say so.
        self.policy_note = QLabel("Set by your school")
        self.policy_note.setObjectName("modelPolicyNote")
        models = services.language_models
        if not models.adding_allowed:
            self.add_button.setEnabled(False)
            self.add_button.setToolTip("Your school has turned off adding tutor models")
        pinned = services.policy.language_model_file is not None
        if pinned:
            self.model_combo.setEnabled(False)
            self.model_combo.setToolTip("Your school chose the model the tutor uses")
        self.policy_note.setVisible(not models.adding_allowed or pinned)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.policy_note)
        buttons.addStretch()
        form = QFormLayout()
        form.addRow("Model in &use:", self.model_combo)
        form.addRow("&Context size:", self.context_combo)
        form.addRow("&Threads:", self.threads_spin)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.message, stretch=1)
        form.addRow("", save_row)
        layout = QVBoxLayout(self)
        about = QLabel("The tutor writes with this model on your computer. Larger models answer better "
                       "but need more memory and time; larger contexts remember more of the chat.")
        about.setWordWrap(True)
        layout.addWidget(about)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addLayout(form)
        self.reload()

    # -- showing ----------------------------------------------------------------------

    def reload(self) -> None:
        models = self.services.language_models
        (BackgroundOp.plain(lambda: (models.list_models(), models.settings()), parent=self)
         .success(lambda result: self._show(*result)).failure(self._refused).run())

    def _show(self, models: list[LanguageModelDTO], settings: LanguageModelSettings) -> None:
        self.models = models
        self.table.setRowCount(len(models))
        self.model_combo.clear()
        for row, model in enumerate(models):
            status = f"⚠ {model.problem}" if model.problem else ("✔ In use" if model.active else "Ready")
            cells = (model.name, _size(model.size_bytes), "bundled" if model.bundled else "added", status)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(model.path)
                self.table.setItem(row, column, item)
            if model.problem is None:
                self.model_combo.addItem(model.name, None if model.bundled else model.path)
                if model.active:
                    self.model_combo.setCurrentIndex(self.model_combo.count() - 1)
        self.context_combo.setCurrentIndex(max(0, self.context_combo.findData(settings.context_size)))
        self.threads_spin.setValue(settings.threads)
        self._update_buttons()

    def selected_model(self) -> LanguageModelDTO | None:
        row = self.table.currentRow()
        return self.models[row] if 0 <= row < len(self.models) and self.table.selectedItems() else None

    def _update_buttons(self) -> None:
        model = self.selected_model()
        self.remove_button.setEnabled(model is not None and not model.bundled)

    # -- changing ---------------------------------------------------------------------

    def choose_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, "Add a GGUF model", str(Path.home()), _FILTER)
        if name:
            self.add_path(Path(name))

    def add_path(self, path: Path) -> None:
        self._say(f"Checking {path.name}…")

        def added(model: LanguageModelDTO) -> None:
            self._say(f"Added {model.name}. Choose it under “Model in use” and save to use it.")
            self.reload()

        (BackgroundOp.plain(lambda: self.services.language_models.add_model(path), parent=self)
         .success(added).failure(self._refused).run())

    def remove_selected(self) -> None:
        model = self.selected_model()
        if model is None or model.bundled:
            return

        def removed(_result: None) -> None:
            self._say(f"Removed {model.name}." + (" The tutor uses the bundled model again." if model.active else ""))
            self.reload()

        (BackgroundOp.plain(lambda: self.services.language_models.remove_model(model.path), parent=self)
         .success(removed).failure(self._refused).run())

    def save(self) -> None:
        chosen = LanguageModelSettings(model_path=self.model_combo.currentData(),
                                       context_size=self.context_combo.currentData(),
                                       threads=self.threads_spin.value())

        def saved(_settings: LanguageModelSettings) -> None:
            self._say("Saved. The next answer uses these settings.")
            self.reload()

        models = self.services.language_models

        def store() -> LanguageModelSettings:
            # A pinned model stays in use: only the context size and threads are the student's.
            pinned = models.pinned_model() is not None
            return models.set_settings(dataclasses.replace(chosen, model_path=models.settings().model_path)
                                       if pinned else chosen)

        (BackgroundOp.plain(store, parent=self)
         .success(saved).failure(self._refused).run())

    def _refused(self, error: BaseException) -> None:
        self._say(f"⚠ {user_message(error)}", problem=True)

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("problem", problem)
