"""What a new conversation shows: what the tutor does, and example questions to start with."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from studyteddy_desktop.domain.document_dto import DocumentDTO

_GENERAL_EXAMPLES = ("What is the difference between mitosis and meiosis?",
                     "Explain the Pythagorean theorem with an example.")


class EmptyState(QWidget):
    """`example_chosen` carries (question, mode, document id or None)."""

    example_chosen = Signal(str, str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.intro.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.examples = QVBoxLayout()
        self.examples.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.intro)
        layout.addSpacing(10)
        layout.addLayout(self.examples)
        layout.addStretch(2)
        self.show_documents([])

    def show_documents(self, documents: list[DocumentDTO]) -> None:
        ready = [document for document in documents if document.status == "ready"]
        text = ("<p style='font-size:14pt'><b>Ask Teddy anything about your studies.</b></p>"
                "<p>Teddy explains, quizzes you, or summarises a document, using your own notes and PDFs. "
                "Each answer says which page it comes from: click a source to open it.</p>")
        if not ready:
            text += ("<p><b>Teddy answers best from your documents.</b> Import your notes in "
                     "<b>Documents</b> first: until then Teddy can only say that a question is not in your documents.</p>")
        self.intro.setText(text + "<p>Try one of these:</p>")
        while self.examples.count():
            item = self.examples.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        examples: list[tuple[str, str, object]] = []
        if ready:
            newest = max(ready, key=lambda document: document.created_at)
            examples += [(f"What are the key ideas in “{newest.title}”?", "explain", None),
                         (f"Quiz me on “{newest.title}”", "quiz", newest.id),
                         (f"Summarise “{newest.title}”", "summarise", newest.id)]
        else:
            examples += [(question, "explain", None) for question in _GENERAL_EXAMPLES]
        for question, mode, document_id in examples:
            button = QPushButton(question)
            button.setObjectName("exampleQuestion")
            button.clicked.connect(lambda _checked=False, q=question, m=mode, d=document_id:
                                   self.example_chosen.emit(q, m, d))
            self.examples.addWidget(button)
