"""The sync protocol's messages (version 1): pushes of per-field writes, paged pulls, the summary check."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from studyteddy_desktop.domain.hybrid_clock import HybridTimestamp, InvalidTimestampError

FIELD_NAME = r"^[a-z_][a-z0-9_]{0,63}$"
RECORD_ID = r"^[A-Za-z0-9_-]{1,64}$"
COLLECTION = r"^[a-z_]{1,32}$"


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
    stamp: str = Field(description="The write's hybrid timestamp: 13-digit ms, 6 hex counter, 16 hex device.")
    base: str | None = Field(default=None, description="The stamp of the value this write was made on top of.")

    _check_stamp = field_validator("stamp", "base")(_stamp)


class RecordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collection: str = Field(pattern=COLLECTION)
    record_id: str = Field(pattern=RECORD_ID)
    fields: dict[str, FieldWriteIn] = Field(default_factory=dict, max_length=64)
    delete_stamp: str | None = None
    resolved: dict[str, list[str]] = Field(default_factory=dict, max_length=16,
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
