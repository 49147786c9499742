"""TokenStore on real keyring backends: a file keyring (keyrings.alt), keyring's own fail and null ones."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from studyteddy_desktop.services.sync.token_store import TokenStore, token_key
from tests.keyring_fixtures import _restore_keyring, file_keyring  # noqa: F401  (fixtures)

KEY = token_key("https://sync.example.org", "ada@example.org", "0123456789abcdef")






def test_a_saved_token_outlives_the_store_in_a_real_keyring(file_keyring):
    store = TokenStore()
    assert store.available and store.backend_name not in ("", "none")
    assert store.save(KEY, "refresh-1") is True
    # A new store is what the next process sees.
    assert TokenStore().load(KEY) == "refresh-1"
    assert file_keyring.get_password("Study Teddy sync", KEY) == "refresh-1"


def test_without_a_keyring_the_token_lives_for_this_store_only():
    keyring.set_keyring(fail.Keyring())
    store = TokenStore()
    assert not store.available and store.backend_name == "none"
    assert store.save(KEY, "refresh-1") is False
    assert store.load(KEY) == "refresh-1"
    assert TokenStore().load(KEY) is None
    store.forget(KEY)
    assert store.load(KEY) is None


def test_the_null_keyring_is_no_keyring_either():
    keyring.set_keyring(null.Keyring())
    store = TokenStore()
    assert not store.available and store.backend_name == "none"
    assert store.save(KEY, "refresh-1") is False
    assert store.load(KEY) == "refresh-1"


def test_forget_clears_memory_and_keyring_and_tolerates_unknown_keys(file_keyring):
    store = TokenStore()
    store.save(KEY, "refresh-1")
    store.forget(KEY)
    assert store.load(KEY) is None and TokenStore().load(KEY) is None
    store.forget(KEY)
    store.forget(token_key("https://other.example.org", "bob", "fedcba9876543210"))


def test_a_token_traded_or_forgotten_by_another_process_is_not_used_again(file_keyring):
    window, command = TokenStore(), TokenStore()
    window.save(KEY, "refresh-1")
    # The CLI refreshed: refresh-1 is spent, and presenting it again would end the whole session.
    command.save(KEY, "refresh-2")
    assert window.load(KEY) == "refresh-2"
    command.forget(KEY)
    assert window.load(KEY) is None


def test_a_failing_keyring_does_not_crash_and_keeps_the_token_for_the_session(tmp_path, caplog):
    # A real backend whose storage cannot be written: its folder is a file.
    blocker = tmp_path / "not a folder"
    blocker.write_text("")
    broken = PlaintextKeyring()
    broken.file_path = str(blocker / "keyring.cfg")
    keyring.set_keyring(broken)
    store = TokenStore()
    assert store.available
    assert store.save(KEY, "refresh-1") is False
    assert "did not take the sync token" in caplog.text
    assert store.load(KEY) == "refresh-1"
    assert TokenStore().load(KEY) is None
    store.forget(KEY)
    assert store.load(KEY) is None


def test_separate_services_names_do_not_share_tokens(file_keyring):
    TokenStore().save(KEY, "refresh-1")
    assert TokenStore("Study Teddy sync (test)").load(KEY) is None


def test_hostile_tokens_round_trip(file_keyring):
    store = TokenStore()
    huge = "x" * 1_000_000
    unicode_token = "tök€n-✎-𝄞-\u200b-end"
    unicode_key = token_key("https://sync.例え.jp/", "Zoë@Example.org", "0123456789abcdef")
    assert store.save(KEY, huge) is True
    assert store.save(unicode_key, unicode_token) is True
    fresh = TokenStore()
    assert fresh.load(KEY) == huge
    assert fresh.load(unicode_key) == unicode_token


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_key_is_refused_everywhere(file_keyring, key):
    store = TokenStore()
    with pytest.raises(ValueError):
        store.save(key, "refresh-1")
    with pytest.raises(ValueError):
        store.load(key)
    with pytest.raises(ValueError):
        store.forget(key)
    assert file_keyring.get_password("Study Teddy sync", key) is None


def test_an_empty_token_is_refused(file_keyring):
    with pytest.raises(ValueError):
        TokenStore().save(KEY, "")


def test_token_key_is_one_entry_per_server_account_and_device():
    device, other_device = "0123456789abcdef", "fedcba9876543210"
    base = token_key("https://sync.example.org", "ada@example.org", device)
    # The same server and login however they are typed (the server compares logins lowercased).
    assert token_key("HTTPS://Sync.Example.org/", " Ada@Example.org ", device) == base
    assert token_key("https://sync.example.org", "ada@example.org", other_device) != base
    assert token_key("https://sync.example.org", "bob@example.org", device) != base
    assert token_key("https://sync.example.net", "ada@example.org", device) != base
    # A login or address with spaces cannot pass for another (server, login) pair.
    assert token_key("https://a.org", "x y", device) != token_key("https://a.org x", "y", device)
    for missing in (("", "ada", device), ("https://a.org", " ", device), ("https://a.org", "ada", "")):
        with pytest.raises(ValueError):
            token_key(*missing)


def test_a_plain_text_file_keyring_picked_by_itself_is_no_keyring(tmp_path, monkeypatch):
    # keyring picks keyrings.alt's file backend wherever that package is installed; a token must not land there.
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)
    store = TokenStore()
    assert not store.available
    assert store.save("https://s.org ada@s.org 0123456789abcdef", "secret") is False
    assert not (tmp_path / "keyring.cfg").exists()
