"""Rate limits kept in Redis, so they hold across every replica: fixed windows, 429 with Retry-After."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from sync_server.core.errors import ApiError


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window_s: int


# Per address: a whole school behind one router signs in on the first morning (1,000 students in a
# few minutes), so this is generous; the per-account limits below are what stop guessing.
LOGIN_PER_ADDRESS = Limit("login-address", 300, 60)
# Per account and address: one machine guessing one student's password.
LOGIN_PER_ACCOUNT_AND_ADDRESS = Limit("login-account-address", 8, 60)
# Per account from anywhere: many machines guessing one password are slowed, not stopped for good;
# a device that already holds a session for the account is never held back by this one.
LOGIN_PER_ACCOUNT = Limit("login-account", 30, 15 * 60)
REFRESH_PER_ADDRESS = Limit("refresh-address", 240, 60)


class RateLimiter:
    def __init__(self, client: redis.Redis, prefix: str = "studyteddy-server:rl") -> None:
        self.client = client
        self.prefix = prefix

    def hit(self, limit: Limit, key: str) -> None:
        """Count one attempt; raise 429 with Retry-After once the window's attempts are used up."""
        window = int(time.time()) // limit.window_s
        redis_key = f"{self.prefix}:{limit.name}:{key}:{window}"
        pipe = self.client.pipeline()
        pipe.incr(redis_key)
        pipe.expire(redis_key, limit.window_s + 1)
        count, _ = pipe.execute()
        if int(count) > limit.attempts:
            retry_after = limit.window_s - int(time.time()) % limit.window_s
            raise ApiError(429, "rate_limited", f"Too many attempts; try again in {retry_after} s.",
                           headers={"Retry-After": str(retry_after)})
