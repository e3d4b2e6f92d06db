"""Every in-package credential source runs the shipped CredentialSource contract (stores too)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.explicit import ExplicitSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.credentials import AMBIENT, EXPLICIT, CredentialSource, CredentialStore
from brickgate.testing.contracts import (
    CredentialSourceContract,
    CredentialStoreContract,
    RawTextSourceContract,
    Setup,
)
from brickgate.testing.memory_keyring import MemoryKeyring
from brickgate.testing.memory_store import MemoryCredentialStore

pytestmark = pytest.mark.contract

_ENV_NAMES = {
    "host": "DATABRICKS_HOST",
    "token": "DATABRICKS_TOKEN",
    "client_id": "DATABRICKS_CLIENT_ID",
    "client_secret": "DATABRICKS_CLIENT_SECRET",
}


class TestEnvironmentSource(RawTextSourceContract):
    __test__ = True
    expected_name = "environment"
    expected_role = AMBIENT

    def make_source(
        self, setup: Setup | None, directory: Path, *, trusted_hosts: Sequence[str] = ()
    ) -> CredentialSource:
        fields = setup.fields() if setup else {}
        environ = {_ENV_NAMES[key]: value for key, value in fields.items()}
        return EnvironmentSource(environ, trusted_hosts=trusted_hosts)


class TestDatabricksConfigSource(RawTextSourceContract):
    __test__ = True
    expected_name = "databrickscfg"

    def make_source(
        self, setup: Setup | None, directory: Path, *, trusted_hosts: Sequence[str] = ()
    ) -> CredentialSource:
        if setup is not None:
            lines = [f"[{setup.profile}]"]
            lines += [f"{key} = {value.strip()}" for key, value in setup.fields().items()]
            (directory / ".databrickscfg").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return DatabricksConfigSource({"HOME": str(directory)}, trusted_hosts=trusted_hosts)


class TestKeyringStore(RawTextSourceContract, CredentialStoreContract):
    __test__ = True
    expected_name = "keyring"

    def make_source(
        self, setup: Setup | None, directory: Path, *, trusted_hosts: Sequence[str] = ()
    ) -> CredentialSource:
        backend = MemoryKeyring()
        if setup is not None:
            backend.set_password("brickgate", setup.profile, json.dumps(setup.fields()))
        return KeyringStore(backend=backend, trusted_hosts=trusted_hosts)

    def make_store(self, directory: Path, *, trusted_hosts: Sequence[str] = ()) -> CredentialStore:
        return KeyringStore(backend=MemoryKeyring(), trusted_hosts=trusted_hosts)


class TestFileCredentialStore(RawTextSourceContract, CredentialStoreContract):
    __test__ = True
    expected_name = "file"

    def make_source(
        self, setup: Setup | None, directory: Path, *, trusted_hosts: Sequence[str] = ()
    ) -> CredentialSource:
        path = directory / "brickgate" / "credentials.json"
        if setup is not None:
            path.parent.mkdir(mode=0o700)
            document = {"version": 1, "profiles": {setup.profile: setup.fields()}}
            path.write_text(json.dumps(document), encoding="utf-8")
            os.chmod(path, 0o600)
        return FileCredentialStore(path, trusted_hosts=trusted_hosts)

    def make_store(self, directory: Path, *, trusted_hosts: Sequence[str] = ()) -> CredentialStore:
        return FileCredentialStore(
            directory / "config" / "credentials.json", trusted_hosts=trusted_hosts
        )

    def reopen(self, store: CredentialStore) -> CredentialStore:
        assert isinstance(store, FileCredentialStore)
        return FileCredentialStore(store.path, trusted_hosts=["127.0.0.1"])


class TestMemoryCredentialStore(CredentialStoreContract):
    """The in-memory store holds ready-made credentials, so it has no raw text to refuse."""

    __test__ = True
    expected_name = "memory"

    def make_source(
        self, setup: Setup | None, directory: Path, *, trusted_hosts: Sequence[str] = ()
    ) -> CredentialSource:
        store = MemoryCredentialStore()
        if setup is not None:
            store.save(setup.profile, _credential_of(setup, trusted_hosts))
        return store

    def make_store(self, directory: Path, *, trusted_hosts: Sequence[str] = ()) -> CredentialStore:
        return MemoryCredentialStore()


class TestExplicitSource(CredentialSourceContract):
    """The explicit source holds one ready-made credential, whatever profile is asked for."""

    __test__ = True
    expected_name = "arguments"
    expected_role = EXPLICIT

    def make_source(
        self, setup: Setup | None, directory: Path, *, trusted_hosts: Sequence[str] = ()
    ) -> CredentialSource:
        if setup is None:
            return ExplicitSource()
        return ExplicitSource(_credential_of(setup, trusted_hosts))


def _credential_of(setup: Setup, trusted_hosts: Sequence[str]) -> Credential:
    assert setup.host is not None
    host = WorkspaceHost.parse(setup.host, trusted_hosts=trusted_hosts)
    if setup.token is not None:
        return PersonalAccessToken(host=host, token=Secret(setup.token))
    assert setup.client_id is not None and setup.client_secret is not None
    return OAuthClientCredentials(
        host=host, client_id=setup.client_id, client_secret=Secret(setup.client_secret)
    )
