"""The account this data folder syncs with: signing in and out, the tokens, and never mixing two accounts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from studyteddy_desktop.db.models import SyncDevice
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.sync_dto import AccountMismatchError, SyncAuthError
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.sync.server_client import ServerClient, normal_server_url
from studyteddy_desktop.services.sync.token_store import TokenStore, token_key

log = logging.getLogger(__name__)
# Any number, the same in every process of one data folder: two of them never trade one refresh token twice.
_REFRESH_LOCK = 7_311_014
# Refresh a little before the server's 15 minutes run out, so a push never starts on a dying token.
_EARLY_S = 60


@dataclass(frozen=True)
class AccountRecord:
    server_url: str | None
    account_id: str | None
    account_login: str | None
    device_name: str | None
    node_id: str
    data_account_id: str | None
    data_account_login: str | None


def read_device(session) -> SyncDevice:
    device = session.get(SyncDevice, 1)
    if device is None:  # the migration writes it; a restored old backup may lack it
        session.execute(sa.text("INSERT INTO sync_device (id, node_id) VALUES (1, "
                                "substr(md5(gen_random_uuid()::text), 1, 16)) ON CONFLICT DO NOTHING"))
        device = session.get(SyncDevice, 1)
    return device


class SyncAccount:
    """Who this device signs in as, and a valid access token for the sync engine on demand."""

    def __init__(self, database: Database, tokens: TokenStore, *, policy_server_url: str | None = None,
                 start_fresh: Callable[[], None] | None = None) -> None:
        self.database = database
        self.tokens = tokens
        self.policy_server_url = normal_server_url(policy_server_url) if policy_server_url else None
        self._start_fresh = start_fresh
        self._access: tuple[str, float] | None = None

    def record(self) -> AccountRecord:
        with self.database.unit_of_work() as session:
            device = read_device(session)
            return AccountRecord(device.server_url, device.account_id, device.account_login, device.device_name,
                                 device.node_id, device.data_account_id, device.data_account_login)

    def _key(self, record: AccountRecord) -> str:
        return token_key(record.server_url or "", record.account_login or "", record.node_id)

    def has_token(self) -> bool:
        record = self.record()
        return record.server_url is not None and (self._access is not None
                                                  or self.tokens.load(self._key(record)) is not None)

    def sign_in(self, server_url: str, login: str, password: str, device_name: str, *,
                start_fresh: bool = False) -> AccountRecord:
        address = normal_server_url(self.policy_server_url or server_url)
        if self.policy_server_url and normal_server_url(server_url or address) != self.policy_server_url:
            raise InvalidInputError(f"Your school set the sync server to {self.policy_server_url}.")
        login = (login or "").strip()
        device_name = (device_name or "").strip()[:120] or "Study Teddy"
        if not login or not password:
            raise InvalidInputError("Enter your email (or login) and your password.")
        client = ServerClient(address)
        try:
            tokens = client.login(login, password, device_name)
            client.set_access_token(tokens["access_token"])
            account = client.account()
            record = self.record()
            account_id = str(account["id"])
            holder = record.data_account_id
            if holder is not None and holder != account_id:
                if not start_fresh:
                    client.logout()
                    raise AccountMismatchError(
                        f"This computer's Study Teddy holds the study records of {record.data_account_login}. "
                        f"Signing in as {account['login']} would mix the two.", holder_login=record.data_account_login
                        or "another account")
                if self._start_fresh is None:
                    raise InvalidInputError("Starting fresh is not possible here.")
                self._start_fresh()
                record = self.record()
            with self.database.unit_of_work() as session:
                device = read_device(session)
                device.server_url, device.account_id = address, account_id
                device.account_login, device.device_name = str(account["login"]), device_name
                device.session_id, device.last_error = str(tokens.get("session_id") or ""), None
                if device.data_account_id is None:
                    device.data_account_id, device.data_account_login = account_id, str(account["login"])
                device.all_tracked = False
            record = self.record()
            self.tokens.save(self._key(record), tokens["refresh_token"])
            self._access = (tokens["access_token"], time.monotonic() + float(tokens.get("expires_in", 900)) - _EARLY_S)
            return record
        finally:
            client.close()

    def sign_out(self) -> None:
        record = self.record()
        if record.server_url:
            client = ServerClient(record.server_url, timeout=5)
            try:
                client.set_access_token(self.access_token(client))
                client.logout()
            except Exception as error:  # signing out works offline too: the token is forgotten here anyway
                log.info("sync: the server did not hear the sign-out: %s", error)
            finally:
                client.close()
            self.tokens.forget(self._key(record))
        self._access = None
        with self.database.unit_of_work() as session:
            device = read_device(session)
            device.server_url = device.account_id = device.account_login = device.session_id = None
            device.last_error = None

    def access_token(self, client: ServerClient) -> str:
        """A live access token, refreshed (once, across processes) when it is about to run out."""
        if self._access is not None and time.monotonic() < self._access[1]:
            return self._access[0]
        record = self.record()
        key = self._key(record)
        with self.database.engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _REFRESH_LOCK})
            try:
                refresh = self.tokens.load(key)
                if refresh is None:
                    raise SyncAuthError("Sign in to sync: this device no longer has your sign-in.")
                try:
                    tokens = client.refresh(refresh)
                except SyncAuthError:
                    self.tokens.forget(key)
                    raise SyncAuthError("The server ended this device's session (it was signed out elsewhere, "
                                        "or the password changed). Sign in again to sync.") from None
                self.tokens.save(key, tokens["refresh_token"])
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _REFRESH_LOCK})
                connection.commit()
        self._access = (tokens["access_token"], time.monotonic() + float(tokens.get("expires_in", 900)) - _EARLY_S)
        return tokens["access_token"]

    def forget_access(self) -> None:
        self._access = None
