"""Greys out asking the tutor while the school's policy turns it off, and says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer

if TYPE_CHECKING:
    from studyteddy_desktop.ui.tutor.composer import Composer

# Exam time starts and ends while the pane is open.
_RECHECK_MS = 30_000


class TutorPolicyGate(QObject):
    """Asks the policy whenever the composer is shown, before each question, and every half minute."""

    def __init__(self, composer: Composer, refusal: Callable[[], str | None]) -> None:
        super().__init__(composer)
        self._composer = composer
        self._refusal = refusal
        self._timer = QTimer(self, interval=_RECHECK_MS)
        self._timer.timeout.connect(self.blocks)
        composer.installEventFilter(self)

    def blocks(self) -> bool:
        """Whether asking is refused now; the composer shows the reason and greys itself out."""
        reason = self._refusal()
        if reason != self._composer.blocked_reason:
            self._composer.set_blocked(reason)
        return reason is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.blocks()
            self._timer.start()
        elif event.type() == QEvent.Type.Hide:
            self._timer.stop()
        return False
