"""The status bar's view of service health: one coloured dot per service."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from studyteddy_desktop.domain.dto import HealthReport

# The health report's component names, by the dot that shows them: the queue is "Redis", or "Queue"
# where it runs on PostgreSQL alone.
_SHOWN = {"PostgreSQL": "Database", "Redis": "Queue", "Queue": "Queue", "Worker": "Worker"}
_DOTS = ("Database", "Queue", "Worker")
_COLOURS = {"ok": "#2e9d52", "bad": "#d1453b", "wait": "#9a9a9a"}


class ServiceStatusIndicator(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        self._labels: dict[str, QLabel] = {}
        for shown in _DOTS:
            label = QLabel()
            label.setObjectName(f"status-{shown.lower()}")
            self._labels[shown] = label
            layout.addWidget(label)
        self.show_waiting()

    def _set(self, shown: str, state: str, tooltip: str) -> None:
        label = self._labels[shown]
        label.setText(f"<span style='color:{_COLOURS[state]}'>●</span> {shown}")
        label.setToolTip(tooltip)
        label.setProperty("health", state)

    def show_waiting(self) -> None:
        for shown in _DOTS:
            self._set(shown, "wait", "Starting…")

    def show_report(self, report: HealthReport) -> None:
        for component in report.components:
            if component.name in _SHOWN:
                self._set(_SHOWN[component.name], "ok" if component.healthy else "bad", component.detail)

    def show_unreachable(self, reason: str) -> None:
        for shown in _DOTS:
            self._set(shown, "bad", reason)

    def state_of(self, component: str) -> str:
        """The dot's state for a health component ("Redis", "Queue", ...) or a dot's own name."""
        return str(self._labels[_SHOWN.get(component, component)].property("health"))
