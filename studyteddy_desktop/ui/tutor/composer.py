"""Where the student writes: the question, the mode, the scope, general knowledge, and Send or Stop."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studyteddy_desktop.domain.tutor_dto import LanguageModelDTO
from studyteddy_desktop.ui.tutor.policy_gate import TutorPolicyGate
from studyteddy_desktop.ui.tutor.question_edit import QuestionEdit
from studyteddy_desktop.ui.tutor.scope_picker import ScopePicker

MODES = (("Explain", "explain"), ("Quiz me", "quiz"), ("Summarise a document", "summarise"))
_PLACEHOLDERS = {
    "explain": "Ask about your documents… (Enter sends, Shift+Enter for a new line)",
    "quiz": "What should I quiz you on? Answer my questions here, and I'll give feedback. (Enter sends)",
    "summarise": "Optional: what the summary should focus on. (Enter sends)",
}
SUMMARY_NEEDS_ONE = "Summarise works on one document: pick it under “Answer from”."
GENERAL_KNOWLEDGE_OPTION = "Also answer from &general knowledge"
BUNDLED_TOO_SMALL = ("The bundled model is too small to answer from general knowledge without inventing; "
                     "add a larger model in the model manager.")
MODEL_TOO_SMALL = ("The model in use is too small to answer from general knowledge without inventing; "
                   "add a larger model in the model manager.")


class Composer(QWidget):
    send_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, refusal: Callable[[], str | None] = lambda: None) -> None:
        """`refusal` says why the school's policy does not let the student ask now, or None."""
        super().__init__(parent)
        # Why the school's policy does not let the student ask now, while it does not.
        self.blocked_reason: str | None = None
        self.question_edit = QuestionEdit()
        self.question_edit.submitted.connect(self.send_requested)
        self.mode_combo = QComboBox()
        self.mode_combo.setToolTip("What the tutor should do")
        for label, mode in MODES:
            self.mode_combo.addItem(label, mode)
        self.mode_combo.currentIndexChanged.connect(lambda _index: self._mode_changed())
        self.scope_picker = ScopePicker()
        self.scope_picker.scope_changed.connect(self._mode_changed)
        self.general_knowledge_box = QCheckBox(GENERAL_KNOWLEDGE_OPTION)
        self.set_language_model(None)
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(False)
        self.send_button.setToolTip("Send the question (Enter)")
        self.send_button.clicked.connect(self.send_requested)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop writing this answer (Esc)")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        self.message = QLabel()
        self.message.setObjectName("composerMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        mode_label = QLabel("&Mode:")
        mode_label.setBuddy(self.mode_combo)
        scope_label = QLabel("Answer &from:")
        scope_label.setBuddy(self.scope_picker)
        options = QHBoxLayout()
        options.addWidget(mode_label)
        options.addWidget(self.mode_combo)
        options.addSpacing(12)
        options.addWidget(scope_label)
        options.addWidget(self.scope_picker, stretch=1)
        options.addStretch()
        row = QHBoxLayout()
        row.addWidget(self.question_edit, stretch=1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch()
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(options)
        layout.addLayout(row)
        # Below the question, on its own: the options row has no room left in a narrow window.
        layout.addWidget(self.general_knowledge_box)
        self.policy_gate = TutorPolicyGate(self, refusal)

    def question(self) -> str:
        return self.question_edit.toPlainText()

    def mode(self) -> str:
        return self.mode_combo.currentData()

    def set_mode(self, mode: str) -> None:
        index = self.mode_combo.findData(mode)
        if index >= 0:
            self.mode_combo.setCurrentIndex(index)

    def general_knowledge(self) -> bool:
        """Whether the student asked that a question the documents do not cover be answered anyway."""
        return self.general_knowledge_box.isEnabled() and self.general_knowledge_box.isChecked()

    def set_language_model(self, model: LanguageModelDTO | None) -> None:
        """Only a model the model manager marks as able may answer from general knowledge."""
        able = model is not None and model.general_knowledge
        box = self.general_knowledge_box
        box.setEnabled(able and self.blocked_reason is None)
        if not able:
            box.setChecked(False)
            why = MODEL_TOO_SMALL if model is not None and not model.bundled else BUNDLED_TOO_SMALL
            box.setToolTip(why)
            box.setAccessibleDescription(why)
            return
        tip = (f"When your documents do not cover a question, {model.name} answers from what it knows; "
               "that text is labelled as not from your documents.")
        box.setToolTip(tip)
        box.setAccessibleDescription(tip)

    def set_blocked(self, reason: str | None) -> None:
        """Grey out asking while the school's policy does not allow it, saying why; None lifts it."""
        self.blocked_reason = reason
        for control in (self.question_edit, self.send_button, self.mode_combo, self.scope_picker):
            control.setEnabled(reason is None)
        if reason is not None:
            self.general_knowledge_box.setEnabled(False)
        self.say(reason or "")

    def set_generating(self, generating: bool) -> None:
        self.send_button.setVisible(not generating)
        self.stop_button.setVisible(generating)

    def say(self, text: str, *, problem: bool = False) -> None:
        self.message.setText(("⚠  " if problem and text else "") + text)
        self.message.setProperty("problem", problem)
        self.message.setVisible(bool(text))

    def summary_problem(self) -> str | None:
        """Why a summary cannot be asked for with this scope, or None."""
        document_ids, _subject = self.scope_picker.scope()
        return SUMMARY_NEEDS_ONE if self.mode() == "summarise" and len(document_ids) != 1 else None

    def _mode_changed(self) -> None:
        self.question_edit.setPlaceholderText(_PLACEHOLDERS[self.mode()])
        problem = self.summary_problem()
        if problem is not None:
            self.say(problem)
        elif self.message.text() == SUMMARY_NEEDS_ONE:
            self.say("")
