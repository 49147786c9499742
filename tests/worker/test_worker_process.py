"""A real huey consumer process: tasks, events, idempotence and the startup reaper."""

from __future__ import annotations

import time
import uuid


from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.domain.dto import JobDTO
from studyteddy_desktop.domain.enums import JobState
from studyteddy_desktop.domain.job_queue import SELF_CHECK_JOB_KIND
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.core.event_channel import open_event_subscription
from tests.worker_support import session_worker


def wait_for_final(services: AppServices, job_id: uuid.UUID, timeout: float = 30) -> JobDTO:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = services.jobs.get(job_id)
        if job.state in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {services.jobs.get(job_id)}")


def test_a_job_goes_through_the_real_consumer_and_reports_events(worker, services, endpoints):
    subscription = open_event_subscription(endpoints.redis_url, endpoints.database_url)
    try:
        job = services.jobs.submit(SELF_CHECK_JOB_KIND)
        finished = wait_for_final(services, job.id)
        kinds = []
        deadline = time.monotonic() + 5
        while "job.done" not in kinds and time.monotonic() < deadline:
            event = subscription.next_event(timeout=0.2)
            if event is not None and event.job_id == str(job.id):
                kinds.append(event.kind)
    finally:
        subscription.close()
    assert finished.state == "done", finished.error
    assert finished.result["worker_pid"] == worker.running_pid()
    assert finished.result["embedding_model"] and finished.result["llm_model"]
    assert kinds[0] == "job.started" and "job.progress" in kinds and kinds[-1] == "job.done"


def test_the_worker_answers_a_ping(worker, services):
    health = services.health.check_worker()
    assert health.healthy, health.detail
    assert str(worker.running_pid()) in health.detail


def test_a_job_delivered_twice_runs_once(worker, services):
    job = services.jobs.submit(SELF_CHECK_JOB_KIND)
    services.jobs.enqueue(job.id)
    finished = wait_for_final(services, job.id)
    time.sleep(0.5)
    assert services.jobs.get(job.id).attempts == finished.attempts == 1


def test_an_unknown_job_kind_fails_with_a_clear_reason(worker, services):
    job = services.jobs.submit("teleport_homework")
    finished = wait_for_final(services, job.id)
    assert finished.state == "failed"
    assert "cannot run jobs of kind 'teleport_homework'" in finished.error


def test_the_startup_reaper_finishes_work_a_dead_worker_left_running(endpoints, services):
    with services.database.unit_of_work() as session:
        orphan = BackgroundJob(kind=SELF_CHECK_JOB_KIND, payload={}, state=JobState.RUNNING, attempts=1)
        session.add(orphan)
        session.flush()
        orphan_id = orphan.id
    process = session_worker(endpoints)
    process.ensure_running()
    try:
        finished = wait_for_final(services, orphan_id)
    finally:
        process.stop()
    assert finished.state == "done"
    assert finished.attempts == 2


def test_a_second_worker_on_the_same_data_directory_steps_aside(worker, endpoints):
    pid = worker.running_pid()
    other = session_worker(endpoints)
    assert other.ensure_running() is False
    assert worker.running_pid() == pid
