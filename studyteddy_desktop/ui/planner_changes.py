"""One signal per app that says what a planner change touched, so every pane can refresh."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, Signal

from studyteddy_desktop.domain.errors import StudyTeddyError

_buses: weakref.WeakKeyDictionary[object, PlannerChangeBus] = weakref.WeakKeyDictionary()


class PlannerChangeBus(QObject):
    """Carries a PlannerChanges value from the pane that changed something to the panes that show it."""

    changed = Signal(object)


def change_bus(services: object) -> PlannerChangeBus:
    """The bus shared by every pane built on these services."""
    bus = _buses.get(services)
    if bus is None:
        bus = PlannerChangeBus()
        _buses[services] = bus
    return bus


def user_message(error: BaseException) -> str:
    """What to tell the student about a failed operation."""
    if isinstance(error, StudyTeddyError):
        return error.message
    return "Something went wrong; the log has the details."
