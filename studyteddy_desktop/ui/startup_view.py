"""What the window shows while the services start, or why they could not."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from studyteddy_desktop.ui.app_icon import app_icon


class StartupView(QWidget):
    retry_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startupView")
        self._logo = QLabel()
        self._logo.setPixmap(app_icon().pixmap(96, 96))
        self._logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._title = QLabel("Starting Study Teddy…")
        title_font = QFont(self._title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.6)
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._step = QLabel("Getting things ready")
        self._step.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._step.setWordWrap(True)
        self._bar = QProgressBar()
        self._bar.setRange(0, 100)
        self._bar.setTextVisible(False)
        self._bar.setFixedWidth(360)
        self._details = QPlainTextEdit()
        self._details.setReadOnly(True)
        self._details.setMaximumHeight(220)
        self._details.setMinimumWidth(520)
        self._details.hide()
        self._retry = QPushButton("&Try again")
        self._retry.clicked.connect(self.retry_requested.emit)
        self._quit = QPushButton("&Quit")
        self._quit.clicked.connect(self.quit_requested.emit)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self._retry)
        buttons.addWidget(self._quit)
        buttons.addStretch()
        self._retry.hide()
        self._quit.hide()

        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(self._logo)
        layout.addWidget(self._title)
        layout.addWidget(self._step)
        layout.addWidget(self._bar, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._details, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(buttons)
        layout.addStretch()

    def show_progress(self, step: str, fraction: float) -> None:
        self._title.setText("Starting Study Teddy…")
        self._step.setText(step)
        self._bar.show()
        self._bar.setValue(round(fraction * 100))
        self._details.hide()
        self._retry.hide()
        self._quit.hide()

    def show_failure(self, message: str, details: str) -> None:
        self._title.setText("Study Teddy could not start")
        self._step.setText(message)
        self._bar.hide()
        self._details.setPlainText(details)
        self._details.setVisible(bool(details))
        self._retry.show()
        self._quit.show()
        self._retry.setFocus()

    @property
    def step_text(self) -> str:
        return self._step.text()
