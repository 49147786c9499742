"""How synced records merge: per field by hybrid timestamp, text never lost, tombstones, append-only logs.

Every rule here is a function of the *set* of writes a record has received, never of their order,
so any two replicas that received the same writes hold the same state (the merge-property tests
try thousands of orders). The rules, as the protocol documents them:

- A field's value is the write with the newest stamp. A write names the stamp of the value it was
  made on top of (`base`). A text version that lost, and that no write was made on top of, was
  concurrent with the winner: it stays visible as a conflict copy until a device resolves it
  (`resolved`, after showing the student both), so concurrent text is never lost.
- A deletion is a tombstone stamp. A record is deleted while its tombstone is newer than every
  field write; an edit stamped after the deletion (made on a device that had not seen it) brings
  the record back with every field, because losing the student's newer work is worse than a
  card reappearing. Absence of a record is never a deletion.
- Append-only collections (the review log) refuse deletion; their `earliest` fields (when an
  answer was undone) keep the earliest stamp ever sent.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

# How many losing versions of one text field a record keeps: the newest, so the cap is order-free.
MAX_TEXT_VERSIONS = 20


@dataclass(frozen=True)
class CollectionRule:
    name: str
    text_fields: frozenset[str] = frozenset()
    append_only: bool = False
    # Fields whose earliest write wins (an undo stamp must not move later when two devices send it).
    earliest_fields: frozenset[str] = frozenset()


def _rule(name: str, text: tuple[str, ...] = (), **options: Any) -> CollectionRule:
    return CollectionRule(name, frozenset(text), **options)


COLLECTIONS: dict[str, CollectionRule] = {rule.name: rule for rule in (
    _rule("profile", ("display_name",)),
    _rule("decks", ("name", "description")),
    _rule("cards", ("front", "back", "notes")),
    _rule("review_logs", append_only=True, earliest_fields=frozenset({"undone_at"})),
    _rule("documents", ("title",)),
    _rule("tasks", ("title", "description")),
    _rule("exams", ("title", "notes")),
    _rule("study_sessions", ("notes",)),
    _rule("threads", ("title",)),
    _rule("interactions", append_only=True),
)}


class MergeRefusedError(ValueError):
    """A write the rules never accept (deleting an append-only record, an unknown collection)."""


@dataclass(frozen=True)
class FieldWrite:
    value: Any
    stamp: str
    base: str | None = None


@dataclass(frozen=True)
class RecordChange:
    collection: str
    record_id: str
    fields: dict[str, FieldWrite] = field(default_factory=dict)
    delete_stamp: str | None = None
    # Conflict copies the student has dealt with, by field: the stamps of the versions.
    resolved: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ConflictCopy:
    field: str
    value: Any
    stamp: str


def empty_state() -> dict[str, Any]:
    """A record as stored: the winning write per field; per text field the kept versions, the stamps
    writes were made on top of, and the resolved copies; and the tombstone."""
    return {"fields": {}, "versions": {}, "bases": {}, "resolved": {}, "tombstone": None}


def _is_newer(stamp: str, than: str | None) -> bool:
    # Stamps are fixed-width strings that sort as the clocks do (domain/hybrid_clock.py).
    return than is None or stamp > than


def apply_change(state: dict[str, Any], change: RecordChange) -> tuple[dict[str, Any], bool]:
    """The record after `change`, and whether anything in it changed; `state` is left as it was."""
    rule = COLLECTIONS.get(change.collection)
    if rule is None:
        raise MergeRefusedError(f"Unknown collection “{change.collection}”.")
    if change.delete_stamp is not None and rule.append_only:
        raise MergeRefusedError(f"Records of “{rule.name}” are history and cannot be deleted.")
    merged = copy.deepcopy(state)
    changed = False
    for name, write in change.fields.items():
        changed |= _apply_write(merged, rule, name, write)
    for name, stamps in change.resolved.items():
        if name in rule.text_fields:
            changed |= _grow(merged["resolved"], name, stamps)
    if change.delete_stamp is not None and _is_newer(change.delete_stamp, merged["tombstone"]):
        merged["tombstone"] = change.delete_stamp
        changed = True
    return merged, changed


def _apply_write(state: dict[str, Any], rule: CollectionRule, name: str, write: FieldWrite) -> bool:
    fields = state["fields"]
    current = fields.get(name)
    offered = {"value": write.value, "stamp": write.stamp, "base": write.base}
    if current is not None and current["stamp"] == write.stamp:
        return False  # the same write again: a retried push
    if name in rule.earliest_fields:
        # A set value beats none, then the earliest stamp: a total order, so arrival order never matters.
        wins = current is None or ((write.value is None, write.stamp) < (current["value"] is None,
                                                                          current["stamp"]))
    else:
        wins = current is None or write.stamp > current["stamp"]
    kept = False
    if name in rule.text_fields:
        loser = current if wins else offered
        kept = loser is not None and _keep_version(state, name, loser)
        if write.base is not None:
            kept |= _grow(state["bases"], name, (write.base,))
    if wins:
        fields[name] = offered
    return wins or kept


def _keep_version(state: dict[str, Any], name: str, version: dict[str, Any]) -> bool:
    versions = state["versions"].setdefault(name, [])
    if any(kept["stamp"] == version["stamp"] for kept in versions):
        return False
    versions.append(version)
    versions.sort(key=lambda kept: kept["stamp"], reverse=True)
    del versions[MAX_TEXT_VERSIONS:]
    return True


def _grow(sets: dict[str, list[str]], name: str, stamps: tuple[str, ...]) -> bool:
    """Add to a grow-only set of stamps, keeping the newest few (a cap that ignores arrival order)."""
    before = sets.get(name, [])
    grown = sorted(set(before) | {stamp for stamp in stamps if isinstance(stamp, str)}, reverse=True)
    grown = grown[:MAX_TEXT_VERSIONS * 4]
    if grown == before:
        return False
    sets[name] = grown
    return True


def is_deleted(state: dict[str, Any]) -> bool:
    tombstone = state["tombstone"]
    if tombstone is None:
        return False
    return all(write["stamp"] < tombstone for write in state["fields"].values())


def values(state: dict[str, Any]) -> dict[str, Any]:
    return {name: write["value"] for name, write in state["fields"].items()}


def conflict_copies(state: dict[str, Any]) -> list[ConflictCopy]:
    """Text versions that lost to a concurrent write and are not resolved, newest first, once per value."""
    copies: list[ConflictCopy] = []
    for name, versions in sorted(state["versions"].items()):
        winner = state["fields"].get(name)
        if winner is None:
            continue
        superseded = set(state["bases"].get(name, ())) | set(state["resolved"].get(name, ()))
        seen_values = {_fingerprint(winner["value"])}
        for version in versions:
            fingerprint = _fingerprint(version["value"])
            if version["stamp"] not in superseded and fingerprint not in seen_values:
                seen_values.add(fingerprint)
                copies.append(ConflictCopy(name, version["value"], version["stamp"]))
    return copies


def _fingerprint(value: Any) -> str:
    return repr(value)
