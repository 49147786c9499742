"""Whether the window can open here: a display to draw on, and every library Qt's platform plugin links."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from studyteddy_desktop.domain.dto import ComponentHealth

NAME = "Display"
_LDD_TIMEOUT_S = 10.0
# The environment variable each windowing plugin needs; the others (offscreen, vnc…) need none.
_DISPLAY_VARIABLE = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY"}


def qt_platforms_dir() -> Path | None:
    """PySide6's platform plugin folder, found without importing Qt (the services layer must not)."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"


def chosen_platform(environ: Mapping[str, str]) -> str:
    """The platform plugin Qt will try first, by the rules Qt itself follows on Linux."""
    requested = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested
    if environ.get("WAYLAND_DISPLAY") and not environ.get("DISPLAY"):
        return "wayland"
    return "xcb"


def missing_libraries(binary: Path) -> list[str]:
    """The shared libraries the dynamic loader cannot find for a binary (and what it links in turn)."""
    result = subprocess.run(["ldd", str(binary)], stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=_LDD_TIMEOUT_S, check=False)
    missing: list[str] = []
    for line in result.stdout.splitlines():
        soname, arrow, target = line.strip().partition("=>")
        if arrow and target.strip() == "not found" and soname.strip() not in missing:
            missing.append(soname.strip())
    return missing


def check_display(environ: Mapping[str, str] | None = None, *,
                  platforms_dir: Path | None = None) -> ComponentHealth:
    """The Display row of the health report.

    A machine with no display is not a fault of Study Teddy (every command still works), so it is
    reported as information; a library Qt cannot load is a fault, because the window never opens.
    """
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return ComponentHealth(NAME, True, "not checked on this platform", informational=True)
    platforms_dir = platforms_dir or qt_platforms_dir()
    if platforms_dir is None:
        return ComponentHealth(NAME, False, "PySide6 is not installed: the window cannot open")
    platform = chosen_platform(environ)
    plugin = platforms_dir / f"libq{platform}.so"
    if not plugin.is_file():
        return ComponentHealth(NAME, False, f"Qt has no {platform!r} platform plugin (no {plugin})")
    if shutil.which("ldd") is None:
        return ComponentHealth(NAME, True, f"Qt {platform} plugin present; ldd is not available to "
                               "check its libraries", informational=True)
    try:
        missing = missing_libraries(plugin)
    except (OSError, subprocess.TimeoutExpired) as error:
        return ComponentHealth(NAME, False, f"could not check the Qt {platform} plugin: {error}")
    if missing:
        return ComponentHealth(NAME, False, f"the window cannot open: Qt's {platform} plugin needs "
                               f"{', '.join(missing)} (scripts/setup-env installs them when run as root)")
    variable = _DISPLAY_VARIABLE.get(platform)
    if variable is not None and not environ.get(variable):
        return ComponentHealth(NAME, True, "no display: DISPLAY/WAYLAND_DISPLAY unset (commands work; "
                               "the window needs a desktop session)", informational=True)
    where = f", {variable}={environ[variable]}" if variable else ""
    return ComponentHealth(NAME, True, f"Qt {platform} plugin ready{where}")
