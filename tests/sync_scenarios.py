"""Generated sync scenarios: offline work on three desktop profiles, syncs in any order, some cut mid-way.

Shared by the suite's short run (tests/services/sync/test_convergence.py) and the full-size one
(benchmarks/sync_convergence.py). A cut drops the server's answer after the server acted on the
request, on real loopback traffic: the case where a device cannot know whether its push landed.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from hypothesis import strategies as st

from studyteddy_desktop.db.sync_tracking import SYNCED_TABLES
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.domain.planner_dto import TaskDraft
from studyteddy_desktop.domain.sync_dto import SyncOfflineError
from studyteddy_desktop.services.sync.server_client import ServerClient
from tests.sync_devices import desktop_device

OPERATIONS = ("task", "retitle", "describe", "delete_task", "card", "front", "back", "delete_card", "review",
              "document", "same_document", "sync", "cut_push", "cut_pull")
_TEXT = st.text(alphabet="abcdefghij ÄÖü—", min_size=1, max_size=12).map(str.strip).filter(bool)
steps = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(OPERATIONS), st.integers(0, 5), _TEXT),
                 min_size=3, max_size=30)


class DroppingTransport(httpx.HTTPTransport):
    """Real HTTP to the server; the answer to the `nth` request whose path contains `path` is lost."""

    def __init__(self, path: str, nth: int) -> None:
        super().__init__()
        self.path, self.left = path, nth

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.path in request.url.path:
            self.left -= 1
            if self.left == 0:
                response.read()
                response.close()
                raise httpx.ReadError("the connection dropped (injected)", request=request)
        return response


@dataclasses.dataclass
class Scenario:
    devices: list  # tests.sync_devices.Device
    deck_id: uuid.UUID
    tasks: list[uuid.UUID] = dataclasses.field(default_factory=list)
    cards: list[uuid.UUID] = dataclasses.field(default_factory=list)
    ratings: int = 0
    cuts: int = 0
    documents: int = 0

    def run(self, plan: list[tuple[int, str, int, str]], files_dir) -> None:
        for number, (index, operation, target, text) in enumerate(plan):
            self._step(self.devices[index], operation, target, f"{text} {number}", files_dir)

    def _step(self, device, operation: str, target: int, text: str, files_dir) -> None:
        services = device.services
        try:
            if operation == "task":
                self.tasks.append(services.planner.add_task(TaskDraft(title=text)).id)
            elif operation in ("retitle", "describe", "delete_task") and self.tasks:
                task_id = self.tasks[target % len(self.tasks)]
                task = services.planner.get_task(task_id)
                if operation == "delete_task":
                    services.planner.delete_task(task_id)
                else:
                    services.planner.update_task(task_id, TaskDraft(
                        title=text if operation == "retitle" else task.title,
                        description=text if operation == "describe" else task.description))
            elif operation == "card":
                self.cards.append(services.flashcards.add_card(self.deck_id, CardDraft(text, "back")).id)
            elif operation in ("front", "back", "delete_card", "review") and self.cards:
                card_id = self.cards[target % len(self.cards)]
                card = services.flashcards.get_card(card_id)
                if operation == "delete_card":
                    services.flashcards.delete_cards([card_id])
                elif operation == "review":
                    outcome = services.reviews.rate(card_id, 1 + target % 4, shown_last_review_at=card.last_review_at)
                    self.ratings += 1 if outcome.accepted else 0
                else:
                    services.flashcards.update_card(card_id, CardDraft(
                        text if operation == "front" else card.front, text if operation == "back" else card.back))
            elif operation == "document":
                path = files_dir / f"notes-{uuid.uuid4().hex[:8]}.md"
                path.write_text(f"# {text}\n\nA page of notes about {text}.\n", encoding="utf-8")
                services.documents.import_file(path)
                self.documents += 1
            elif operation == "same_document":
                # The same lecture file imported on several devices before they sync: one copy stays live.
                path = files_dir / f"lecture-{device.name}.md"
                path.write_text("# The shared lecture\n\nEvery device imports these very bytes.\n", encoding="utf-8")
                services.documents.import_file(path)
            elif operation == "sync":
                device.sync.sync()
            elif operation in ("cut_push", "cut_pull"):
                self._cut_sync(device, "/sync/push" if operation == "cut_push" else "/sync/pull", 1 + target % 2)
        except (StudyTeddyError, KeyError):
            # Acting on a record this device has not seen yet (or deleted): a student could not either.
            pass

    def _cut_sync(self, device, path: str, nth: int) -> None:
        device.sync.client_factory = lambda url: ServerClient(url, transport=DroppingTransport(path, nth))
        try:
            device.sync.sync()
        except SyncOfflineError:
            self.cuts += 1
        finally:
            device.sync.client_factory = ServerClient

    def settle(self, rounds: int = 3) -> None:
        """Sync every device in turn until a whole round moves nothing either way."""
        for _round in range(rounds):
            results = [device.sync.sync() for device in self.devices]
            if not any(result.pushed or result.pulled for result in results):
                return
        for device in self.devices:
            device.sync.sync()


def unsent_texts(device) -> list[tuple[str, str, str, str]]:
    """(collection, record, field, value) of text writes the device has not sent: concurrent edits to keep."""
    found = []
    for record in device.rows("SELECT collection, record_id, pending FROM sync_local_records "
                              "WHERE collection IN ('tasks', 'cards') AND pending <> '{}'::jsonb"):
        table = "tasks" if record.collection == "tasks" else "flashcards"
        row = device.rows(f"SELECT to_jsonb(t) FROM {table} AS t WHERE id = CAST(:id AS uuid)", id=record.record_id)
        for name in ("title", "description", "front", "back"):
            if name in record.pending and row and isinstance(row[0][0].get(name), str):
                found.append((record.collection, record.record_id, name, row[0][0][name]))
    return found


def synced_state(device) -> dict[tuple[str, str], Any]:
    """Every synced record as this device shows it: its synced columns and whether it is deleted."""
    state: dict[tuple[str, str], Any] = {}
    with device.engine.connect() as connection:
        for table in SYNCED_TABLES:
            if table.collection == "profile":
                continue
            deleted = "t.deleted_at IS NOT NULL" if table.soft_deletes else "false"
            picked = ", ".join(f"'{column}', t.{column}" for column in table.columns if column != "created_at")
            for record_id, values, gone in connection.execute(sa.text(
                    f"SELECT t.id::text, jsonb_build_object({picked}), {deleted} FROM {table.table} AS t")):
                state[(table.collection, record_id)] = (json.dumps(values, sort_keys=True), gone)
    return state


def server_records(server_url: str, token: str) -> dict[tuple[str, str], dict]:
    records: dict[tuple[str, str], dict] = {}
    cursor = 0
    with httpx.Client(base_url=server_url, headers={"Study-Teddy-Protocol": "1",
                                                    "Authorization": f"Bearer {token}"}, timeout=30) as client:
        while True:
            page = client.get("/v1/sync/pull", params={"cursor": cursor, "limit": 500}).json()
            records.update({(r["collection"], r["record_id"]): r for r in page["records"]})
            cursor = page["cursor"]
            if not page["more"]:
                return records


def run_scenario(engine, endpoints, base_dir, servers, student, template, plan) -> Scenario:
    """Run one plan on three fresh profiles and check every guarantee; the scenario, for its counts."""
    with desktop_device(engine, endpoints, base_dir / "a", "a", template=template) as a, \
            desktop_device(engine, endpoints, base_dir / "b", "b", template=template) as b, \
            desktop_device(engine, endpoints, base_dir / "c", "c", template=template) as c:
        devices = [a, b, c]
        a.sign_in(servers[0].url, student)
        deck = a.services.flashcards.create_deck("Shared")
        # Records every profile has from the start, so edits, reviews and deletions meet on the same ones.
        shared_cards = [a.services.flashcards.add_card(deck.id, CardDraft(f"Shared {n}", "back")).id for n in (1, 2)]
        shared_task = a.services.planner.add_task(TaskDraft(title="Shared task")).id
        a.sync.sync()
        for index, device in enumerate(devices[1:], start=1):
            device.sign_in(servers[index % len(servers)].url, student)
            device.sync.sync()
        scenario = Scenario(devices, deck.id, tasks=[shared_task], cards=shared_cards)
        files = base_dir / "files"
        files.mkdir(exist_ok=True)
        scenario.run(plan, files)
        concurrent = [text for device in devices for text in unsent_texts(device)]
        scenario.settle()
        check_converged(scenario, concurrent, servers[0].url, student)
        return scenario


def check_converged(scenario: Scenario, concurrent, server_url: str, student) -> None:
    states = [synced_state(device) for device in scenario.devices]
    for other in (1, 2):
        differ = {key: (states[0].get(key), states[other].get(key))
                  for key in states[0].keys() | states[other].keys() if states[0].get(key) != states[other].get(key)}
        assert not differ, f"profiles a and {'abc'[other]} differ: {differ}"
    token = scenario.devices[0].sync.account.access_token(scenario.devices[0].sync.client_factory(server_url))
    server = server_records(server_url, token)
    live_here = {key for key, (_values, gone) in states[0].items() if not gone}
    live_there = {key for key, record in server.items() if not record["deleted"] and key[0] != "profile"}
    assert live_here == live_there, f"live on the profiles only: {live_here - live_there}, on the server only: " \
                                    f"{live_there - live_here}"
    for device in scenario.devices:
        assert device.scalar("SELECT count(*) FROM review_logs") == scenario.ratings, "reviews lost or doubled"
        assert device.scalar("SELECT count(*) FROM sync_inbox") == 0, device.rows("SELECT * FROM sync_inbox")
        assert device.scalar("SELECT count(*) - count(DISTINCT content_sha256) FROM documents "
                             "WHERE deleted_at IS NULL") == 0
    assert sum(1 for key in server if key[0] == "review_logs") == scenario.ratings
    for collection, record_id, field, value in concurrent:
        record = server[(collection, record_id)]
        if record["deleted"]:
            continue
        kept = {version["value"] for version in record["state"]["versions"].get(field, [])}
        assert value == record["values"][field] or value in kept, (collection, field, value)
