"""The CredentialSource and CredentialStore contract suites: pytest classes any adapter can run.

brickgate runs them against each of its own sources; a host application runs them against its
own (as keyring ships ``keyring.testing.backend.BackendBasicTests``)::

    from brickgate.testing.contracts import CredentialSourceContract, Setup

    class TestVaultSource(CredentialSourceContract):
        __test__ = True
        expected_name = "vault"

        def make_source(self, setup, directory, *, trusted_hosts=()):
            ...  # an adapter holding ``setup`` (nothing when ``None``), files under ``directory``

A test class subclasses a contract, sets ``expected_name`` (and ``expected_role`` when not
``"stored"``) and implements ``make_source`` (and, for stores, ``make_store``); ``__test__ =
True`` turns the collection on. The suites need pytest and nothing else: no conftest, only the
fixtures defined on the classes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from brickgate.domain.credentials import (
    DEFAULT_PROFILE,
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
)
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.credentials import (
    AMBIENT,
    EXPLICIT,
    STORED,
    CredentialSource,
    CredentialStore,
    SourceRole,
)

KNOWN_TOKEN = "dapi" + "0123456789abcdef" * 2
OTHER_TOKEN = "dapi" + "fedcba9876543210" * 2
KNOWN_CLIENT_SECRET = "dose" + "a1b2c3d4e5f60718" * 2
CLIENT_ID = "6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"
SECRETS = (KNOWN_TOKEN, OTHER_TOKEN, KNOWN_CLIENT_SECRET)
PASTED_HOST = "  https://ADB-1234567890123456.7.azuredatabricks.net/ "
HOST = WorkspaceHost.parse(PASTED_HOST)
LOOPBACK = "http://127.0.0.1:8123"


@dataclass(frozen=True)
class Setup:
    """What a factory configures its adapter with: raw text, as a person would type it."""

    profile: str = DEFAULT_PROFILE
    host: str | None = PASTED_HOST
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    def fields(self) -> dict[str, str]:
        """The configured keys (``host``, ``token``, ``client_id``, ``client_secret``)."""
        named = {
            "host": self.host,
            "token": self.token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return {key: value for key, value in named.items() if value is not None}


PAT = Setup(token=KNOWN_TOKEN)
OAUTH = Setup(client_id=CLIENT_ID, client_secret=KNOWN_CLIENT_SECRET)
EXPECTED_PAT = PersonalAccessToken(host=HOST, token=Secret(KNOWN_TOKEN))
EXPECTED_OAUTH = OAuthClientCredentials(
    host=HOST, client_id=CLIENT_ID, client_secret=Secret(KNOWN_CLIENT_SECRET)
)


def assert_no_secret(*texts: str) -> None:
    """Fail if any known secret (or a long piece of one) appears in ``texts``."""
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
            assert secret[4:20] not in text


def assert_secret_free_error(error: BaseException) -> None:
    """Fail if the error's message, repr or arguments show a known secret."""
    assert_no_secret(str(error), repr(error), *(repr(arg) for arg in error.args))


class CredentialSourceContract:
    """Behaviours every ``CredentialSource`` has, whatever it reads."""

    __test__ = False
    expected_name: str = ""
    expected_role: SourceRole = STORED

    @pytest.fixture
    def directory(self, tmp_path: Path) -> Path:
        """A private, empty directory for this test's adapter (its files, a HOME...)."""
        path = tmp_path / "credential-source"
        path.mkdir()
        return path

    def make_source(
        self, setup: Setup | None, directory: Path, *, trusted_hosts: Sequence[str] = ()
    ) -> CredentialSource:
        """Build the adapter holding ``setup`` (nothing at all when ``None``)."""
        raise NotImplementedError

    def test_declares_its_role(self, directory: Path) -> None:
        source = self.make_source(None, directory)
        assert source.role == self.expected_role
        assert source.role in (EXPLICIT, AMBIENT, STORED)

    def test_is_a_credential_source_with_its_stable_name(self, directory: Path) -> None:
        source = self.make_source(None, directory)
        assert isinstance(source, CredentialSource)
        assert source.name == self.expected_name
        assert source.name.strip()

    def test_unconfigured_resolves_to_none(self, directory: Path) -> None:
        source = self.make_source(None, directory)
        assert source.resolve() is None
        assert source.resolve(DEFAULT_PROFILE) is None

    def test_personal_access_token_with_host_normalised(self, directory: Path) -> None:
        resolved = self.make_source(PAT, directory).resolve()
        assert resolved == EXPECTED_PAT
        assert isinstance(resolved, PersonalAccessToken)
        assert resolved.host.name == "adb-1234567890123456.7.azuredatabricks.net"
        assert resolved.token.get_secret_value() == KNOWN_TOKEN

    def test_default_profile_is_the_one_resolved_by_name(self, directory: Path) -> None:
        assert self.make_source(PAT, directory).resolve(DEFAULT_PROFILE) == EXPECTED_PAT

    def test_named_profile(self, directory: Path) -> None:
        setup = Setup(profile="staging.eu", token=KNOWN_TOKEN)
        assert self.make_source(setup, directory).resolve("staging.eu") == EXPECTED_PAT

    def test_oauth_client_credentials(self, directory: Path) -> None:
        resolved = self.make_source(OAUTH, directory).resolve()
        assert resolved == EXPECTED_OAUTH
        assert isinstance(resolved, OAuthClientCredentials)
        assert resolved.client_secret.get_secret_value() == KNOWN_CLIENT_SECRET

    @pytest.mark.parametrize("setup", [PAT, OAUTH], ids=["pat", "oauth"])
    def test_repr_and_describe_never_show_a_secret(self, setup: Setup, directory: Path) -> None:
        source = self.make_source(setup, directory)
        credential = source.resolve()
        description = source.describe()
        assert description.strip()
        assert_no_secret(repr(source), str(source), description, repr(credential))


class RawTextSourceContract(CredentialSourceContract):
    """Behaviours of sources that parse text people typed (all but the in-memory store)."""

    __test__ = False

    @pytest.mark.parametrize(
        "host",
        [
            "evil.example.com",
            "adb-1234567890123456.7.azuredatabricks.net.evil.com",
            "http://adb-1234567890123456.7.azuredatabricks.net",
            "adb-1234567890123456.7.azuredatabricks.net:8443",
            KNOWN_TOKEN,
        ],
        ids=["foreign", "lookalike", "plain-http", "other-port", "token-pasted-as-host"],
    )
    def test_host_outside_the_zones_is_a_configuration_error(
        self, host: str, directory: Path
    ) -> None:
        source = self.make_source(Setup(host=host, token=KNOWN_TOKEN), directory)
        with pytest.raises(ConfigurationError) as caught:
            source.resolve()
        assert_secret_free_error(caught.value)

    def test_trusted_loopback_host_is_admitted(self, directory: Path) -> None:
        setup = Setup(host=LOOPBACK, token=KNOWN_TOKEN)
        source = self.make_source(setup, directory, trusted_hosts=["127.0.0.1"])
        resolved = source.resolve()
        assert resolved is not None
        assert resolved.host.url == LOOPBACK

    def test_token_with_whitespace_inside_is_refused_without_echo(self, directory: Path) -> None:
        broken = KNOWN_TOKEN[:20] + " " + KNOWN_TOKEN[20:]
        source = self.make_source(Setup(token=broken), directory)
        with pytest.raises(ConfigurationError) as caught:
            source.resolve()
        assert_secret_free_error(caught.value)
        assert KNOWN_TOKEN[20:] not in str(caught.value)

    @pytest.mark.parametrize(
        "setup",
        [
            Setup(host=None, token=KNOWN_TOKEN),
            Setup(client_id=CLIENT_ID),
            Setup(host=None, client_id=CLIENT_ID, client_secret=KNOWN_CLIENT_SECRET),
        ],
        ids=["token-without-host", "client-id-without-secret", "client-without-host"],
    )
    def test_half_configured_is_a_configuration_error(self, setup: Setup, directory: Path) -> None:
        source = self.make_source(setup, directory)
        with pytest.raises(ConfigurationError) as caught:
            source.resolve()
        assert_secret_free_error(caught.value)


class CredentialStoreContract(CredentialSourceContract):
    """Behaviours every ``CredentialStore`` adds: save, delete, profiles."""

    __test__ = False

    def make_store(self, directory: Path, *, trusted_hosts: Sequence[str] = ()) -> CredentialStore:
        """Build an empty store backed by something under ``directory`` (or in memory)."""
        raise NotImplementedError

    def reopen(self, store: CredentialStore) -> CredentialStore:
        """Return a second store over the same backing data (a later process, in effect)."""
        return store

    def test_is_a_credential_store_and_starts_empty(self, directory: Path) -> None:
        store = self.make_store(directory)
        assert isinstance(store, CredentialStore)
        assert store.profiles() == []

    @pytest.mark.parametrize("credential", [EXPECTED_PAT, EXPECTED_OAUTH], ids=["pat", "oauth"])
    def test_save_then_resolve_round_trip(self, credential: Credential, directory: Path) -> None:
        store = self.make_store(directory)
        store.save("prod", credential)
        assert self.reopen(store).resolve("prod") == credential
        assert store.resolve("other") is None
        assert store.resolve() is None

    def test_default_profile_is_resolved_without_a_name(self, directory: Path) -> None:
        store = self.make_store(directory)
        store.save(DEFAULT_PROFILE, EXPECTED_PAT)
        assert store.resolve() == EXPECTED_PAT

    def test_trusted_host_round_trip(self, directory: Path) -> None:
        store = self.make_store(directory, trusted_hosts=["127.0.0.1"])
        host = WorkspaceHost.parse(LOOPBACK, trusted_hosts=["127.0.0.1"])
        credential = PersonalAccessToken(host=host, token=Secret(KNOWN_TOKEN))
        store.save("local", credential)
        assert store.resolve("local") == credential

    def test_delete_returns_whether_the_profile_existed(self, directory: Path) -> None:
        store = self.make_store(directory)
        assert store.delete("prod") is False
        store.save("prod", EXPECTED_PAT)
        assert store.delete("prod") is True
        assert store.delete("prod") is False
        assert store.resolve("prod") is None
        assert store.profiles() == []

    def test_profiles_are_sorted(self, directory: Path) -> None:
        store = self.make_store(directory)
        for name in ("zeta", "DEFAULT", "alpha", "mid.dot"):
            store.save(name, EXPECTED_PAT)
        assert self.reopen(store).profiles() == ["DEFAULT", "alpha", "mid.dot", "zeta"]

    def test_saving_or_deleting_one_profile_keeps_the_others(self, directory: Path) -> None:
        store = self.make_store(directory)
        store.save("a", EXPECTED_PAT)
        store.save("b", EXPECTED_OAUTH)
        replacement = PersonalAccessToken(host=HOST, token=Secret(OTHER_TOKEN))
        store.save("a", replacement)
        assert store.resolve("a") == replacement
        assert store.resolve("b") == EXPECTED_OAUTH
        assert store.delete("a") is True
        assert self.reopen(store).resolve("b") == EXPECTED_OAUTH
        assert store.profiles() == ["b"]

    def test_saved_secrets_stay_out_of_repr_and_describe(self, directory: Path) -> None:
        store = self.make_store(directory)
        store.save("prod", EXPECTED_PAT)
        store.save("sp", EXPECTED_OAUTH)
        assert_no_secret(repr(store), str(store), store.describe(), repr(store.profiles()))
