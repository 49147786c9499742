"""The admin's account management: roster import, single accounts, password resets, disabling."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Query, status

from sync_server.accounts.schemas import (
    AccountCreate,
    AccountPublic,
    ClassPublic,
    CreatedAccount,
    PasswordReset,
    RosterReport,
)
from sync_server.api.deps import AdminClaims, Services
from sync_server.core.errors import ERROR_RESPONSES, ApiError

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)
MAX_ROSTER_BYTES = 2 * 1024 * 1024


@router.post("/accounts", response_model=CreatedAccount, status_code=status.HTTP_201_CREATED)
def create_account(body: AccountCreate, _admin: AdminClaims, services: Services) -> CreatedAccount:
    return services.accounts.create(body)


@router.post("/accounts/import", response_model=RosterReport)
def import_roster(_admin: AdminClaims, services: Services,
                  roster: str = Body(media_type="text/csv", min_length=1, max_length=MAX_ROSTER_BYTES,
                                     description="CSV: login, display_name[, role, classes, password]")) -> RosterReport:
    """Create accounts from a roster; made-up passwords are in the answer, once."""
    if not roster.strip():
        raise ApiError(422, "invalid_roster", "The roster is empty.")
    return services.accounts.import_roster(roster)


@router.get("/accounts", response_model=list[AccountPublic])
def list_accounts(_admin: AdminClaims, services: Services, limit: int = Query(100, ge=1, le=1000),
                  offset: int = Query(0, ge=0, le=10_000_000)) -> list[AccountPublic]:
    return services.accounts.list_accounts(limit=limit, offset=offset)


@router.post("/accounts/{account_id}/password", response_model=CreatedAccount)
def reset_password(account_id: uuid.UUID, body: PasswordReset, _admin: AdminClaims,
                   services: Services) -> CreatedAccount:
    return services.accounts.reset_password(account_id, body.new_password)


@router.post("/accounts/{account_id}/disable", response_model=AccountPublic)
def disable(account_id: uuid.UUID, _admin: AdminClaims, services: Services) -> AccountPublic:
    """Disable the account and end all its sessions at once."""
    return services.accounts.set_disabled(account_id, True)


@router.post("/accounts/{account_id}/enable", response_model=AccountPublic)
def enable(account_id: uuid.UUID, _admin: AdminClaims, services: Services) -> AccountPublic:
    return services.accounts.set_disabled(account_id, False)


@router.get("/classes", response_model=list[ClassPublic])
def classes(_admin: AdminClaims, services: Services) -> list[ClassPublic]:
    return services.accounts.list_classes()
