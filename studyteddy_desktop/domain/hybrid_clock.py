"""Hybrid logical clocks: who wrote a field last, by wall time plus a counter plus the device, on any clock.

A device's wall clock may be wrong by minutes or years. A hybrid timestamp never goes backwards
on one device, always sorts after every stamp the device has seen, and ties are impossible
because the device id is part of it. Sync orders concurrent writes to one field by it; what a
device has not yet seen is decided by the server's own sequence, never by these stamps.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_NODE = re.compile(r"^[0-9a-f]{16}$")
_ENCODED = re.compile(r"^(\d{13})-([0-9a-f]{6})-([0-9a-f]{16})$")
# Past this a counter would no longer fit its six hex digits; a clock that far behind waits instead.
MAX_COUNTER = 0xFFFFFF
MAX_WALL_MS = 9_999_999_999_999


class InvalidTimestampError(ValueError):
    """A stamp that is not `wall-counter-node` in its fixed widths."""


@dataclass(frozen=True, order=True)
class HybridTimestamp:
    wall_ms: int
    counter: int
    node: str

    def __post_init__(self) -> None:
        if not (0 <= self.wall_ms <= MAX_WALL_MS and 0 <= self.counter <= MAX_COUNTER and _NODE.match(self.node)):
            raise InvalidTimestampError(f"not a hybrid timestamp: {self.wall_ms}, {self.counter}, {self.node!r}")

    def encode(self) -> str:
        """Fixed widths, so the strings sort exactly as the stamps do."""
        return f"{self.wall_ms:013d}-{self.counter:06x}-{self.node}"

    @classmethod
    def decode(cls, text: str) -> HybridTimestamp:
        match = _ENCODED.match(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidTimestampError(f"not a hybrid timestamp: {text!r}")
        return cls(int(match.group(1)), int(match.group(2), 16), match.group(3))

    def __str__(self) -> str:
        return self.encode()


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridClock:
    """One device's clock: `now()` for each local write, `observe()` for each stamp received."""

    def __init__(self, node: str, wall: Callable[[], int] = wall_clock_ms,
                 last: HybridTimestamp | None = None) -> None:
        if not _NODE.match(node):
            raise InvalidTimestampError(f"a device id is 16 hex digits, not {node!r}")
        self.node = node
        self._wall = wall
        self._last = last or HybridTimestamp(0, 0, node)
        self._lock = threading.Lock()

    def now(self) -> HybridTimestamp:
        with self._lock:
            self._last = self._advance(self._last, None)
            return self._last

    def observe(self, remote: HybridTimestamp) -> HybridTimestamp:
        """Move past a stamp another device wrote, so this device's next write sorts after it."""
        with self._lock:
            self._last = self._advance(self._last, remote)
            return self._last

    def _advance(self, last: HybridTimestamp, remote: HybridTimestamp | None) -> HybridTimestamp:
        physical = min(max(self._wall(), 0), MAX_WALL_MS)
        seen = max(last, remote) if remote is not None else last
        if physical > seen.wall_ms:
            return HybridTimestamp(physical, 0, self.node)
        if seen.counter < MAX_COUNTER:
            return HybridTimestamp(seen.wall_ms, seen.counter + 1, self.node)
        # Sixteen million writes in one millisecond of a clock stuck in the past: borrow a millisecond.
        return HybridTimestamp(min(seen.wall_ms + 1, MAX_WALL_MS), 0, self.node)
