"""Passwords (argon2id), access tokens (JWT, one algorithm, checked audience and type), refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync_server.core.errors import unauthorized

# Only this algorithm is accepted: a token that names another (or "none") is refused before its
# signature is even looked at, so an attacker cannot pick the check.
ACCESS_ALGORITHM = "HS256"
ACCESS_TYPE = "access"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()  # argon2id, RFC 9106's second recommended parameters
# Verified against for an unknown login, so it costs what a wrong password costs.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when it matches; an unknown account (no hash) takes as long as a wrong password."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (ASVS: length, not composition rules), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"A password can have at most {MAX_PASSWORD_LENGTH} characters."
    return None


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    role: str


class AccessTokens:
    """Short-lived signed tokens naming the account, its device session and its role."""

    def __init__(self, secret_key: str, audience: str, lifetime_s: int) -> None:
        self._key = secret_key
        self.audience = audience
        self.lifetime_s = lifetime_s

    def issue(self, user_id: uuid.UUID, session_id: uuid.UUID, role: str) -> str:
        now = int(time.time())
        return jwt.encode({"sub": str(user_id), "sid": str(session_id), "role": role, "typ": ACCESS_TYPE,
                           "aud": self.audience, "iat": now, "exp": now + self.lifetime_s,
                           "jti": uuid.uuid4().hex}, self._key, algorithm=ACCESS_ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(token, self._key, algorithms=[ACCESS_ALGORITHM], audience=self.audience,
                                options={"require": ["exp", "iat", "sub", "sid", "typ", "aud"]})
        except jwt.ExpiredSignatureError as error:
            raise unauthorized("Your sign-in has expired; refresh it or sign in again.") from error
        except jwt.PyJWTError as error:
            raise unauthorized("That access token is not valid.") from error
        if claims.get("typ") != ACCESS_TYPE:
            raise unauthorized("That is not an access token.")
        try:
            return AccessClaims(uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"]), str(claims.get("role")))
        except (ValueError, TypeError) as error:
            raise unauthorized("That access token is not valid.") from error


def new_refresh_token() -> tuple[str, str]:
    """A refresh token and the hash the database keeps of it (the token itself is never stored)."""
    token = "rt_" + secrets.token_urlsafe(32)
    return token, refresh_token_hash(token)


def refresh_token_hash(token: str) -> str:
    # A 256-bit random token needs no slow hash: nobody can guess one from its SHA-256.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
