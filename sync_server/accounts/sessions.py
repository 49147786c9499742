"""Signing in and staying signed in: device sessions, rotating refresh tokens, sign-out and password change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models import DeviceSession, RefreshToken, UserProfile
from studyteddy_desktop.services.core.database import Database
from sync_server.accounts.schemas import SessionPublic, TokenPair
from sync_server.core.errors import ApiError, not_found, unauthorized
from sync_server.core.security import (
    AccessClaims,
    AccessTokens,
    hash_password,
    needs_rehash,
    new_refresh_token,
    password_problem,
    refresh_token_hash,
    verify_password,
)

WRONG_CREDENTIALS = "The login or the password is wrong."
REUSED_REFRESH = "This sign-in was ended because its refresh token was used twice; sign in again."


def _now() -> datetime:
    return datetime.now(UTC)


def account_by_login(session: Session, login: str) -> UserProfile | None:
    return session.scalars(sa.select(UserProfile).where(sa.func.lower(UserProfile.login) == login.strip().lower(),
                                                        UserProfile.deleted_at.is_(None))).first()


def revoke_sessions(session: Session, user_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None) -> int:
    statement = (sa.update(DeviceSession)
                 .where(DeviceSession.user_id == user_id, DeviceSession.revoked_at.is_(None))
                 .values(revoked_at=_now(), revoked_reason=reason))
    if keep is not None:
        statement = statement.where(DeviceSession.id != keep)
    return int(session.execute(statement).rowcount or 0)


class SessionService:
    def __init__(self, database: Database, tokens: AccessTokens, session_days: int) -> None:
        self.database = database
        self.tokens = tokens
        self.session_lifetime = timedelta(days=session_days)

    def login(self, login: str, password: str, device_name: str) -> TokenPair:
        with self.database.unit_of_work() as session:
            account = account_by_login(session, login)
            # Verified even when there is no such account, so both answers take as long.
            matches = verify_password(password, account.password_hash if account else None)
            if account is None or not matches:
                raise unauthorized(WRONG_CREDENTIALS)
            if account.disabled_at is not None:
                raise ApiError(403, "account_disabled", "This account is disabled; ask your school's admin.")
            if needs_rehash(account.password_hash or ""):
                account.password_hash = hash_password(password)
            device = DeviceSession(user_id=account.id, device_name=" ".join(device_name.split())[:120],
                                   expires_at=_now() + self.session_lifetime)
            session.add(device)
            session.flush()
            return self._pair(session, account, device)

    def _pair(self, session: Session, account: UserProfile, device: DeviceSession) -> TokenPair:
        token, token_hash = new_refresh_token()
        session.add(RefreshToken(token_hash=token_hash, session_id=device.id))
        return TokenPair(access_token=self.tokens.issue(account.id, device.id, account.role), refresh_token=token,
                         expires_in=self.tokens.lifetime_s, session_id=device.id)

    def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for a token used for the first time; a second use ends the whole session."""
        reused = False
        with self.database.unit_of_work() as session:
            stored = session.get(RefreshToken, refresh_token_hash(refresh_token), with_for_update=True)
            if stored is None:
                raise unauthorized("That refresh token is not valid.")
            device = session.get(DeviceSession, stored.session_id, with_for_update=True)
            if device is None or device.revoked_at is not None or device.expires_at <= _now():
                raise unauthorized("This sign-in has ended; sign in again.")
            if stored.used_at is not None:
                # Two holders of one token: the thief or the student. End the family; both sign in again.
                device.revoked_at, device.revoked_reason = _now(), "refresh token reused"
                reused = True
            else:
                account = session.get(UserProfile, device.user_id)
                if account is None or account.disabled_at is not None or account.deleted_at is not None:
                    raise unauthorized("This account is disabled.")
                stored.used_at = _now()
                device.last_used_at = _now()
                return self._pair(session, account, device)
        assert reused
        raise unauthorized(REUSED_REFRESH)

    def check(self, claims: AccessClaims) -> None:
        """Refuse a well-signed token whose session was revoked or whose account was disabled since."""
        with self.database.unit_of_work() as session:
            row = session.execute(
                sa.select(DeviceSession.revoked_at, DeviceSession.expires_at, UserProfile.disabled_at)
                .join(UserProfile, UserProfile.id == DeviceSession.user_id)
                .where(DeviceSession.id == claims.session_id, DeviceSession.user_id == claims.user_id)).first()
        if row is None or row.revoked_at is not None or row.expires_at <= _now():
            raise unauthorized("This sign-in has ended; sign in again.")
        if row.disabled_at is not None:
            raise unauthorized("This account is disabled.")

    def login_of(self, claims: AccessClaims) -> str | None:
        with self.database.unit_of_work() as session:
            login = session.scalar(sa.select(UserProfile.login).where(UserProfile.id == claims.user_id))
        return login.lower() if login else None

    def sign_out(self, claims: AccessClaims) -> None:
        with self.database.unit_of_work() as session:
            session.execute(sa.update(DeviceSession).where(DeviceSession.id == claims.session_id,
                                                           DeviceSession.revoked_at.is_(None))
                            .values(revoked_at=_now(), revoked_reason="signed out"))

    def list_sessions(self, claims: AccessClaims) -> list[SessionPublic]:
        with self.database.unit_of_work() as session:
            devices = session.scalars(sa.select(DeviceSession).where(
                DeviceSession.user_id == claims.user_id, DeviceSession.revoked_at.is_(None),
                DeviceSession.expires_at > _now()).order_by(DeviceSession.last_used_at.desc())).all()
            return [SessionPublic(id=d.id, device_name=d.device_name, created_at=d.created_at,
                                  last_used_at=d.last_used_at, expires_at=d.expires_at,
                                  current=d.id == claims.session_id) for d in devices]

    def revoke(self, claims: AccessClaims, session_id: uuid.UUID) -> None:
        with self.database.unit_of_work() as session:
            ended = session.execute(sa.update(DeviceSession).where(
                DeviceSession.id == session_id, DeviceSession.user_id == claims.user_id,
                DeviceSession.revoked_at.is_(None)).values(revoked_at=_now(), revoked_reason="revoked by its user"))
            if not ended.rowcount:
                raise not_found("That session")

    def change_password(self, claims: AccessClaims, current: str, new: str, end_other_sessions: bool) -> int:
        """Set a new password; with `end_other_sessions`, every other device must sign in again."""
        problem = password_problem(new)
        if problem:
            raise ApiError(422, "weak_password", problem)
        with self.database.unit_of_work() as session:
            account = session.get(UserProfile, claims.user_id, with_for_update=True)
            if account is None or not verify_password(current, account.password_hash):
                raise ApiError(403, "wrong_password", "The current password is wrong.")
            account.password_hash = hash_password(new)
            if not end_other_sessions:
                return 0
            return revoke_sessions(session, account.id, "password changed", keep=claims.session_id)
