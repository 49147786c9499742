"""Keeps a device's sync refresh token in the system keyring, or for this process only where there is none."""

from __future__ import annotations

import logging
import os
import threading
from urllib.parse import quote, urlsplit, urlunsplit

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

log = logging.getLogger(__name__)

# keyring names its backends after their modules ("SecretService Keyring"); students know the products.
_PRODUCT_NAMES = {
    "keyring.backends.SecretService": "Secret Service",
    "keyring.backends.libsecret": "Secret Service (libsecret)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Manager",
    "keyrings.alt.file.PlaintextKeyring": "a plain text file (keyrings.alt)",
    "keyrings.alt.file.EncryptedKeyring": "an encrypted file (keyrings.alt)",
}


def token_key(server_url: str, login: str, device_node: str) -> str:
    """The keyring entry of one account on one server for one device (data folder).

    The device's node id is part of it, so two data folders on one machine never share (and never
    rotate away) each other's token. Each part is percent-encoded, so the spaces between them cannot
    be forged by a login or an address.
    """
    parts = (_normal_server_url(server_url), login.strip().lower(), device_node.strip())
    if not all(parts):
        raise ValueError("a token key needs a server address, a login and a device id")
    return " ".join(quote(part, safe="@.:/-_+~") for part in parts)


def _normal_server_url(server_url: str) -> str:
    # The same server typed as "HTTPS://Sync.School.org/" or "https://sync.school.org" is one entry.
    address = urlsplit(server_url.strip())
    return urlunsplit((address.scheme.lower(), address.netloc.lower(), address.path.rstrip("/"), "", ""))


class TokenStore:
    """Refresh tokens by key: in memory for this process always, in the system keyring when it has one.

    Never a plain file and never the database: a copied data folder or backup must not carry a way
    into the student's account.
    """

    def __init__(self, service_name: str = "Study Teddy sync") -> None:
        self.service_name = service_name
        self._lock = threading.Lock()
        # key -> (token, whether the keyring holds it too)
        self._memory: dict[str, tuple[str, bool]] = {}

    @property
    def available(self) -> bool:
        """Whether a real keyring backend exists, so a saved token outlives the process."""
        return _is_real_backend(keyring.get_keyring())

    @property
    def backend_name(self) -> str:
        backend = keyring.get_keyring()
        if not _is_real_backend(backend):
            return "none"
        if isinstance(backend, chainer.ChainerBackend):
            return " + ".join(_product_name(chained) for chained in backend.backends)
        return _product_name(backend)

    def save(self, key: str, token: str) -> bool:
        """Keep the token; True if it will outlive this process (the keyring took it)."""
        _check_key(key)
        if not token:
            raise ValueError("an empty token cannot be saved; use forget() to drop one")
        kept = False
        if self.available:
            try:
                keyring.set_password(self.service_name, key, token)
                kept = True
            # Backends raise their own D-Bus, OS and Win32 errors besides KeyringError; none may end a sync.
            except Exception as error:  # noqa: BLE001
                log.warning("The system keyring did not take the sync token (%s: %s); it is kept for "
                            "this session only.", type(error).__name__, error)
        with self._lock:
            self._memory[key] = (token, kept)
        return kept

    def load(self, key: str) -> str | None:
        """The token saved under key, or None (never saved, forgotten, or the keyring failed)."""
        _check_key(key)
        with self._lock:
            remembered = self._memory.get(key)
        if remembered is not None and not remembered[1]:
            return remembered[0]
        # A token the keyring holds is read from it again: another process of this device (the CLI
        # next to the window) may have traded it for a new one, and the old one then ends the session.
        if not self.available:
            return remembered[0] if remembered else None
        try:
            stored = keyring.get_password(self.service_name, key)
        except Exception as error:  # noqa: BLE001
            log.warning("The system keyring could not be read (%s: %s).", type(error).__name__, error)
            return remembered[0] if remembered else None
        with self._lock:
            if stored is None:
                # Forgotten by another process (`studyteddy logout`): this one is signed out as well.
                self._memory.pop(key, None)
            else:
                self._memory[key] = (stored, True)
        return stored

    def forget(self, key: str) -> None:
        """Drop the token from memory and from the keyring; a keyring that fails is logged, not raised."""
        _check_key(key)
        with self._lock:
            self._memory.pop(key, None)
        if not self.available:
            return
        try:
            keyring.delete_password(self.service_name, key)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing was stored under this key
        except Exception as error:  # noqa: BLE001
            log.warning("The system keyring could not forget the sync token (%s: %s).",
                        type(error).__name__, error)


def _check_key(key: str) -> None:
    if not key or not key.strip():
        raise ValueError("a token needs a key; token_key() makes one")


# A plain text file is no keyring: keyring picks keyrings.alt's file backend by itself wherever that
# package is installed, so it counts only when the environment names it on purpose.
_PLAINTEXT_BACKEND = "keyrings.alt.file.PlaintextKeyring"


def _is_real_backend(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    kind = type(backend)
    if f"{kind.__module__}.{kind.__qualname__}" == _PLAINTEXT_BACKEND:
        return os.environ.get("PYTHON_KEYRING_BACKEND") == _PLAINTEXT_BACKEND
    if isinstance(backend, chainer.ChainerBackend):
        return any(_is_real_backend(chained) for chained in backend.backends)
    return True


def _product_name(backend: keyring.backend.KeyringBackend) -> str:
    kind = type(backend)
    return (_PRODUCT_NAMES.get(f"{kind.__module__}.{kind.__qualname__}") or _PRODUCT_NAMES.get(kind.__module__)
            or getattr(backend, "name", None) or kind.__name__)
