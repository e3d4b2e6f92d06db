"""KeyringStore: stored format, index entry, unusable backends, corrupt entries."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordSetError

from brickgate.adapters.credentials.keyring import INDEX_ENTRY, KeyringStore
from brickgate.domain.credentials import OAuthClientCredentials, PersonalAccessToken, Secret
from brickgate.domain.errors import (
    CredentialSourceError,
    CredentialStoreError,
    SourceUnavailableError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing.contracts.credential_sources import (
    CLIENT_ID,
    KNOWN_CLIENT_SECRET,
    KNOWN_TOKEN,
    assert_secret_free_error,
)
from brickgate.testing.memory_keyring import MemoryKeyring

HOST = WorkspaceHost.parse("dbc-a1b2c3d4-e5f6.cloud.databricks.com")
PAT = PersonalAccessToken(host=HOST, token=Secret(KNOWN_TOKEN))


class LockedKeyring(MemoryKeyring):
    """A backend whose keyring is locked: every read and write fails."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")


class ReadOnlyKeyring(MemoryKeyring):
    """A backend that reads but refuses writes."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("write refused")


@pytest.fixture
def backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keyring_selection() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_entries_are_json_records_under_the_service(backend: MemoryKeyring) -> None:
    store = KeyringStore(backend=backend)
    store.save("prod", PAT)
    store.save("sp", OAuthClientCredentials(HOST, CLIENT_ID, Secret(KNOWN_CLIENT_SECRET)))
    assert backend.usernames("brickgate") == [INDEX_ENTRY, "prod", "sp"]
    assert json.loads(backend.get_password("brickgate", "prod") or "") == {
        "auth_type": "pat",
        "host": "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com",
        "token": KNOWN_TOKEN,
    }
    stored_sp = json.loads(backend.get_password("brickgate", "sp") or "")
    assert stored_sp["client_id"] == CLIENT_ID
    assert stored_sp["client_secret"] == KNOWN_CLIENT_SECRET
    assert json.loads(backend.get_password("brickgate", INDEX_ENTRY) or "") == ["prod", "sp"]


def test_services_are_kept_apart(backend: MemoryKeyring) -> None:
    KeyringStore(backend=backend, service="other-app").save("prod", PAT)
    assert KeyringStore(backend=backend).resolve("prod") is None
    assert KeyringStore(backend=backend).profiles() == []


@pytest.mark.parametrize("unusable", [null.Keyring, fail.Keyring], ids=["null", "fail"])
def test_no_usable_backend_is_source_unavailable_with_what_to_do(
    unusable: type[KeyringBackend],
) -> None:
    store = KeyringStore(backend=unusable())
    for attempt in (
        store.resolve,
        store.profiles,
        lambda: store.save("prod", PAT),
        lambda: store.delete("prod"),
    ):
        with pytest.raises(SourceUnavailableError) as caught:
            attempt()
        assert "keyrings.alt" in caught.value.reason
        assert "--store file" in caught.value.reason
        assert_secret_free_error(caught.value)


def test_keyrings_own_selection_is_used_when_no_backend_is_given(
    keyring_selection: None,
) -> None:
    keyring.set_keyring(null.Keyring())  # type: ignore[no-untyped-call]
    with pytest.raises(SourceUnavailableError):
        KeyringStore().resolve()
    selected = MemoryKeyring()
    keyring.set_keyring(selected)
    KeyringStore().save("prod", PAT)
    assert selected.usernames("brickgate") == [INDEX_ENTRY, "prod"]


def test_locked_keyring_is_unavailable_for_reading() -> None:
    with pytest.raises(SourceUnavailableError) as caught:
        KeyringStore(backend=LockedKeyring()).resolve("prod")
    assert "KeyringLocked" in caught.value.reason


def test_refused_write_is_a_store_error_without_the_secret() -> None:
    with pytest.raises(CredentialStoreError) as caught:
        KeyringStore(backend=ReadOnlyKeyring()).save("prod", PAT)
    assert "'prod'" in caught.value.reason
    assert_secret_free_error(caught.value)


@pytest.mark.parametrize(
    "stored",
    [
        KNOWN_TOKEN,
        json.dumps({"host": 5, "token": KNOWN_TOKEN}),
        json.dumps({"host": "dbc-a1b2c3d4-e5f6.cloud.databricks.com"}),
        json.dumps([KNOWN_TOKEN]),
        json.dumps({"host": "dbc-a1b2c3d4-e5f6.cloud.databricks.com", "auth_type": "basic"}),
    ],
    ids=["not-json", "host-not-text", "no-token", "not-an-object", "unknown-auth-type"],
)
def test_corrupt_entry_names_the_profile_and_never_the_secret(
    backend: MemoryKeyring, stored: str
) -> None:
    backend.set_password("brickgate", "prod", stored)
    with pytest.raises(CredentialSourceError) as caught:
        KeyringStore(backend=backend).resolve("prod")
    assert "'prod'" in caught.value.reason
    assert_secret_free_error(caught.value)


def test_corrupt_index_is_reported_and_left_untouched(backend: MemoryKeyring) -> None:
    backend.set_password("brickgate", INDEX_ENTRY, "{not json")
    store = KeyringStore(backend=backend)
    with pytest.raises(CredentialSourceError) as caught:
        store.profiles()
    assert INDEX_ENTRY in caught.value.reason
    with pytest.raises(CredentialSourceError):
        store.save("prod", PAT)
    assert backend.get_password("brickgate", INDEX_ENTRY) == "{not json"
    assert backend.get_password("brickgate", "prod") is None


def test_index_name_is_reserved(backend: MemoryKeyring) -> None:
    store = KeyringStore(backend=backend)
    with pytest.raises(CredentialStoreError):
        store.save(INDEX_ENTRY, PAT)
    store.save("prod", PAT)
    assert store.resolve(INDEX_ENTRY) is None
    assert store.delete(INDEX_ENTRY) is False
    assert store.profiles() == ["prod"]


@pytest.mark.parametrize("name", ["", "  ", "line\nbreak"])
def test_unusable_profile_names_are_refused(backend: MemoryKeyring, name: str) -> None:
    with pytest.raises(CredentialStoreError):
        KeyringStore(backend=backend).save(name, PAT)
    assert backend.usernames("brickgate") == []


def test_entry_removed_outside_brickgate_still_leaves_a_clean_index(
    backend: MemoryKeyring,
) -> None:
    store = KeyringStore(backend=backend)
    store.save("prod", PAT)
    backend.delete_password("brickgate", "prod")
    assert store.delete("prod") is False
    assert store.profiles() == []


def test_importing_the_adapters_does_not_import_keyring_filelock_or_platformdirs() -> None:
    code = (
        "import sys, brickgate.adapters.credentials.keyring, "
        "brickgate.adapters.credentials.file, brickgate.adapters.credentials.databrickscfg; "
        "print(sorted({'keyring', 'filelock', 'platformdirs'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
