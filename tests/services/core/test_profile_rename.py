"""A rename in Settings reaches every place that shows the student's name."""

from __future__ import annotations

import pytest

from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.worker.queue import HueyJobQueue


@pytest.fixture()
def services(endpoints, database):
    services = AppServices(endpoints, HueyJobQueue.for_endpoints(endpoints), database=database)
    yield services
    services.queue.close()
    services.shared_store.close()


def test_a_rename_reaches_the_student_and_the_dashboard_greeting(services):
    services.profile.update_profile(display_name="Ada Before")
    # Read once first, so the name is cached in the student and the dashboard in the shared store.
    assert services.student.display_name() == "Ada Before"
    assert services.dashboard.dashboard().display_name == "Ada Before"
    services.profile.update_profile(display_name="Ada After")
    assert services.student.display_name() == "Ada After"
    assert services.dashboard.dashboard().display_name == "Ada After"
