"""The status bar's view of service health: one coloured dot per service."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from studyteddy_desktop.domain.dto import HealthReport

_SHOWN = {"PostgreSQL": "Database", "Redis": "Queue", "Worker": "Worker"}
_COLOURS = {"ok": "#2e9d52", "bad": "#d1453b", "wait": "#9a9a9a"}


class ServiceStatusIndicator(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        self._labels: dict[str, QLabel] = {}
        for component, shown in _SHOWN.items():
            label = QLabel()
            label.setObjectName(f"status-{shown.lower()}")
            self._labels[component] = label
            layout.addWidget(label)
        self.show_waiting()

    def _set(self, component: str, state: str, tooltip: str) -> None:
        label = self._labels[component]
        label.setText(f"<span style='color:{_COLOURS[state]}'>●</span> {_SHOWN[component]}")
        label.setToolTip(tooltip)
        label.setProperty("health", state)

    def show_waiting(self) -> None:
        for component in _SHOWN:
            self._set(component, "wait", "Starting…")

    def show_report(self, report: HealthReport) -> None:
        for component in report.components:
            if component.name in self._labels:
                self._set(component.name, "ok" if component.healthy else "bad", component.detail)

    def show_unreachable(self, reason: str) -> None:
        for component in _SHOWN:
            self._set(component, "bad", reason)

    def state_of(self, component: str) -> str:
        return str(self._labels[component].property("health"))
