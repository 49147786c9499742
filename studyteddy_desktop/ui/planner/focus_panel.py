"""The Pomodoro timer panel: pick a task or subject, work and break, end with a focus score."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.enums import FocusPhase
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.planner_dto import FocusTimerDTO, TaskDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp, user_message

FOCUS = Changes(focus=True)
# A finished session counts its minutes for the task and in the study statistics.
FINISHED = Changes(tasks=True, sessions=True, focus=True)


def clock_text(seconds: float) -> str:
    minutes, rest = divmod(max(int(round(seconds)), 0), 60)
    return f"{minutes:02d}:{rest:02d}"


class EndSessionDialog(QDialog):
    """Asks how it went: minutes (prefilled, correctable), a focus score, notes."""

    def __init__(self, minutes: int, limit: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("End focus session")
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(0, max(limit, minutes))
        self.minutes_spin.setValue(minutes)
        self.minutes_spin.setSuffix(" min")
        self.score_box = QComboBox()
        self.score_box.addItem("Skip", None)
        for score, label in ((1, "1 – distracted"), (2, "2"), (3, "3 – okay"), (4, "4"), (5, "5 – deep focus")):
            self.score_box.addItem(label, score)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setPlaceholderText("What did you get done? (optional)")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(80)
        form = QFormLayout(self)
        form.addRow("Studied:", self.minutes_spin)
        form.addRow("&Focus:", self.score_box)
        form.addRow("&Notes:", self.notes_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class FocusPanel(QGroupBox):
    """Shows the running timer from its stored stamps; ticks locally, touches the database on actions only."""

    phase_finished = Signal(str, str)

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__("Focus timer", parent)
        self.services = services
        self.timer_state: FocusTimerDTO | None = None
        self._was_over = False
        self.task_box = QComboBox()
        self.task_box.setMinimumWidth(160)
        self.task_box.setToolTip("The task (or subject) this session counts for")
        self.work_spin = QSpinBox()
        self.work_spin.setRange(1, 240)
        self.work_spin.setValue(25)
        self.work_spin.setSuffix(" min work")
        self.break_spin = QSpinBox()
        self.break_spin.setRange(1, 120)
        self.break_spin.setValue(5)
        self.break_spin.setSuffix(" min break")
        self.clock_label = QLabel("25:00")
        self.clock_label.setObjectName("focusClock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock_label.setStyleSheet("font-size: 28pt; font-weight: 600;")
        self.state_label = QLabel("Pick a task and start when you are ready.")
        self.state_label.setWordWrap(True)
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.start_button = QPushButton("&Start focus")
        self.pause_button = QPushButton("Pa&use")
        self.phase_button = QPushButton("Take a &break")
        self.end_button = QPushButton("&End session")
        self.cancel_button = QPushButton("Discard")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.phase_button.clicked.connect(self.next_phase)
        self.end_button.clicked.connect(self.end)
        self.cancel_button.clicked.connect(self.discard)
        lengths = QHBoxLayout()
        lengths.addWidget(self.work_spin)
        lengths.addWidget(self.break_spin)
        actions = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.phase_button, self.end_button, self.cancel_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.task_box)
        layout.addLayout(lengths)
        layout.addWidget(self.clock_label)
        layout.addWidget(self.state_label)
        layout.addLayout(actions)
        self.status_label = QLabel()  # put in the window's status bar, so the timer shows on every pane
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_clock)
        self._show(None)
        self.load()

    # -- loading --------------------------------------------------------------------------

    def load(self) -> None:
        services = self.services

        def fetch():
            return services.focus.current(), services.preferences.focus()

        BackgroundOp.plain(fetch, parent=self).success(self._loaded).failure(self._failed).run()

    def _loaded(self, result) -> None:
        timer, settings = result
        if timer is None:
            self.work_spin.setValue(settings.work_minutes)
            self.break_spin.setValue(settings.break_minutes)
        # A phase already over when found (the app was closed or crashed) waits for the student.
        self._was_over = timer is not None and timer.phase_over(datetime.now(UTC))
        self._show(timer)

    def set_tasks(self, tasks: tuple[TaskDTO, ...], subjects: tuple[str, ...]) -> None:
        current = self.task_box.currentData()
        self.task_box.clear()
        self.task_box.addItem("No particular task", None)
        for subject in subjects:
            self.task_box.addItem(f"Subject: {subject}", f"subject:{subject}")
        for task in tasks[:200]:
            if not task.is_done:
                self.task_box.addItem(task.title[:60], f"task:{task.id}")
        index = self.task_box.findData(current)
        self.task_box.setCurrentIndex(max(index, 0))

    def choose_task(self, task_id: uuid.UUID) -> None:
        index = self.task_box.findData(f"task:{task_id}")
        if index >= 0:
            self.task_box.setCurrentIndex(index)

    # -- actions ----------------------------------------------------------------------------

    def _run(self, work, done=None, changes: Changes = FOCUS) -> None:
        for button in (self.start_button, self.pause_button, self.phase_button, self.end_button):
            button.setEnabled(False)
        (ChangeOp.plain(self.services, work, changes=changes, parent=self)
         .success(done or self._show).failure(self._failed).run())

    def start(self) -> None:
        kind, _colon, value = (self.task_box.currentData() or "").partition(":")
        task_id = uuid.UUID(value) if kind == "task" else None
        subject = value if kind == "subject" else None
        work, rest = self.work_spin.value(), self.break_spin.value()
        focus, preferences = self.services.focus, self.services.preferences

        def begin():
            from studyteddy_desktop.domain.planner_dto import FocusSettings

            preferences.set_focus(FocusSettings(work, rest))
            return focus.start(task_id=task_id, subject=subject, work_minutes=work, break_minutes=rest)

        self._was_over = False
        self._run(begin, changes=FOCUS | Changes(preferences=True))

    def toggle_pause(self) -> None:
        if self.timer_state is None:
            return
        focus = self.services.focus
        self._run(focus.resume if self.timer_state.is_paused else focus.pause)

    def next_phase(self) -> None:
        if self.timer_state is not None:
            self._was_over = False
            self._run(self.services.focus.next_phase)

    def end(self) -> None:
        state = self.timer_state
        if state is None:
            return
        now = datetime.now(UTC)
        minutes = round(state.worked_seconds_at(now) / 60)
        limit = int((now - state.phase_started_at).total_seconds() // 60) + state.worked_seconds // 60 + 1
        dialog = EndSessionDialog(minutes, limit, self.window())
        dialog.setModal(True)

        def finish_with_answers() -> None:
            score = dialog.score_box.currentData()
            notes = dialog.notes_edit.toPlainText()
            chosen = dialog.minutes_spin.value()
            focus = self.services.focus
            self._run(lambda: focus.finish(focus_score=score, notes=notes, minutes=chosen),
                      lambda _session: self._finished(), FINISHED)

        dialog.accepted.connect(finish_with_answers)
        dialog.open()
        self.end_dialog = dialog

    def _finished(self) -> None:
        self._show(None)
        self.state_label.setText("Session saved. Nice work!")

    def discard(self) -> None:
        if self.timer_state is not None:
            self._run(self.services.focus.cancel, lambda _none: self._show(None))

    def _failed(self, error: BaseException) -> None:
        self.state_label.setText(user_message(error))
        self._show(self.timer_state, keep_message=True)

    # -- display ----------------------------------------------------------------------------

    def _show(self, timer: FocusTimerDTO | None, *, keep_message: bool = False) -> None:
        self.timer_state = timer
        running = timer is not None
        self.start_button.setEnabled(not running)
        self.task_box.setEnabled(not running)
        self.work_spin.setEnabled(not running)
        self.break_spin.setEnabled(not running)
        for button in (self.pause_button, self.phase_button, self.end_button, self.cancel_button):
            button.setEnabled(running)
            button.setVisible(running)
        self.start_button.setVisible(not running)
        if running:
            self.pause_button.setText("Res&ume" if timer.is_paused else "Pa&use")
            self.phase_button.setText("Take a &break" if timer.phase == FocusPhase.WORK else "Back to &work")
            self._tick.start()
        else:
            self._tick.stop()
            self.clock_label.setText(clock_text(self.work_spin.value() * 60))
            self.status_label.setText("")
            if not keep_message:
                self.state_label.setText("Pick a task and start when you are ready.")
        self._update_clock(keep_message=keep_message)

    def _update_clock(self, *, keep_message: bool = False) -> None:
        state = self.timer_state
        if state is None:
            return
        now = datetime.now(UTC)
        remaining = state.phase_remaining(now).total_seconds()
        self.clock_label.setText(clock_text(remaining))
        what = state.task_title or state.subject or "general study"
        phase = "Work" if state.phase == FocusPhase.WORK else "Break"
        self.status_label.setText(f"{phase} {clock_text(remaining)} · {what[:30]}")
        over = state.phase_over(now)
        if keep_message:
            pass
        elif state.is_paused:
            self.state_label.setText(f"Paused · {what}")
        elif over and state.phase == FocusPhase.WORK:
            self.state_label.setText("Time is up! Take a break, or end the session to save it.")
        elif over:
            self.state_label.setText("Break is over. Back to work?")
        else:
            worked = state.worked_seconds_at(now) // 60
            self.state_label.setText(f"{phase} on {what} · {worked} min studied so far")
        if over and not self._was_over:
            self._was_over = True
            QApplication.beep()
            self.phase_finished.emit("Focus timer", "Time for a break!" if state.phase == FocusPhase.WORK
                                     else "Break is over: back to work.")
