"""Generated offline work on three desktop profiles and one real server ends in one state, nothing lost.

The short run of benchmarks/sync_convergence.py: random creates, edits of the same and different
fields, deletions, reviews and document imports on each profile, syncs in random order, some cut
off after the server acted on a push or a pull. After a final round every profile and the server
hold the same records, every review exists once, and every unsent text edit survives.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.sync_devices import device_template
from tests.sync_scenarios import run_scenario, steps

SUITE_SCENARIOS = 12


@pytest.fixture(scope="module")
def template(engine):
    with device_template(engine) as name:
        yield name


@settings(max_examples=SUITE_SCENARIOS, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps)
def test_three_profiles_converge_through_offline_work_and_cut_syncs(engine, endpoints, tmp_path_factory, replicas,
                                                                    make_student, template, plan):
    run_scenario(engine, endpoints, tmp_path_factory.mktemp("scenario"), replicas, make_student(), template, plan)
