"""Request counts and latencies kept per process, rendered in Prometheus' text format."""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

from sync_server.sync.lag import SYNC_LAG

if TYPE_CHECKING:
    from sync_server.api.deps import ServerServices

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# huey keeps only [a-z0-9] of the queue name (sync_server/jobs.py) in its Redis key.
HUEY_QUEUE_KEY = "huey.redis.studyteddyserver"


class RequestMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.buckets: Counter[tuple[str, float]] = Counter()
        self.latency_sum: Counter[str] = Counter()
        self.latency_count: Counter[str] = Counter()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            for bound in LATENCY_BUCKETS_S:
                if seconds <= bound:
                    self.buckets[(route, bound)] += 1
            self.latency_sum[route] += seconds
            self.latency_count[route] += 1

    def render(self) -> list[str]:
        with self._lock:
            lines = ["# TYPE studyteddy_http_requests_total counter"]
            lines += [f'studyteddy_http_requests_total{{method="{m}",route="{r}",status="{s}"}} {n}'
                      for (m, r, s), n in sorted(self.requests.items())]
            lines.append("# TYPE studyteddy_http_request_seconds histogram")
            for route in sorted(self.latency_count):
                for bound in LATENCY_BUCKETS_S:
                    lines.append(f'studyteddy_http_request_seconds_bucket{{route="{route}",le="{bound}"}} '
                                 f"{self.buckets[(route, bound)]}")
                lines.append(f'studyteddy_http_request_seconds_bucket{{route="{route}",le="+Inf"}} '
                             f"{self.latency_count[route]}")
                lines.append(f'studyteddy_http_request_seconds_sum{{route="{route}"}} {self.latency_sum[route]:.6f}')
                lines.append(f'studyteddy_http_request_seconds_count{{route="{route}"}} {self.latency_count[route]}')
            return lines


REQUEST_METRICS = RequestMetrics()


def render_metrics(services: ServerServices) -> str:
    lines = REQUEST_METRICS.render() + SYNC_LAG.render()
    try:
        depth = int(services.redis.llen(HUEY_QUEUE_KEY))
    except Exception:
        depth = -1
    lines += ["# TYPE studyteddy_queue_depth gauge", f"studyteddy_queue_depth {depth}"]
    return "\n".join(lines) + "\n"
