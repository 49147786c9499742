"""The fault drill's settled check: a job left running by a killed worker is finished, not misreported."""

from __future__ import annotations

import sqlalchemy as sa

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.domain.job_queue import SELF_CHECK_JOB_KIND
from tests.fault_support import FaultLab


def test_jobs_a_killed_worker_left_running_are_finished_when_no_worker_was_left(tmp_path):
    lab = FaultLab(tmp_path / "lab", [], seed=1, ratings=0, rating_interval=0.1, skip_models=True)
    lab.root.mkdir()
    try:
        lab.attach()
        assert lab._observer is not None and lab._observer.endpoints is not None
        services = open_services(lab._observer.endpoints)
        try:
            job = services.jobs.submit(SELF_CHECK_JOB_KIND)
        finally:
            services.close()
        # What a worker killed mid-job leaves: its row running under its token, and no worker at all.
        with lab.sql() as db:
            db.execute(sa.text("UPDATE background_jobs SET state = 'running', worker_token = '999999-killed' "
                               "WHERE id = :id"), {"id": job.id})
            db.commit()
        assert "worker" not in lab.alive_targets(None)

        lab.check_settled("after the worker was killed last")

        assert lab.tally.violations == []
        assert "worker" in lab.alive_targets(None)
        with lab.sql() as db:
            assert db.scalar(sa.text("SELECT state FROM background_jobs WHERE id = :id"), {"id": job.id}) == "done"
    finally:
        lab.clean_up()
