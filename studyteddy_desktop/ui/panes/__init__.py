"""The panes shown in the main window, one module each, listed here in sidebar order."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from studyteddy_desktop.config import Settings
    from studyteddy_desktop.services.app_services import AppServices


@dataclass(frozen=True)
class PaneSpec:
    """A sidebar entry: its title and the `module:Class` built with (services, settings)."""

    title: str
    widget_path: str

    def build(self, services: AppServices, settings: Settings) -> QWidget:
        module_name, class_name = self.widget_path.split(":")
        widget_class: Callable[..., QWidget] = getattr(importlib.import_module(module_name), class_name)
        return widget_class(services, settings)


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("Dashboard", "studyteddy_desktop.ui.panes.dashboard_pane:DashboardPane"),
    PaneSpec("Tutor", "studyteddy_desktop.ui.panes.tutor_pane:TutorPane"),
    PaneSpec("Planner", "studyteddy_desktop.ui.panes.planner_pane:PlannerPane"),
    PaneSpec("Flashcards", "studyteddy_desktop.ui.panes.flashcards_pane:FlashcardsPane"),
    PaneSpec("Documents", "studyteddy_desktop.ui.panes.documents_pane:DocumentsPane"),
    PaneSpec("Settings", "studyteddy_desktop.ui.panes.settings_pane:SettingsPane"),
)
