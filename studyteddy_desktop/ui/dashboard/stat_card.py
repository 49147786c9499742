"""A stat card: a big number, what it counts, and an optional hint line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class StatCard(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Palette roles only, so the card follows the light or dark system scheme.
        self.setStyleSheet("QFrame#statCard { background: palette(base); border: 1px solid palette(mid);"
                           " border-radius: 8px; }")
        self.value_label = QLabel("–")
        self.value_label.setStyleSheet("font-size: 22pt; font-weight: 600; border: none;")
        self.caption_label = QLabel(caption)
        self.caption_label.setStyleSheet("border: none;")
        self.hint_label = QLabel()
        self.hint_label.setStyleSheet("border: none; color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        for label in (self.value_label, self.caption_label, self.hint_label):
            label.setAlignment(Qt.AlignmentFlag.AlignLeft)
            layout.addWidget(label)
        self.setAccessibleName(caption)

    def set_value(self, value: str, hint: str = "", *, warn: bool = False) -> None:
        self.value_label.setText(value)
        self.hint_label.setText(hint)
        self.hint_label.setStyleSheet("border: none; color: #e0533d;" if warn
                                      else "border: none; color: palette(placeholder-text);")
        self.setAccessibleDescription(f"{value} {self.caption_label.text()} {hint}".strip())

    @property
    def value(self) -> str:
        return self.value_label.text()
