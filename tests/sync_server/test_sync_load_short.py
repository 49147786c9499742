"""A short run of benchmarks/sync_load.py against the three replicas: many students at once lose nothing."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import sync_load

STUDENTS, IN_FLIGHT = 40, 10


def test_forty_students_ten_at_a_time_push_and_pull_through_the_replicas_without_an_error_or_a_lost_change(
        replicas, endpoints):
    students = sync_load.create_accounts(endpoints.database_url, STUDENTS, f"load-{uuid.uuid4().hex[:8]}")
    urls = [server.url for server in replicas]

    signed_in = asyncio.run(sync_load.sign_in_all(urls, students, IN_FLIGHT, timeout_s=180))
    assert signed_in.errors == []
    # Each student pushes through one replica and pulls through the next, ten students at a time.
    synced = asyncio.run(sync_load.run_syncs(urls, students, IN_FLIGHT, timeout_s=180))

    assert synced.errors == []
    assert len(synced.latencies["push"]) == len(synced.latencies["pull"]) == STUDENTS
    assert sync_load.lost_changes(endpoints.database_url, students) == []
