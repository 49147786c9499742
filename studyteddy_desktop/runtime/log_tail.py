"""The last lines of a server log, for error messages."""

from __future__ import annotations

from pathlib import Path


def log_tail(path: Path, lines: int = 20) -> str:
    """The last `lines` lines of a log file, or a note that there is none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 16_384))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])
