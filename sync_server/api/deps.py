"""What routes depend on: the server's services, the signed-in account, its role, the protocol version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import redis
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from studyteddy_desktop.services.core.database import Database
from sync_server.accounts.administration import AccountAdministration
from sync_server.accounts.sessions import SessionService
from sync_server.core.config import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, ServerSettings
from sync_server.core.errors import PROTOCOL_HEADER, ApiError, unauthorized
from sync_server.core.rate_limit import RateLimiter
from sync_server.core.security import AccessClaims, AccessTokens
from sync_server.sync.blob_store import BlobStore
from sync_server.sync.service import SyncService


@dataclass
class ServerServices:
    settings: ServerSettings
    database: Database
    redis: redis.Redis
    tokens: AccessTokens
    sessions: SessionService
    accounts: AccountAdministration
    sync: SyncService
    blobs: BlobStore
    limiter: RateLimiter

    def close(self) -> None:
        self.database.dispose()
        self.redis.close()


def services(request: Request) -> ServerServices:
    return request.app.state.services


Services = Annotated[ServerServices, Depends(services)]
_bearer = HTTPBearer(auto_error=False, description="The access token from /v1/auth/login or /v1/auth/refresh.")


def current_claims(services: Services,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> AccessClaims:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Sign in first: send `Authorization: Bearer <access token>`.")
    claims = services.tokens.verify(credentials.credentials)
    services.sessions.check(claims)
    return claims


Claims = Annotated[AccessClaims, Depends(current_claims)]


def admin_claims(claims: Claims) -> AccessClaims:
    if claims.role != "admin":
        raise ApiError(403, "forbidden", "Only an admin may do this.")
    return claims


AdminClaims = Annotated[AccessClaims, Depends(admin_claims)]


def optional_claims(services: Services,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> AccessClaims | None:
    """The caller's valid sign-in if it sent one, else None (never an error: for sign-in itself)."""
    if credentials is None:
        return None
    try:
        claims = services.tokens.verify(credentials.credentials)
        services.sessions.check(claims)
    except ApiError:
        return None
    return claims


def client_address(request: Request) -> str:
    # Behind the school's reverse proxy uvicorn's --proxy-headers puts the real address here.
    return request.client.host if request.client else "unknown"


def protocol_version(version: Annotated[int, Header(alias=PROTOCOL_HEADER, ge=MIN_PROTOCOL_VERSION, le=PROTOCOL_VERSION,
                                                   description="The sync protocol the client speaks; a missing or "
                                                               "unsupported one answers 426.")]) -> int:
    # Out of range or missing fails validation, which answers with protocol_refusal's 426.
    return version
