"""SIGKILL during a push and during a pull, then sync again: nothing is lost and nothing arrives twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.sync_devices import desktop_device
from tests.sync_scenarios import server_records

TASKS = 2_400  # five pushes of 500
REVIEWS = 600


def _fill(device) -> None:
    owner = str(device.services.student.user_id())
    with device.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO tasks (user_id, title) SELECT CAST(:u AS uuid), 'Task ' || n "
                                   "FROM generate_series(1, :n) AS n"), {"u": owner, "n": TASKS})
        deck = connection.execute(sa.text("INSERT INTO flashcard_decks (user_id, name) VALUES (CAST(:u AS uuid), "
                                          "'Killed') RETURNING id"), {"u": owner}).scalar_one()
        card = connection.execute(sa.text("INSERT INTO flashcards (deck_id, front, back) VALUES (:d, 'f', 'b') "
                                          "RETURNING id"), {"d": deck}).scalar_one()
        connection.execute(sa.text("INSERT INTO review_logs (card_id, rating, reviewed_at, state_before) "
                                   "SELECT :c, 1 + n % 4, now() - n * interval '1 minute', 'review' "
                                   "FROM generate_series(1, :n) AS n"), {"c": card, "n": REVIEWS})


def _kill_during(device, server_url: str, student, phase: str, rng: random.Random) -> str:
    """Run the device's sync in a child process and SIGKILL it once `phase` progress shows; its output."""
    endpoints = device.services.endpoints
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.sync_kill_child", "--database-url", endpoints.database_url,
         "--redis-url", endpoints.redis_url or "", "--data-dir", endpoints.data_dir, "--server", server_url,
         "--login", student.login, "--password", student.password],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ})
    seen = []
    deadline = time.monotonic() + 120
    for line in child.stdout:
        seen.append(line)
        if line.startswith(phase):
            # Somewhere in the next request: before it is sent, while the server works, or after it answered.
            time.sleep(rng.uniform(0, 0.05))
            child.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "".join(seen)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, "the sync ended before it could be killed:\n" + "".join(seen)
    return "".join(seen)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_sync_killed_mid_push_and_mid_pull_resumes_without_loss_or_doubles(engine, endpoints, tmp_path, replicas,
                                                                            make_student, seed):
    rng = random.Random(seed)
    student = make_student()
    with desktop_device(engine, endpoints, tmp_path / "laptop", "laptop") as laptop, \
            desktop_device(engine, endpoints, tmp_path / "desktop", "desktop") as desktop:
        _fill(laptop)
        _kill_during(laptop, replicas[0].url, student, "upload", rng)
        laptop.sign_in(replicas[0].url, student)
        laptop.sync.sync()
        assert laptop.sync.status().pending_changes == 0
        token = laptop.sync.account.access_token(laptop.sync.client_factory(replicas[0].url))
        server = server_records(replicas[0].url, token)
        assert sum(1 for key in server if key[0] == "tasks") == TASKS
        assert sum(1 for key in server if key[0] == "review_logs") == REVIEWS

        _kill_during(desktop, replicas[1].url, student, "download", rng)
        desktop.sign_in(replicas[1].url, student)
        desktop.sync.sync()
        assert desktop.scalar("SELECT count(*) FROM tasks") == TASKS
        assert desktop.scalar("SELECT count(*) FROM review_logs") == REVIEWS
        assert desktop.scalar("SELECT count(*) FROM sync_inbox") == 0
        assert desktop.sync.status().pending_changes == 0
        titles = {row[0] for row in desktop.rows("SELECT title FROM tasks")}
        assert titles == {f"Task {n}" for n in range(1, TASKS + 1)}
