"""Generated offline work on three desktop profiles and one real server ends in one state, nothing lost.

The short run of benchmarks/sync_convergence.py: random creates, edits of the same and different
fields, deletions, reviews and document imports on each profile, syncs in random order, some cut
off after the server acted on a push or a pull. After a final round every profile and the server
hold the same records, every review exists once, and every unsent text edit survives.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.sync_devices import desktop_device, device_template
from tests.sync_scenarios import Scenario, server_records, steps, synced_state, unsent_texts
from tests.sync_server.conftest import admin_token, make_student, replicas, server_data_dir  # noqa: F401  (fixtures)

SUITE_SCENARIOS = 12


@pytest.fixture(scope="module")
def template(engine):
    with device_template(engine) as name:
        yield name


def run_scenario(engine, endpoints, base_dir, servers, student, template, plan) -> Scenario:
    """Run one plan on three fresh profiles and check every guarantee; the scenario, for its counts."""
    with desktop_device(engine, endpoints, base_dir / "a", "a", template=template) as a, \
            desktop_device(engine, endpoints, base_dir / "b", "b", template=template) as b, \
            desktop_device(engine, endpoints, base_dir / "c", "c", template=template) as c:
        devices = [a, b, c]
        a.sign_in(servers[0].url, student)
        deck = a.services.flashcards.create_deck("Shared")
        a.sync.sync()
        for index, device in enumerate(devices[1:], start=1):
            device.sign_in(servers[index % len(servers)].url, student)
            device.sync.sync()
        scenario = Scenario(devices, deck.id)
        files = base_dir / "files"
        files.mkdir(exist_ok=True)
        scenario.run(plan, files)
        concurrent = [text for device in devices for text in unsent_texts(device)]
        scenario.settle()
        check_converged(scenario, concurrent, servers[0].url, student)
        return scenario


def check_converged(scenario: Scenario, concurrent, server_url: str, student) -> None:
    states = [synced_state(device) for device in scenario.devices]
    assert states[0] == states[1] == states[2]
    token = scenario.devices[0].sync.account.access_token(scenario.devices[0].sync.client_factory(server_url))
    server = server_records(server_url, token)
    live_here = {key for key, (_values, gone) in states[0].items() if not gone}
    live_there = {key for key, record in server.items() if not record["deleted"] and key[0] != "profile"}
    assert live_here == live_there
    for device in scenario.devices:
        assert device.scalar("SELECT count(*) FROM review_logs") == scenario.ratings
        assert device.scalar("SELECT count(*) FROM sync_inbox") == 0
    assert sum(1 for key in server if key[0] == "review_logs") == scenario.ratings
    for collection, record_id, field, value in concurrent:
        record = server[(collection, record_id)]
        if record["deleted"]:
            continue
        kept = {version["value"] for version in record["state"]["versions"].get(field, [])}
        assert value == record["values"][field] or value in kept, (collection, field, value)


@settings(max_examples=SUITE_SCENARIOS, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps)
def test_three_profiles_converge_through_offline_work_and_cut_syncs(engine, endpoints, tmp_path_factory, replicas,
                                                                    make_student, template, plan):
    run_scenario(engine, endpoints, tmp_path_factory.mktemp("scenario"), replicas, make_student(), template, plan)
