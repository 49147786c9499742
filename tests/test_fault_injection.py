"""SIGKILLs of the app, the worker, PostgreSQL and Redis mid-work: nothing stuck, lost or doubled afterwards."""

from __future__ import annotations

import os
import signal
import time

import pytest
import sqlalchemy as sa

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from tests.document_samples import long_pdf
from tests.fault_support import FaultLab, build_samples, drill, processes_using


@pytest.fixture()
def lab(tmp_path):
    files = build_samples(tmp_path / "files", long_pages=20, small_files=3)
    lab = FaultLab(tmp_path / "lab", files, seed=12, ratings=30, rating_interval=0.3, skip_models=True,
                   settle_timeout=300)
    lab.root.mkdir()
    yield lab
    lab.clean_up()


def test_one_kill_of_each_process_loses_nothing_and_leaves_nothing_stuck(lab):
    lab.attach()
    lab.add_cards(40)
    drill(lab, 0, 0, max_delay=1.0)
    lab.measure_clean()
    lab.detach()
    lab.check_full_stop("after the clean run")
    # One kill of each target; an epoch that ends before its kills leaves the rest to the next. With the
    # queue on PostgreSQL there is no Redis process, so the targets are the app, the worker and PostgreSQL.
    missing, epoch = list(lab.targets), 0
    while missing and epoch < 4:
        epoch += 1
        lab.forget_documents()
        drill(lab, epoch, len(missing), max_delay=2.0, targets=missing)
        missing = [target for target in lab.targets if not lab.tally.kills[target]]
    lab.detach()
    lab.check_full_stop("after the kills")
    lab.detach()

    assert missing == [], lab.tally.kills
    assert lab.acknowledged(), "no rating was acknowledged, so none was checked"
    assert lab.tally.violations == []


def test_a_document_whose_database_restarted_mid_import_still_gets_indexed(tmp_path):
    """The worker outlives a PostgreSQL crash; the job it was running must not stay claimed by it for ever."""
    runtime = ServiceRuntime(Settings(data_dir=tmp_path / "data"))
    services = open_services(runtime.start())
    try:
        pdf = long_pdf(tmp_path / "enzymes.pdf", 40)
        document = services.documents.import_file(pdf).document
        worker_pid = runtime.worker.running_pid()
        deadline = time.monotonic() + 180
        while services.documents.get(document.id).progress < 0.1:
            assert time.monotonic() < deadline, "the import never got under way"
            time.sleep(0.1)
        os.kill(runtime.postgres.running_pid(), signal.SIGKILL)
        time.sleep(1.0)
        # As the next app start would: bring the server back, leave the worker be.
        restarter = ServiceRuntime(Settings(data_dir=tmp_path / "data"), with_worker=False)
        restarter.start()
        restarter.stop()

        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            try:
                status = services.documents.get(document.id).status
            except ServiceUnavailableError:
                status = "unreachable"
            if status in ("ready", "failed"):
                break
            time.sleep(0.5)
        assert runtime.worker.running_pid() == worker_pid, "the worker was restarted; this test needs it alive"
        assert status == "ready", f"after the database came back the document is {status}"
        while _index_jobs_owed(services) and time.monotonic() < deadline:
            time.sleep(0.5)  # the job row ends just after the document is ready
        assert _index_jobs_owed(services) == 0
    finally:
        services.close()
        runtime.stop()
    assert not processes_using(tmp_path / "data")


def _index_jobs_owed(services) -> int:
    with services.database.unit_of_work() as session:
        return session.execute(sa.text(
            "SELECT count(*) FROM background_jobs WHERE kind = 'document_index' AND state <> 'done'")).scalar_one()
