"""Two devices of one student sync through three replicas: push on one, pull on another, notice on the third."""

from __future__ import annotations

import json
import threading
import uuid

import httpx

from tests.sync_server.conftest import sign_in

NODE_A, NODE_B = "a1" * 8, "b2" * 8


def _stamp(ms: int, node: str, counter: int = 0) -> str:
    return f"{ms:013d}-{counter:06x}-{node}"


def _push(client: httpx.Client, changes: list[dict], push_id: str | None = None) -> httpx.Response:
    return client.post("/v1/sync/push", json={"push_id": push_id or str(uuid.uuid4()), "changes": changes})


def _pull_all(client: httpx.Client, cursor: int = 0) -> tuple[dict, int]:
    records: dict = {}
    while True:
        page = client.get("/v1/sync/pull", params={"cursor": cursor, "limit": 2}).json()
        for record in page["records"]:
            records[(record["collection"], record["record_id"])] = record
        cursor = page["cursor"]
        if not page["more"]:
            return records, cursor


def test_a_change_pushed_through_one_replica_is_pulled_through_another_and_announced_on_the_third(
        replicas, make_student):
    student = make_student()
    laptop, phone = sign_in(replicas[0], student, "laptop"), sign_in(replicas[1], student, "phone")
    notices: list[dict] = []
    listening = threading.Event()

    def listen() -> None:
        with replicas[2].client(phone["access_token"]) as client, \
                client.stream("GET", "/v1/sync/events", timeout=30) as stream:
            event = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                    if event == "ready":
                        listening.set()
                elif line.startswith("data: ") and event == "changes":
                    notices.append(json.loads(line.removeprefix("data: ")))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert listening.wait(20)
    with replicas[0].client(laptop["access_token"]) as client:
        pushed = _push(client, [
            {"collection": "decks", "record_id": "deck1", "fields": {"name": {"value": "Biology", "stamp": _stamp(1, NODE_A)}}},
            {"collection": "cards", "record_id": "card1", "fields": {
                "front": {"value": "What is osmosis?", "stamp": _stamp(2, NODE_A)},
                "back": {"value": "Water crossing a membrane.", "stamp": _stamp(2, NODE_A)}}},
            {"collection": "review_logs", "record_id": "rev1", "fields": {"card": {"value": "card1", "stamp": _stamp(3, NODE_A)},
                                                                       "rating": {"value": 3, "stamp": _stamp(3, NODE_A)}}},
        ])
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["applied"] == 3
    listener.join(20)
    assert notices and notices[0]["cursor"] == pushed.json()["cursor"]

    with replicas[1].client(phone["access_token"]) as client:
        records, cursor = _pull_all(client)
        summary = client.get("/v1/sync/summary").json()
        metrics = client.get("/metrics").text
    assert records[("cards", "card1")]["values"] == {"front": "What is osmosis?", "back": "Water crossing a membrane."}
    assert cursor == pushed.json()["cursor"] == summary["cursor"]
    # The replica that delivered the records counted how long they had waited for this device.
    delivered = [line for line in metrics.splitlines() if line.startswith("studyteddy_sync_lag_seconds_count")]
    assert delivered and int(delivered[0].split()[-1]) >= 3
    assert {name: entry["count"] for name, entry in summary["collections"].items()} == {
        "decks": 1, "cards": 1, "review_logs": 1}


def test_a_retried_push_applies_nothing_twice(replicas, make_student):
    student = make_student()
    tokens = sign_in(replicas[0], student)
    push_id = str(uuid.uuid4())
    change = [{"collection": "cards", "record_id": "c", "fields": {"front": {"value": "Q", "stamp": _stamp(5, NODE_A)}}}]
    with replicas[0].client(tokens["access_token"]) as first, replicas[1].client(tokens["access_token"]) as second:
        original = _push(first, change, push_id).json()
        retry = _push(second, change, push_id).json()
        records, cursor = _pull_all(first)
    assert retry["replayed"] and not original["replayed"]
    assert retry["cursor"] == original["cursor"] == cursor and len(records) == 1


def test_edits_of_different_fields_on_two_devices_both_survive_and_concurrent_text_is_kept(replicas, make_student):
    student = make_student()
    laptop, phone = sign_in(replicas[0], student, "laptop"), sign_in(replicas[1], student, "phone")
    created = _stamp(10, NODE_A)
    with replicas[0].client(laptop["access_token"]) as a, replicas[1].client(phone["access_token"]) as b:
        _push(a, [{"collection": "cards", "record_id": "c", "fields": {
            "front": {"value": "Q", "stamp": created}, "back": {"value": "A", "stamp": created}}}])
        _push(a, [{"collection": "cards", "record_id": "c", "fields": {
            "front": {"value": "Q (laptop)", "stamp": _stamp(20, NODE_A), "base": created},
            "back": {"value": "A (laptop)", "stamp": _stamp(20, NODE_A), "base": created}}}])
        _push(b, [{"collection": "cards", "record_id": "c", "fields": {
            "back": {"value": "A (phone)", "stamp": _stamp(21, NODE_B), "base": created},
            "due": {"value": "2026-12-03", "stamp": _stamp(21, NODE_B)}}}])
        records, _ = _pull_all(b)
    card = records[("cards", "c")]
    assert card["values"] == {"front": "Q (laptop)", "back": "A (phone)", "due": "2026-12-03"}
    assert [(c["field"], c["value"]) for c in card["conflicts"]] == [("back", "A (laptop)")]


def test_an_old_client_is_told_to_update_instead_of_merging(replicas, make_student):
    tokens = sign_in(replicas[0], make_student())
    with httpx.Client(base_url=replicas[0].url, headers={"Authorization": f"Bearer {tokens['access_token']}"}) as client:
        missing = client.get("/v1/sync/pull")
        old = client.get("/v1/sync/pull", headers={"Study-Teddy-Protocol": "0"})
        future = client.get("/v1/sync/pull", headers={"Study-Teddy-Protocol": "99"})
    assert missing.status_code == old.status_code == future.status_code == 426
    assert missing.json()["error"]["code"] == old.json()["error"]["code"] == "update_needed"
    assert "Update the app" in old.json()["error"]["message"]
    assert future.json()["error"]["code"] == "server_too_old"


def test_values_the_database_cannot_hold_are_refused_by_name_and_nothing_of_the_push_is_applied(
        replicas, make_student):
    tokens = sign_in(replicas[0], make_student())
    fine = {"collection": "cards", "record_id": "ok", "fields": {"front": {"value": "Q", "stamp": _stamp(1, NODE_A)}}}
    with replicas[0].client(tokens["access_token"]) as client:
        answers = {}
        for name, value in (("nul", "a\x00b"), ("nested nul", {"k\x00": 1}), ("surrogate", "\ud800")):
            body = {"push_id": str(uuid.uuid4()), "changes": [fine, {"collection": "cards", "record_id": "bad",
                    "fields": {"back": {"value": value, "stamp": _stamp(2, NODE_A)}}}]}
            answers[name] = client.post("/v1/sync/push", content=json.dumps(body),
                                        headers={"content-type": "application/json"})
        nan = client.post("/v1/sync/push", content=b'{"push_id": "%s", "changes": [{"collection": "cards", '
                          b'"record_id": "n", "fields": {"due": {"value": NaN, "stamp": "%s"}}}]}'
                          % (str(uuid.uuid4()).encode(), _stamp(3, NODE_A).encode()),
                          headers={"content-type": "application/json"})
        records, _ = _pull_all(client)
    for name, answer in answers.items():
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["error"]["code"] == "unstorable_value" and "fields.back" in answer.json()["error"]["message"]
    assert nan.status_code == 422
    assert records == {}
