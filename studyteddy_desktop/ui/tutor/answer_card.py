"""One question and its answer: quotes from the documents, the model's explanation, sources, rating, Retry."""

from __future__ import annotations

import uuid
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studyteddy_desktop.domain.tutor_dto import (
    CUT_FOR_REPETITION,
    EXPLANATION_NOTE,
    EXPLANATION_TITLE,
    GENERAL_KNOWLEDGE_LABEL,
    NOT_IN_DOCUMENTS,
    InteractionDTO,
    QuoteDTO,
    SourceDTO,
    support_text,
)
from studyteddy_desktop.ui.tutor.quote_list import QuoteList, button_text, source_tooltip
from studyteddy_desktop.ui.tutor.safe_markdown_view import CITATION_SCHEME, SafeMarkdownView, link_citations

# Streamed text is re-rendered at most this often, so a long answer never makes the window lag.
RENDER_INTERVAL_MS = 50
_MODE_LABELS = {"quiz": "Quiz", "summarise": "Summary"}
# After this long without a word, say why: right after start-up the models are still loading.
SLOW_START_MS = 4_000
_SLOW_HINT = " Right after start-up this takes longer, while Teddy's models load."
_STATUS_TEXT = {"cancelled": "Stopped before the end.", "failed": "This answer could not be finished."}
GENERAL_KNOWLEDGE_REFUSED = ("You asked for general knowledge too, but the model in use is too small to answer from "
                             "it without inventing; a larger model can be added in the model manager.")


def _stats_text(dto: InteractionDTO) -> str:
    parts = []
    if dto.model_name:
        parts.append(dto.model_name)
    if dto.completion_tokens:
        parts.append(f"{dto.completion_tokens} tokens")
    first_word_ms = dto.first_shown_ms if dto.first_shown_ms is not None else dto.first_token_ms
    if first_word_ms is not None:
        parts.append(f"first word after {first_word_ms / 1000:.1f} s")
    if dto.latency_ms is not None:
        parts.append(f"{dto.latency_ms / 1000:.1f} s in all")
    return " · ".join(parts)


class AnswerCard(QFrame):
    """Top to bottom: the question, the quotes from the documents, then the model's explanation, labelled."""

    source_clicked = Signal(object)
    rating_chosen = Signal(object, object)
    retry_requested = Signal(object)

    def __init__(self, dto: InteractionDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answerCard")
        self.dto = dto
        self.text = dto.answer
        self.grounded: bool | None = dto.grounded
        self.sources: tuple[SourceDTO, ...] = dto.sources
        self.quotes: tuple[QuoteDTO, ...] = dto.quotes
        self.status = dto.status
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self._render_answer)
        self._slow = False
        if dto.status == "generating":
            QTimer.singleShot(SLOW_START_MS, self, self._waited_long)

        self.question_label = QLabel()
        self.question_label.setObjectName("questionBubble")
        self.question_label.setWordWrap(True)
        self.question_label.setTextFormat(Qt.TextFormat.PlainText)
        self.question_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                    | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.question_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        question_row = QHBoxLayout()
        question_row.addStretch(1)
        question_row.addWidget(self.question_label, stretch=4)

        self.notice = self._note_label("tutorNotice")
        self.banner = self._note_label("notInDocuments", f"ℹ  {NOT_IN_DOCUMENTS}")
        self.general_label = self._note_label("generalKnowledge", f"⚠  {GENERAL_KNOWLEDGE_LABEL}")
        self.quote_list = QuoteList()
        self.quote_list.source_clicked.connect(self.source_clicked)
        self.explanation_label = QLabel()
        self.explanation_label.setObjectName("explanationLabel")
        self.explanation_label.setWordWrap(True)
        self.explanation_label.setContentsMargins(0, 4, 0, 0)
        self.view = SafeMarkdownView()
        self.view.anchorClicked.connect(self._anchor_clicked)
        # Right under the text, where the cut is.
        self.cut_label = self._note_label("answerCut", f"✂  {CUT_FOR_REPETITION}")
        self.status_label = self._note_label("answerStatus")

        self.sources_box = QWidget()
        self.sources_layout = QVBoxLayout(self.sources_box)
        self.sources_layout.setContentsMargins(0, 0, 0, 0)
        self.sources_layout.setSpacing(0)

        self.stars: list[QToolButton] = []
        footer = QHBoxLayout()
        footer.setSpacing(2)
        self.rating_label = QLabel("Rate:")
        footer.addWidget(self.rating_label)
        for value in range(1, 6):
            star = QToolButton()
            star.setObjectName("ratingStar")
            star.setAutoRaise(True)
            star.setToolTip(f"Rate this answer {value} of 5 (click again to clear)")
            star.setAccessibleName(f"Rate {value} of 5")
            star.clicked.connect(lambda _checked=False, chosen=value: self._star_clicked(chosen))
            self.stars.append(star)
            footer.addWidget(star)
        footer.addStretch(1)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Ask this question again")
        self.retry_button.clicked.connect(lambda: self.retry_requested.emit(self.dto.id))
        footer.addWidget(self.retry_button)
        self.support_label = self._note_label("answerSupport")
        # On its own wrapping line: a long model name must never widen the card past the window.
        self.stats_label = self._note_label("answerStats")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(6)
        layout.addLayout(question_row)
        for widget in (self.notice, self.banner, self.general_label, self.quote_list):
            layout.addWidget(widget)
        for widget in (self.explanation_label, self.view, self.cut_label, self.status_label, self.sources_box):
            layout.addWidget(widget)
        layout.addLayout(footer)
        for widget in (self.support_label, self.stats_label):
            layout.addWidget(widget)
        self.show_interaction(dto)

    @staticmethod
    def _note_label(name: str, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.hide()
        return label

    @property
    def interaction_id(self) -> uuid.UUID:
        return self.dto.id

    @property
    def generating(self) -> bool:
        return self.status == "generating"

    # -- whole states -----------------------------------------------------------------

    def show_interaction(self, dto: InteractionDTO) -> None:
        """Show the recorded state of the answer, as the database has it."""
        self.dto = dto
        self.status = dto.status
        self.grounded = dto.grounded
        if dto.sources or not self.sources:
            self.sources = dto.sources
        if dto.quotes or not self.quotes:
            self.quotes = dto.quotes
        if dto.answer or dto.status != "generating":
            self.text = dto.answer
        mode = _MODE_LABELS.get(dto.mode)
        self.question_label.setText(f"{mode}: {dto.question}" if mode else dto.question)
        self._show_sources()
        self._render_answer()
        self._update_footer()

    # -- streaming --------------------------------------------------------------------

    def set_sources(self, grounded: bool, sources: list[SourceDTO], quotes: list[QuoteDTO] | None = None) -> None:
        """Retrieval's result, which comes before any word of the model: the quotes show at once."""
        self.grounded = grounded
        self.sources = tuple(sources)
        self.quotes = tuple(quotes or ())
        self._show_sources()
        self._show_grounding()
        self._schedule_render()

    def append_tokens(self, text: str) -> None:
        self.text += text
        self._schedule_render()

    def show_notice(self, message: str) -> None:
        self.notice.setText(f"⚠  {message}")
        self.notice.setVisible(bool(message))

    def finish(self, status: str, answer: str | None, error: str, *, checked_sentences: int | None = None,
               supported_sentences: int | None = None, cut_for_repetition: bool = False,
               first_shown_ms: int | None = None) -> None:
        """The worker's last word; the recorded figures follow with `show_interaction`."""
        self.status = status
        if answer is not None:
            self.text = answer
        self.dto = replace(self.dto, status=status, answer=self.text, error=error or None,
                           checked_sentences=checked_sentences, supported_sentences=supported_sentences,
                           cut_for_repetition=cut_for_repetition, first_shown_ms=first_shown_ms)
        self._render_timer.stop()
        self._render_answer()
        self._update_footer()

    # -- rendering --------------------------------------------------------------------

    def _schedule_render(self) -> None:
        if not self._render_timer.isActive():
            self._render_timer.start()

    @property
    def _from_before_checking(self) -> bool:
        """An answer recorded before explanations were checked against the documents."""
        return self.status != "generating" and self.dto.checked_sentences is None and not self.quotes

    def _show_grounding(self) -> None:
        has_text = bool(self.text.strip())
        self.banner.setVisible(self.grounded is False)
        self.general_label.setVisible(self.grounded is False and has_text)
        self.quote_list.show_quotes(self.quotes if self.grounded else (), self.sources)
        if self._from_before_checking:
            self.explanation_label.setText("<b>Teddy</b>")
        else:
            self.explanation_label.setText(f"<b>{EXPLANATION_TITLE}</b> · {EXPLANATION_NOTE}")
        self.explanation_label.setVisible(self.grounded is not False and has_text)
        self.status_label.setText(self._status_text())
        self.status_label.setVisible(bool(self.status_label.text()))

    def _render_answer(self) -> None:
        self._show_grounding()
        self.view.show_markdown(link_citations(self.text, {source.number for source in self.sources}))
        self.view.setVisible(bool(self.text.strip()))

    def _status_text(self) -> str:
        if self.status == "generating":
            if self.text:
                return "Writing…"
            if self.grounded is False and not self.dto.general_knowledge:
                return ""
            hint = _SLOW_HINT if self._slow else ""
            if self.grounded is None:
                return "Looking through your documents…" + hint
            return ("Writing the explanation…" if self.quotes else "Thinking…") + hint
        if self.status == "failed":
            return f"⚠  {self.dto.error or _STATUS_TEXT['failed']}"
        if self.status == "done" and self.grounded is False and not self.text.strip() and self.dto.general_knowledge:
            return GENERAL_KNOWLEDGE_REFUSED
        return _STATUS_TEXT.get(self.status, "")

    def _show_sources(self) -> None:
        while self.sources_layout.count():
            item = self.sources_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if not self.sources:
            self.sources_box.hide()
            return
        heading = QLabel("<b>Sources</b>")
        heading.setObjectName("sourcesHeading")
        heading.setContentsMargins(0, 4, 0, 0)
        self.sources_layout.addWidget(heading)
        for source in self.sources:
            where = f", {source.page_label}" if source.page_label else ""
            button = QPushButton(button_text(f"[{source.number}]  {source.document_title}{where}"))
            button.setObjectName("sourceLink")
            button.setFlat(True)
            button.setToolTip(source_tooltip(source))
            button.setAccessibleName(f"Source {source.number}: {source.document_title}{where}")
            button.clicked.connect(lambda _checked=False, chosen=source: self.source_clicked.emit(chosen))
            self.sources_layout.addWidget(button)
        self.sources_box.show()

    def _update_footer(self) -> None:
        finished = self.status == "done"
        rating = self.dto.feedback_rating or 0
        for value, star in enumerate(self.stars, start=1):
            star.setText("★" if value <= rating else "☆")
            star.setVisible(finished)
        self.rating_label.setVisible(finished)
        settled = self.status != "generating"
        self.support_label.setText(support_text(self.dto.checked_sentences, self.dto.supported_sentences)
                                   if settled else "")
        self.support_label.setVisible(bool(self.support_label.text()))
        self.cut_label.setVisible(settled and self.dto.cut_for_repetition)
        self.stats_label.setText(_stats_text(self.dto) if settled else "")
        self.stats_label.setVisible(bool(self.stats_label.text()))
        self.retry_button.setVisible(self.status in ("failed", "cancelled"))

    # -- clicks -----------------------------------------------------------------------

    def _anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != CITATION_SCHEME:
            return  # links the model wrote are never followed
        number = int(url.path()) if url.path().isdigit() else -1
        source = next((item for item in self.sources if item.number == number), None)
        if source is not None:
            self.source_clicked.emit(source)

    def _waited_long(self) -> None:
        self._slow = True
        if self.generating and not self.text:
            self._show_grounding()

    def _star_clicked(self, value: int) -> None:
        self.rating_chosen.emit(self.dto.id, None if self.dto.feedback_rating == value else value)

    def set_rating(self, rating: int | None) -> None:
        self.dto = replace(self.dto, feedback_rating=rating)
        self._update_footer()

