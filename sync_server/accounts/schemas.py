"""What the account endpoints take and give, as typed models (they make /openapi.json)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sync_server.core.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

Role = Literal["student", "teacher", "admin"]
# A password being set: the schema states the length rule the server enforces, so a client knows it up front.
NEW_PASSWORD = {"min_length": MIN_PASSWORD_LENGTH, "max_length": MAX_PASSWORD_LENGTH}
# A new account's login: the characters the server accepts (accounts/administration.py checks the same).
NEW_LOGIN = {"pattern": r"^[A-Za-z0-9._@+-]{3,254}$", "min_length": 3, "max_length": 254}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(_Strict):
    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    device_name: str = Field(default="Study Teddy", min_length=1, max_length=120)


class RefreshRequest(_Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    session_id: uuid.UUID


class RegisterRequest(_Strict):
    login: str = Field(**NEW_LOGIN)
    password: str = Field(**NEW_PASSWORD)
    display_name: str = Field(min_length=1, max_length=120)


class PasswordChange(_Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(**NEW_PASSWORD)
    end_other_sessions: bool = True


class AccountPublic(BaseModel):
    id: uuid.UUID
    login: str
    display_name: str
    role: Role
    disabled: bool


class AccountCreate(_Strict):
    login: str = Field(**NEW_LOGIN)
    display_name: str = Field(min_length=1, max_length=120)
    role: Role = "student"
    password: str | None = Field(default=None, **NEW_PASSWORD)
    classes: list[str] = Field(default_factory=list, max_length=20)


class CreatedAccount(BaseModel):
    account: AccountPublic
    # Shown once, when the server made the password up: the admin hands it to the student.
    initial_password: str | None = None


class RosterReport(BaseModel):
    created: list[CreatedAccount]
    skipped: list[str] = Field(description="Logins that already had an account, left unchanged.")
    errors: list[str] = Field(description="One line per rejected row, with its line number and why.")


class PasswordReset(_Strict):
    new_password: str | None = Field(default=None, **NEW_PASSWORD)


class SessionPublic(BaseModel):
    id: uuid.UUID
    device_name: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


class ClassPublic(BaseModel):
    id: uuid.UUID
    name: str
    members: int
