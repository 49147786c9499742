"""Signing in, refreshing, signing out, registering (when the server allows it) and the account itself."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, status

from sync_server.accounts.schemas import (
    AccountCreate,
    AccountPublic,
    LoginRequest,
    PasswordChange,
    RefreshRequest,
    RegisterRequest,
    SessionPublic,
    TokenPair,
)
from sync_server.api.deps import Claims, Services, client_address, optional_claims
from sync_server.core.errors import ERROR_RESPONSES, ApiError
from sync_server.core.rate_limit import (
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_ACCOUNT_AND_ADDRESS,
    LOGIN_PER_ADDRESS,
    REFRESH_PER_ADDRESS,
)
from sync_server.core.security import AccessClaims

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/auth/login", response_model=TokenPair)
def login(body: LoginRequest, request: Request, services: Services,
          signed_in: AccessClaims | None = Depends(optional_claims)) -> TokenPair:
    """A new device session. Wrong login and wrong password answer alike, in the same time."""
    address, account_key = client_address(request), body.login.strip().lower()
    services.limiter.hit(LOGIN_PER_ADDRESS, address)
    services.limiter.hit(LOGIN_PER_ACCOUNT_AND_ADDRESS, f"{account_key}|{address}")
    holds_session = signed_in is not None and services.sessions.login_of(signed_in) == account_key
    if not holds_session:
        # Guessing from many addresses is slowed per account; a device already signed in is exempt,
        # so nobody can lock a student out by guessing at their login.
        services.limiter.hit(LOGIN_PER_ACCOUNT, account_key)
    return services.sessions.login(body.login, body.password, body.device_name)


@router.post("/auth/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, request: Request, services: Services) -> TokenPair:
    """Trade a refresh token (once) for a new pair; a token used twice ends its session."""
    services.limiter.hit(REFRESH_PER_ADDRESS, client_address(request))
    return services.sessions.refresh(body.refresh_token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(claims: Claims, services: Services) -> None:
    services.sessions.sign_out(claims)


@router.post("/auth/register", response_model=AccountPublic, status_code=status.HTTP_201_CREATED)
def register(body: RegisterRequest, request: Request, services: Services) -> AccountPublic:
    """Only when the admin turned self-registration on (it is off by default)."""
    if not services.settings.allow_self_registration:
        raise ApiError(403, "registration_closed", "This server does not let people register; ask its admin.")
    services.limiter.hit(LOGIN_PER_ADDRESS, client_address(request))
    if body.password is None or not body.password:
        raise ApiError(422, "weak_password", "Choose a password.")
    created = services.accounts.create(AccountCreate(login=body.login, display_name=body.display_name,
                                                     password=body.password))
    return created.account


@router.get("/account", response_model=AccountPublic)
def account(claims: Claims, services: Services) -> AccountPublic:
    return services.accounts.get(claims.user_id)


@router.post("/account/password")
def change_password(body: PasswordChange, claims: Claims, services: Services) -> dict[str, int]:
    """A new password; by default every other device must sign in again."""
    ended = services.sessions.change_password(claims, body.current_password, body.new_password,
                                              body.end_other_sessions)
    return {"sessions_ended": ended}


@router.get("/sessions", response_model=list[SessionPublic])
def sessions(claims: Claims, services: Services) -> list[SessionPublic]:
    """The devices signed in to this account."""
    return services.sessions.list_sessions(claims)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: uuid.UUID, claims: Claims, services: Services) -> None:
    services.sessions.revoke(claims, session_id)
