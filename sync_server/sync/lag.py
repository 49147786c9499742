"""Sync lag: how long a change waited on the server before a device pulled it, as a histogram."""

from __future__ import annotations

import threading
from collections import Counter

LAG_BUCKETS_S = (0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 3600.0, 86400.0)


class SyncLag:
    """Observed once per record a pull delivers; a device offline for a week shows as a week."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.buckets: Counter[float] = Counter()
        self.count = 0
        self.total_s = 0.0

    def observe(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        with self._lock:
            for bound in LAG_BUCKETS_S:
                if seconds <= bound:
                    self.buckets[bound] += 1
            self.count += 1
            self.total_s += seconds

    def render(self) -> list[str]:
        with self._lock:
            lines = ["# TYPE studyteddy_sync_lag_seconds histogram"]
            lines += [f'studyteddy_sync_lag_seconds_bucket{{le="{bound}"}} {self.buckets[bound]}'
                      for bound in LAG_BUCKETS_S]
            lines += [f'studyteddy_sync_lag_seconds_bucket{{le="+Inf"}} {self.count}',
                      f"studyteddy_sync_lag_seconds_sum {self.total_s:.3f}", f"studyteddy_sync_lag_seconds_count {self.count}"]
            return lines


SYNC_LAG = SyncLag()
