"""Real keyring backends for sign-in tests: a file in the test's own folder, and the previous one put back."""

from __future__ import annotations

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring


@pytest.fixture(autouse=True)
def _restore_keyring(monkeypatch):
    # A plain-text keyring counts only when named on purpose (token_store.py): these tests name it.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture()
def file_keyring(tmp_path) -> PlaintextKeyring:
    # A real backend writing to a file of the test's own: never the developer's login keyring.
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)
    return backend
