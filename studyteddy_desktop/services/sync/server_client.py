"""The sync server's HTTP API as the desktop calls it: sign-in, push, pull, summary, live notices, files."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.sync_dto import SyncAuthError, SyncError, SyncOfflineError

PROTOCOL_HEADERS = {"Study-Teddy-Protocol": "1"}
_CHUNK = 256 * 1024


def normal_server_url(text: str) -> str:
    """`school.example.org` or `http://127.0.0.1:8765/` as one spelling; InvalidInputError for anything else."""
    address = (text or "").strip().rstrip("/")
    if not address:
        raise InvalidInputError("Enter the address of your Study Teddy server, e.g. https://sync.school.org.")
    if "://" not in address:
        address = "https://" + address
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(address) > 500:
        raise InvalidInputError(f"“{text.strip()[:80]}” is not a server address; it looks like "
                                "https://sync.school.org.")
    if parts.query or parts.fragment:
        raise InvalidInputError("A server address has no “?” or “#” part.")
    return address


def _message(answer: httpx.Response) -> str:
    try:
        return str(answer.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"The server answered {answer.status_code} {answer.reason_phrase}."


class ServerClient:
    """One server, one device's access token; every failure becomes a SyncError a student can read."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = normal_server_url(base_url)
        self._http = httpx.Client(base_url=self.base_url + "/v1", headers=PROTOCOL_HEADERS, transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))
        self.bytes_sent = 0
        self.bytes_received = 0

    def set_access_token(self, token: str | None) -> None:
        if token:
            self._http.headers["Authorization"] = f"Bearer {token}"
        else:
            self._http.headers.pop("Authorization", None)

    def _call(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            answer = self._http.request(method, path, **options)
        except httpx.TimeoutException as error:
            raise SyncOfflineError(f"The server at {self.base_url} did not answer in time.",
                                   details=str(error)) from error
        except httpx.HTTPError as error:
            raise SyncOfflineError(f"Study Teddy cannot reach the server at {self.base_url}.",
                                   details=str(error)) from error
        self.bytes_received += len(answer.content)
        return self._checked(answer)

    def _checked(self, answer: httpx.Response) -> httpx.Response:
        if answer.status_code < 400:
            return answer
        message = _message(answer)
        if answer.status_code in (401, 403):
            raise SyncAuthError(message)
        if answer.status_code == 426:
            raise SyncError(message + " Update Study Teddy or ask whoever runs the server.")
        if answer.status_code == 429 or answer.status_code >= 500:
            raise SyncOfflineError(message)
        raise SyncError(message, details=f"HTTP {answer.status_code}")

    def _json(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.bytes_sent += len(payload)
            options.update(content=payload, headers={"Content-Type": "application/json"})
        answer = self._call(method, path, **options)
        return answer.json() if answer.content else None

    def login(self, login: str, password: str, device_name: str) -> dict[str, Any]:
        return self._json("POST", "/auth/login", {"login": login, "password": password, "device_name": device_name})

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self._json("POST", "/auth/refresh", {"refresh_token": refresh_token})

    def logout(self) -> None:
        self._json("POST", "/auth/logout")

    def account(self) -> dict[str, Any]:
        return self._json("GET", "/account")

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._json("POST", "/sync/push", body)

    def pull(self, cursor: int, limit: int = 500) -> dict[str, Any]:
        return self._json("GET", "/sync/pull", params={"cursor": cursor, "limit": limit})

    def summary(self) -> dict[str, Any]:
        return self._json("GET", "/sync/summary")

    def sessions(self) -> list[dict[str, Any]]:
        return self._json("GET", "/sessions")

    def end_session(self, session_id: str) -> None:
        self._json("DELETE", f"/sessions/{session_id}")

    def put_blob(self, sha256: str, path: Path) -> int:
        size = path.stat().st_size

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as source:
                while block := source.read(_CHUNK):
                    yield block

        self._call("PUT", f"/blobs/{sha256}", content=chunks(),
                   headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)})
        self.bytes_sent += size
        return size

    def get_blob(self, sha256: str, target: Path) -> int:
        """Stream a file into `target` (written whole or not at all); the bytes received."""
        partial = target.with_name(target.name + ".part")
        try:
            with self._http.stream("GET", f"/blobs/{sha256}") as answer:
                if answer.status_code >= 400:
                    answer.read()
                    self._checked(answer)
                received = 0
                with partial.open("wb") as sink:
                    for block in answer.iter_bytes(_CHUNK):
                        sink.write(block)
                        received += len(block)
            partial.replace(target)
        except httpx.HTTPError as error:
            partial.unlink(missing_ok=True)
            raise SyncOfflineError(f"A document file could not be fetched from {self.base_url}.",
                                   details=str(error)) from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.bytes_received += received
        return received

    def events(self, stop: threading.Event) -> Iterator[int]:
        """The server's live notices: each `changes` event's cursor, until `stop` is set or the stream ends."""
        timeout = httpx.Timeout(10.0, read=20.0)  # the server sends a heartbeat every 15 s
        try:
            with self._http.stream("GET", "/sync/events", timeout=timeout) as answer:
                if answer.status_code >= 400:
                    answer.read()
                    self._checked(answer)
                event = None
                for line in answer.iter_lines():
                    if stop.is_set():
                        return
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event == "changes":
                        try:
                            yield int(json.loads(line.split(":", 1)[1])["cursor"])
                        except (ValueError, KeyError, TypeError):
                            yield 0
                    elif not line:
                        event = None
        except httpx.HTTPError as error:
            raise SyncOfflineError("The live connection to the server was lost.", details=str(error)) from error

    def close(self) -> None:
        self._http.close()
