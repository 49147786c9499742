"""The sync protocol's messages (version 1): pushes of per-field writes, paged pulls, the summary check."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from studyteddy_desktop.domain.hybrid_clock import HybridTimestamp, InvalidTimestampError
from studyteddy_desktop.domain.sync_merge import COLLECTIONS

FIELD_NAME = r"^[a-z_][a-z0-9_]{0,63}$"
RECORD_ID = r"^[A-Za-z0-9_-]{1,64}$"
COLLECTION = r"^[a-z_]{1,32}$"
# The encoded hybrid timestamp (ASCII digits: JSON Schema's \d is ASCII where Python's is not).
STAMP = r"^[0-9]{13}-[0-9a-f]{6}-[0-9a-f]{16}$"
FieldName = Annotated[str, StringConstraints(pattern=FIELD_NAME)]
Stamp = Annotated[str, StringConstraints(pattern=STAMP)]


def _stamp(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return HybridTimestamp.decode(value).encode()
    except InvalidTimestampError as error:
        raise ValueError(f"{value!r} is not a hybrid timestamp (wall_ms-counter-device)") from error


class FieldWriteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = Field(description="Any JSON value; its encoded size is limited.")
    stamp: Stamp = Field(description="The write's hybrid timestamp: 13-digit ms, 6 hex counter, 16 hex device.")
    base: Stamp | None = Field(default=None, description="The stamp of the value this write was made on top of.")

    _check_stamp = field_validator("stamp", "base")(_stamp)


# What the merge rules refuse, stated in the schema so a client learns it there and not from a 422:
# the collections that exist, and that history (append-only) records are never deleted.
_MERGE_RULES = {
    "if": {"properties": {"collection": {"enum": sorted(name for name, rule in COLLECTIONS.items()
                                                        if rule.append_only)}}, "required": ["collection"]},
    "then": {"properties": {"delete_stamp": {"type": "null"}}},
}


class RecordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_MERGE_RULES)

    collection: str = Field(pattern=COLLECTION, json_schema_extra={"enum": sorted(COLLECTIONS)})
    record_id: str = Field(pattern=RECORD_ID)
    # Only field names are keys: the schema says so too (patternProperties alone would allow any other key).
    fields: dict[FieldName, FieldWriteIn] = Field(default_factory=dict, max_length=64,
                                                  json_schema_extra={"additionalProperties": False})
    delete_stamp: Stamp | None = None
    resolved: dict[FieldName, list[Stamp]] = Field(default_factory=dict, max_length=16,
                                                   json_schema_extra={"additionalProperties": False},
                                           description="Conflict copies dealt with, by field: their stamps.")

    _check_delete = field_validator("delete_stamp")(_stamp)

    @field_validator("fields", "resolved")
    @classmethod
    def _field_names(cls, value: dict) -> dict:
        for name in value:
            if not re.match(FIELD_NAME, name):
                raise ValueError(f"{name!r} is not a field name (lower case letters, digits, _)")
        return value

    @field_validator("resolved")
    @classmethod
    def _resolved_stamps(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {name: [_stamp(stamp) for stamp in stamps[:64]] for name, stamps in value.items()}


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    push_id: uuid.UUID = Field(description="Made by the device once per push; a retry sends the same id.")
    changes: list[RecordChangeIn]


class PushResponse(BaseModel):
    push_id: uuid.UUID
    applied: int = Field(description="How many records changed (a retry, or writes already known, change none).")
    cursor: int = Field(description="The user's sequence after this push.")
    replayed: bool = Field(description="True when this push id was applied before and nothing was done now.")


class ConflictCopyOut(BaseModel):
    field: str
    value: Any
    stamp: str


class RecordOut(BaseModel):
    collection: str
    record_id: str
    server_seq: int
    values: dict[str, Any]
    deleted: bool
    conflicts: list[ConflictCopyOut]
    state: dict[str, Any] = Field(description="The merged state, for a device that merges with the same rules.")


class PullResponse(BaseModel):
    records: list[RecordOut]
    cursor: int = Field(description="Pass it as `cursor` to get what follows.")
    more: bool


class CollectionSummary(BaseModel):
    count: int
    digest: str = Field(description="MD5 over `record_id:server_seq` lines in record_id order.")


class SyncSummary(BaseModel):
    cursor: int
    collections: dict[str, CollectionSummary]
