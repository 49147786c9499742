"""Twelve weeks of study activity as a grid of days, shaded from the palette's base to its highlight."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from studyteddy_desktop.domain.planner_dto import DayActivity

_CELL = 16
_GAP = 3
_LEFT = 34
_TOP = 18
_DAY_NAMES = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def shade(base: QColor, accent: QColor, level: int) -> QColor:
    """Level 0 is the empty colour; 1-4 step towards the accent."""
    if level <= 0:
        return base.darker(112) if base.lightness() > 128 else base.lighter(135)
    weight = 0.25 + 0.1875 * level
    return QColor(round(base.red() + (accent.red() - base.red()) * weight),
                  round(base.green() + (accent.green() - base.green()) * weight),
                  round(base.blue() + (accent.blue() - base.blue()) * weight))


def level_of(activity: DayActivity) -> int:
    """0 idle; then by study minutes, with reviews or a finished task counting as a light day."""
    minutes = activity.study_minutes
    if minutes >= 120:
        return 4
    if minutes >= 60:
        return 3
    if minutes >= 20:
        return 2
    return 1 if activity.active else 0


class ActivityHeatmap(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days: tuple[DayActivity, ...] = ()
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Study activity, last 12 weeks")

    def set_days(self, days: tuple[DayActivity, ...]) -> None:
        self.days = days
        active = sum(1 for day in days if day.active)
        self.setAccessibleDescription(f"{active} active days in the last {len(days)} days")
        self.updateGeometry()
        self.update()

    def _weeks(self) -> int:
        return max((len(self.days) + 6) // 7, 12)

    def sizeHint(self) -> QSize:
        return QSize(_LEFT + self._weeks() * (_CELL + _GAP), _TOP + 7 * (_CELL + _GAP) + 22)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def _cell_rect(self, index: int) -> QRect:
        first = self.days[0].day if self.days else date.today()
        offset = first.weekday() + index
        column, row = divmod(offset, 7)
        return QRect(_LEFT + column * (_CELL + _GAP), _TOP + row * (_CELL + _GAP), _CELL, _CELL)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        accent = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.WindowText)
        painter.setPen(text)
        for row, name in enumerate(_DAY_NAMES):
            if name:
                painter.drawText(QRect(0, _TOP + row * (_CELL + _GAP), _LEFT - 4, _CELL),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        last_month = None
        for index, activity in enumerate(self.days):
            rect = self._cell_rect(index)
            if activity.day.day <= 7 and activity.day.weekday() == 0 and activity.day.month != last_month:
                last_month = activity.day.month
                painter.setPen(text)
                painter.drawText(QRect(rect.left(), 0, 40, _TOP - 2), Qt.AlignmentFlag.AlignLeft,
                                 activity.day.strftime("%b"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(shade(base, accent, level_of(activity)))
            painter.drawRoundedRect(rect, 3, 3)
        legend_y = _TOP + 7 * (_CELL + _GAP) + 4
        painter.setPen(text)
        painter.drawText(QRect(_LEFT, legend_y, 40, _CELL), Qt.AlignmentFlag.AlignVCenter, "Less")
        for level in range(5):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(shade(base, accent, level))
            painter.drawRoundedRect(QRect(_LEFT + 36 + level * (_CELL + _GAP), legend_y, _CELL, _CELL), 3, 3)
        painter.setPen(text)
        painter.drawText(QRect(_LEFT + 40 + 5 * (_CELL + _GAP), legend_y, 40, _CELL),
                         Qt.AlignmentFlag.AlignVCenter, "More")
        painter.end()

    def day_at(self, point: QPoint) -> DayActivity | None:
        return next((activity for index, activity in enumerate(self.days)
                     if self._cell_rect(index).contains(point)), None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        activity = self.day_at(event.position().toPoint())
        if activity is None:
            QToolTip.hideText()
            return
        parts = [f"{activity.study_minutes} min studied"]
        if activity.tasks_completed:
            parts.append(f"{activity.tasks_completed} task(s) done")
        if activity.reviews:
            parts.append(f"{activity.reviews} review(s)")
        QToolTip.showText(event.globalPosition().toPoint(), f"{activity.day:%a %d %b}: " + ", ".join(parts), self)
