"""The Study Teddy icon, loaded from the packaged resources."""

from __future__ import annotations

import functools
import importlib.resources

from PySide6.QtGui import QIcon


@functools.cache
def app_icon() -> QIcon:
    icon_file = importlib.resources.files("studyteddy_desktop.resources") / "icons" / "studyteddy.svg"
    return QIcon(str(icon_file))
