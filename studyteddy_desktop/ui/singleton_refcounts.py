"""Keeps None, True and False alive on Python 3.11, where PySide6 6.12 drops references to them.

PySide6 6.12 hands back None, True and False without taking a reference: every `Signal.emit()`
costs True one (emit returns True), a failed `disconnect()` costs False one, and every call of a
method that returns nothing costs None one. From Python 3.12 on these objects are immortal and
nothing is lost; on 3.11 their counts sink with use until the interpreter frees True or None,
usually while it finalises at quit: "Fatal Python error: bool_dealloc: deallocating True or
False", exit 134. Raising their counts far out of reach once at startup makes them as immortal
as 3.12 does.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

# More references than a session could ever drop, and far below where a count could overflow.
_HEADROOM = 1 << 40
_PROBE_EMITS = 64

_raised = False


class _Probe(QObject):
    pinged = Signal()


def pyside_drops_bool_references() -> bool:
    """Whether emitting a signal takes a reference from True, as PySide6 6.12 does."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_EMITS):
        probe.pinged.emit()
    lost = before - sys.getrefcount(True)
    # Give back what the probe itself took; other threads may have moved the count a little.
    if lost >= _PROBE_EMITS:
        _add_references(True, _PROBE_EMITS)
    return lost >= _PROBE_EMITS


def keep_singletons_alive() -> bool:
    """Make None, True and False immortal if this Python and PySide6 need it; True when it did."""
    global _raised
    if _raised or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return _raised
    if not pyside_drops_bool_references():
        return _raised
    for singleton in (None, True, False):
        _add_references(singleton, _HEADROOM)
    _raised = True
    log.info("PySide6 drops references to None, True and False on this Python; they are kept alive")
    return True


def _add_references(singleton: object, count: int) -> None:
    # ob_refcnt is the first field of every object on CPython 3.11; the GIL is held here.
    refcount = ctypes.c_ssize_t.from_address(id(singleton))
    refcount.value += count
