"""One question and its answer: streamed Markdown, sources, rating, figures and Retry."""

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

from studyteddy_desktop.domain.tutor_dto import NOT_IN_DOCUMENTS, InteractionDTO, SourceDTO
from studyteddy_desktop.ui.tutor.safe_markdown_view import CITATION_SCHEME, SafeMarkdownView, link_citations

# Streamed text is re-rendered at most this often, so a long answer never makes the window lag.
RENDER_INTERVAL_MS = 50
_MODE_LABELS = {"quiz": "Quiz", "summarise": "Summary"}
# After this long without a word, say why: right after start-up the models are still loading.
SLOW_START_MS = 4_000
_SLOW_HINT = " Right after start-up this takes longer, while Teddy's models load."
_STATUS_TEXT = {"cancelled": "Stopped before the end.", "failed": "This answer could not be finished."}


def _stats_text(dto: InteractionDTO) -> str:
    parts = []
    if dto.model_name:
        parts.append(dto.model_name)
    if dto.completion_tokens is not None:
        parts.append(f"{dto.completion_tokens} tokens")
    if dto.first_token_ms is not None:
        parts.append(f"first word after {dto.first_token_ms / 1000:.1f} s")
    if dto.latency_ms is not None:
        parts.append(f"{dto.latency_ms / 1000:.1f} s in all")
    return " · ".join(parts)


class AnswerCard(QFrame):
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

        self.banner = QLabel(f"ℹ  {NOT_IN_DOCUMENTS}")
        self.banner.setObjectName("notInDocuments")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.notice = QLabel()
        self.notice.setObjectName("tutorNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.speaker = QLabel()
        self.view = SafeMarkdownView()
        self.view.anchorClicked.connect(self._anchor_clicked)
        self.status_label = QLabel()
        self.status_label.setObjectName("answerStatus")
        self.status_label.setWordWrap(True)

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
        # On its own wrapping line: a long model name must never widen the card past the window.
        self.stats_label = QLabel()
        self.stats_label.setObjectName("answerStats")
        self.stats_label.setWordWrap(True)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Ask this question again")
        self.retry_button.clicked.connect(lambda: self.retry_requested.emit(self.dto.id))
        footer.addWidget(self.retry_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addLayout(question_row)
        layout.addWidget(self.speaker)
        layout.addWidget(self.notice)
        layout.addWidget(self.banner)
        layout.addWidget(self.view)
        layout.addWidget(self.status_label)
        layout.addWidget(self.sources_box)
        layout.addLayout(footer)
        layout.addWidget(self.stats_label)
        self.show_interaction(dto)

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
        if dto.answer or dto.status != "generating":
            self.text = dto.answer
        mode = _MODE_LABELS.get(dto.mode)
        self.question_label.setText(f"{mode}: {dto.question}" if mode else dto.question)
        self._show_sources()
        self._render_answer()
        self._update_footer()

    # -- streaming --------------------------------------------------------------------

    def set_sources(self, grounded: bool, sources: list[SourceDTO]) -> None:
        self.grounded = grounded
        self.sources = tuple(sources)
        self._show_sources()
        self._show_grounding()
        self._schedule_render()

    def append_tokens(self, text: str) -> None:
        self.text += text
        self._schedule_render()

    def show_notice(self, message: str) -> None:
        self.notice.setText(f"⚠  {message}")
        self.notice.setVisible(bool(message))

    def finish(self, status: str, answer: str | None, error: str) -> None:
        """The worker's last word; the recorded figures follow with `show_interaction`."""
        self.status = status
        if answer is not None:
            self.text = answer
        self.dto = replace(self.dto, status=status, answer=self.text, error=error or None)
        self._render_timer.stop()
        self._render_answer()
        self._update_footer()

    # -- rendering --------------------------------------------------------------------

    def _schedule_render(self) -> None:
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _show_grounding(self) -> None:
        general = self.grounded is False
        self.banner.setVisible(general)
        self.speaker.setText("<b>Teddy</b>" + (" · <i>general knowledge, not from your documents</i>"
                                                if general else ""))
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
            hint = _SLOW_HINT if self._slow else ""
            return ("Looking through your documents…" if self.grounded is None else "Thinking…") + hint
        if self.status == "failed":
            return f"⚠  {self.dto.error or _STATUS_TEXT['failed']}"
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
        self.sources_layout.addWidget(heading)
        for source in self.sources:
            where = f", {source.page_label}" if source.page_label else ""
            button = QPushButton(f"[{source.number}]  {source.document_title}{where}")
            button.setObjectName("sourceLink")
            button.setFlat(True)
            button.setToolTip(f"Open this passage in Documents\n\n{source.quote[:400]}")
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
        self.stats_label.setText(_stats_text(self.dto) if self.status != "generating" else "")
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

