"""The sync merge rules: any order of the same writes gives one state, and no text or review is lost."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyteddy_desktop.domain.hybrid_clock import HybridClock, HybridTimestamp, InvalidTimestampError
from studyteddy_desktop.domain.sync_merge import (
    FieldWrite,
    MergeRefusedError,
    RecordChange,
    apply_change,
    conflict_copies,
    empty_state,
    is_deleted,
    values,
)

NODES = ["a" * 16, "b" * 16, "c" * 16, "d" * 16]


def _replay(changes: list[RecordChange]) -> dict[tuple[str, str], dict]:
    states: dict[tuple[str, str], dict] = {}
    for change in changes:
        key = (change.collection, change.record_id)
        states[key], _changed = apply_change(states.get(key, empty_state()), change)
    return states


def test_a_stamp_round_trips_and_sorts_as_the_clock_does():
    early, late = HybridTimestamp(5, 2, NODES[0]), HybridTimestamp(5, 10, NODES[0])
    assert HybridTimestamp.decode(early.encode()) == early
    assert (early < late) == (early.encode() < late.encode())
    for broken in ("", "12-3-x", "0000000000005-00000a-" + "g" * 16, None, 5):
        with pytest.raises(InvalidTimestampError):
            HybridTimestamp.decode(broken)


def test_a_clock_never_goes_back_even_when_the_wall_clock_does():
    walls = iter([1_000, 900, 900, 5_000, 10, 10, 10])
    clock = HybridClock(NODES[0], wall=lambda: next(walls))
    stamps = [clock.now() for _ in range(5)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    # A stamp from a device whose clock runs years ahead: the next local write still sorts after it.
    ahead = HybridTimestamp(9_000_000_000_000, 3, NODES[1])
    clock.observe(ahead)
    assert clock.now() > ahead


def test_two_devices_editing_different_fields_both_keep_their_edits():
    front = RecordChange("cards", "c1", {"front": FieldWrite("Q?", "0000000000001-000000-" + NODES[0])})
    back = RecordChange("cards", "c1", {"back": FieldWrite("A.", "0000000000002-000000-" + NODES[1])})
    for order in ([front, back], [back, front]):
        assert values(_replay(order)[("cards", "c1")]) == {"front": "Q?", "back": "A."}


def test_concurrent_text_keeps_the_losing_version_as_a_conflict_copy():
    base = "0000000000001-000000-" + NODES[0]
    mine = RecordChange("cards", "c1", {"back": FieldWrite("mine", "0000000000005-000000-" + NODES[0], base)})
    theirs = RecordChange("cards", "c1", {"back": FieldWrite("theirs", "0000000000006-000000-" + NODES[1], base)})
    state = _replay([theirs, mine])[("cards", "c1")]
    assert values(state)["back"] == "theirs"
    assert [(copy.field, copy.value) for copy in conflict_copies(state)] == [("back", "mine")]
    # An edit made on top of the winner supersedes it knowingly: no copy.
    later = RecordChange("cards", "c1", {"back": FieldWrite("both", "0000000000007-000000-" + NODES[0],
                                                             "0000000000006-000000-" + NODES[1])})
    state, _ = apply_change(state, later)
    assert values(state)["back"] == "both"
    assert [copy.value for copy in conflict_copies(state)] == ["mine"]
    # Shown to the student and dealt with: resolving the copy hides it, on every replica.
    state, _ = apply_change(state, RecordChange("cards", "c1", resolved={"back": ("0000000000005-000000-" + NODES[0],)}))
    assert conflict_copies(state) == []


def test_an_edit_after_a_deletion_brings_the_record_back_and_an_older_one_does_not():
    created = RecordChange("decks", "d1", {"name": FieldWrite("Bio", "0000000000001-000000-" + NODES[0])})
    deleted = RecordChange("decks", "d1", delete_stamp="0000000000005-000000-" + NODES[0])
    older = RecordChange("decks", "d1", {"name": FieldWrite("Biology", "0000000000003-000000-" + NODES[1])})
    newer = RecordChange("decks", "d1", {"name": FieldWrite("Biology 2", "0000000000009-000000-" + NODES[1])})
    assert is_deleted(_replay([created, deleted, older])[("decks", "d1")])
    assert not is_deleted(_replay([created, newer, deleted])[("decks", "d1")])


def test_history_cannot_be_deleted_and_unknown_collections_are_refused():
    with pytest.raises(MergeRefusedError, match="cannot be deleted"):
        apply_change(empty_state(), RecordChange("review_logs", "r1", delete_stamp="0000000000001-000000-" + NODES[0]))
    with pytest.raises(MergeRefusedError, match="Unknown collection"):
        apply_change(empty_state(), RecordChange("passwords", "p1"))


# A history: each step is (device, action, record, text); devices sometimes see each other's writes.
_steps = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["edit", "rename", "delete", "review", "undo", "sync"]),
                            st.integers(0, 2), st.text(max_size=6)), min_size=1, max_size=40)


def _history(devices: int, steps, skews) -> tuple[list[RecordChange], list[tuple[str, str, str]], set[str]]:
    now = [0]

    def wall_for(device: int):
        return lambda: now[0] + skews[device]

    clocks = [HybridClock(NODES[d], wall=wall_for(d)) for d in range(devices)]
    seen: list[dict[tuple[str, str, str], str]] = [{} for _ in range(devices)]  # (coll, id, field) -> stamp
    changes: list[RecordChange] = []
    texts: list[tuple[str, str, str]] = []
    reviews: set[str] = set()
    for step, (device, action, record, text) in enumerate(steps):
        device %= devices
        now[0] += 7
        clock = clocks[device]
        if action == "sync":
            other = (device + 1) % devices
            for key, stamp in seen[other].items():
                if key not in seen[device] or stamp > seen[device][key]:
                    seen[device][key] = stamp
                    clock.observe(HybridTimestamp.decode(stamp))
            continue
        stamp = clock.now().encode()
        if action in ("edit", "rename"):
            name = "back" if action == "edit" else "due"
            key = ("cards", f"c{record}", name)
            change = RecordChange("cards", f"c{record}", {name: FieldWrite(text, stamp, seen[device].get(key))})
            seen[device][key] = stamp
            if name == "back":
                texts.append((f"c{record}", text, stamp))
        elif action == "delete":
            change = RecordChange("cards", f"c{record}", delete_stamp=stamp)
        elif action == "review":
            review_id = f"r{device}-{step}"
            reviews.add(review_id)
            change = RecordChange("review_logs", review_id, {"card": FieldWrite(f"c{record}", stamp),
                                                             "rating": FieldWrite(record + 1, stamp)})
        else:
            if not reviews:
                continue
            target = sorted(reviews)[record % len(reviews)]
            change = RecordChange("review_logs", target, {"undone_at": FieldWrite(stamp, stamp)})
        changes.append(change)
    return changes, texts, reviews


@settings(max_examples=300, deadline=None)
@given(devices=st.integers(2, 4), steps=_steps,
       skews=st.lists(st.integers(-10**9, 10**9), min_size=4, max_size=4), seed=st.integers(0, 2**32))
def test_any_order_with_retries_converges_and_loses_no_review_or_text(devices, steps, skews, seed):
    changes, texts, reviews = _history(devices, steps, skews)
    shuffled = random.Random(seed).sample(changes, len(changes))
    retried = shuffled + random.Random(seed + 1).sample(changes, len(changes) // 2)
    first, second = _replay(changes), _replay(retried)
    assert first == second
    assert {record for collection, record in first if collection == "review_logs"} == reviews
    for record, text, stamp in texts:
        state = first[("cards", record)]
        winner = state["fields"]["back"]
        kept = {version["stamp"] for version in state["versions"].get("back", [])}
        # Every text written is the value, or kept; visible unless a later write was made on top of it.
        assert stamp == winner["stamp"] or stamp in kept or len(kept) == 20
        made_on_top = stamp in state["bases"].get("back", ())
        if stamp != winner["stamp"] and not made_on_top and text != winner["value"] and stamp in kept:
            assert text in {copy.value for copy in conflict_copies(state)}
