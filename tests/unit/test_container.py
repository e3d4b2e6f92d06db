"""The dependency-injector container: chain order, settings, overrides and host-app nesting."""

from __future__ import annotations

from pathlib import Path

import pytest
from dependency_injector import containers, providers

from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.explicit import ExplicitSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.auth import resolve_credentials
from brickgate.container import BrickgateContainer, create_container
from brickgate.domain.credentials import PersonalAccessToken, Secret
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    ConfigurationError,
    NoCredentialsError,
    UnknownProfileError,
    UnusableProfileError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.services.credential_chain import CredentialChain
from brickgate.settings import BrickgateSettings, load_settings
from brickgate.testing.memory_store import MemoryCredentialStore

TOKEN = "dapi0123456789abcdef0123456789abcdef"
KEYRING_TOKEN = "dapifedcba9876543210fedcba9876543210"
AWS = WorkspaceHost.parse("dbc-1234.cloud.databricks.com")
AZURE = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")
ENV = {"DATABRICKS_HOST": AWS.name, "DATABRICKS_TOKEN": TOKEN}
CHAIN = ["arguments", "environment", "keyring", "file", "databrickscfg"]


def keyring_double(**profiles: PersonalAccessToken) -> MemoryCredentialStore:
    return MemoryCredentialStore(profiles, name="keyring")


def source_names(chain: CredentialChain) -> list[str]:
    return [source.name for source in chain.sources]


@pytest.fixture
def settings() -> BrickgateSettings:
    return load_settings()


class TestCreateContainer:
    def test_default_sources_are_the_real_adapters_in_chain_order(
        self, settings: BrickgateSettings
    ) -> None:
        container = create_container(settings, environ={})
        sources = container.credential_sources()
        assert [source.name for source in sources] == CHAIN
        assert isinstance(sources[0], ExplicitSource)
        assert isinstance(sources[1], EnvironmentSource)
        assert isinstance(sources[2], KeyringStore)
        assert isinstance(sources[3], FileCredentialStore)
        assert isinstance(sources[4], DatabricksConfigSource)
        assert container.settings() is settings

    def test_environment_credentials_resolve_through_the_chain(
        self, settings: BrickgateSettings
    ) -> None:
        container = create_container(settings, environ=ENV, keyring_store=keyring_double())
        resolution = container.credential_chain().resolve()
        assert resolution.credential == PersonalAccessToken(host=AWS, token=Secret(TOKEN))
        assert [(e.source, e.outcome) for e in resolution.trace] == [
            ("arguments", "skipped"),
            ("environment", "used"),
            ("keyring", "skipped"),
            ("file", "skipped"),
            ("databrickscfg", "skipped"),
        ]

    def test_keyring_is_left_out_and_never_built_when_disabled(self) -> None:
        built: list[str] = []

        def build_keyring() -> MemoryCredentialStore:
            built.append("keyring")
            return keyring_double()

        container = create_container(
            load_settings(use_keyring=False),
            environ={},
            keyring_store=providers.Factory(build_keyring),
        )
        assert source_names(container.credential_chain()) == [
            name for name in CHAIN if name != "keyring"
        ]
        assert built == []

    def test_settings_are_read_at_composition_time_not_import_time(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")
        monkeypatch.setenv("BRICKGATE_PROFILE", "prod")
        container = create_container(environ={})
        assert container.settings().use_keyring is False
        assert container.settings().profile == "prod"
        assert "keyring" not in source_names(container.credential_chain())
        monkeypatch.setenv("BRICKGATE_USE_KEYRING", "true")
        assert "keyring" in source_names(create_container(environ={}).credential_chain())

    def test_a_bare_container_reads_settings_when_first_asked(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        container = BrickgateContainer()
        monkeypatch.setenv("BRICKGATE_STORE", "file")
        assert container.settings().store == "file"

    def test_invalid_settings_fail_at_composition_with_a_configuration_error(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("BRICKGATE_TIMEOUT", "soon")
        with pytest.raises(ConfigurationError, match="BRICKGATE_TIMEOUT"):
            create_container()

    def test_config_dir_setting_places_the_credentials_file(self, tmp_path: Path) -> None:
        container = create_container(load_settings(config_dir=tmp_path / "cfg"), environ={})
        store = container.file_store()
        assert store.path.parent == tmp_path / "cfg"

    def test_file_store_follows_the_environment_without_config_dir(self, tmp_path: Path) -> None:
        settings = load_settings(config_dir=None)
        environ = {"BRICKGATE_CONFIG_DIR": str(tmp_path / "elsewhere")}
        store = create_container(settings, environ=environ).file_store()
        assert store.path.parent == tmp_path / "elsewhere"

    def test_default_profile_comes_from_settings(self, settings: BrickgateSettings) -> None:
        keyring = keyring_double(prod=PersonalAccessToken(host=AZURE, token=Secret(KEYRING_TOKEN)))
        container = create_container(
            load_settings(profile="prod"), environ=ENV, keyring_store=keyring
        )
        resolution = container.credential_chain().resolve()
        assert resolution.credential.host == AZURE
        assert resolution.trace[1].outcome == "shadowed"
        assert resolution.trace[1].reason.startswith("shadowed by profile 'prod'")

    @pytest.mark.parametrize(("store", "expected"), [("keyring", "keyring"), ("file", "file")])
    def test_login_store_follows_the_store_setting(self, store: str, expected: str) -> None:
        container = create_container(
            load_settings(store=store), environ={}, keyring_store=keyring_double()
        )
        assert container.login_store().name == expected

    def test_unknown_override_is_a_configuration_error(self, settings: BrickgateSettings) -> None:
        with pytest.raises(ConfigurationError, match="no provider named 'keyring'"):
            create_container(settings, keyring=keyring_double())

    def test_explicit_credential_wins(self, settings: BrickgateSettings) -> None:
        explicit = PersonalAccessToken(host=AZURE, token=Secret(KEYRING_TOKEN))
        container = create_container(
            settings, environ=ENV, keyring_store=keyring_double(), explicit_credential=explicit
        )
        resolution = container.credential_chain().resolve("anything")
        assert resolution.credential is explicit
        assert resolution.source == "arguments"


class TestHostApplication:
    def test_nested_container_with_an_overridden_keyring(self) -> None:
        class Application(containers.DeclarativeContainer):
            brickgate = providers.Container(
                BrickgateContainer,
                settings=providers.Object(load_settings()),
                environ=providers.Object({}),
            )

        app = Application()
        stored = PersonalAccessToken(host=AZURE, token=Secret(KEYRING_TOKEN))
        app.brickgate.keyring_store.override(providers.Object(keyring_double(DEFAULT=stored)))
        resolution = app.brickgate.credential_chain().resolve()
        assert resolution.credential is stored
        assert resolution.source == "keyring"

    def test_override_as_a_context_manager_is_undone_afterwards(self) -> None:
        container = create_container(load_settings(), environ={})
        with container.keyring_store.override(providers.Object(keyring_double())):
            assert isinstance(container.credential_sources()[2], MemoryCredentialStore)
        assert isinstance(container.credential_sources()[2], KeyringStore)

    def test_containers_are_independent(self) -> None:
        first = create_container(load_settings(), environ={}, keyring_store=keyring_double())
        second = create_container(load_settings(), environ={})
        assert isinstance(second.keyring_store(), KeyringStore)
        assert first.env_source() is not second.env_source()


class TestResolveCredentials:
    @pytest.fixture(autouse=True)
    def no_os_keyring(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")

    def test_reads_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in ENV.items():
            monkeypatch.setenv(name, value)
        resolution = resolve_credentials()
        assert resolution.credential.host == AWS
        assert resolution.source == "environment"

    def test_arguments_win_and_environment_is_shadowed(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name, value in ENV.items():
            monkeypatch.setenv(name, value)
        resolution = resolve_credentials(host=AZURE.name, token=KEYRING_TOKEN)
        assert resolution.credential.host == AZURE
        assert [e.outcome for e in resolution.trace[:2]] == ["used", "shadowed"]

    def test_trusted_hosts_admit_a_local_server(self) -> None:
        resolution = resolve_credentials(
            host="http://127.0.0.1:8123", token=TOKEN, trusted_hosts=["127.0.0.1"]
        )
        assert resolution.credential.host.url == "http://127.0.0.1:8123"

    def test_ambiguous_arguments_are_refused(self) -> None:
        with pytest.raises(AmbiguousCredentialsError):
            resolve_credentials(host=AWS.name, token=TOKEN, client_id="sp", client_secret="s3cr3t")

    def test_nothing_configured_lists_every_source(self) -> None:
        with pytest.raises(NoCredentialsError) as caught:
            resolve_credentials()
        message = str(caught.value)
        for name in [name for name in CHAIN if name != "keyring"]:
            assert f"- {name}:" in message
        assert "brickgate login" in message

    def test_profile_saved_in_the_file_store_is_found(self) -> None:
        store = create_container(environ={}).file_store()
        store.save("prod", PersonalAccessToken(host=AZURE, token=Secret(TOKEN)))
        resolution = resolve_credentials("prod")
        assert resolution.credential.host == AZURE
        assert resolution.source == "file"
        with pytest.raises(UnknownProfileError, match="prod"):
            resolve_credentials("staging")


class TestUnusableProfiles:
    """A ~/.databrickscfg profile that exists but cannot be used, through the real chain."""

    CONFIG = (
        f"[DEFAULT]\nhost = {AWS.name}\nauth_type = databricks-cli\n"
        f"[prod]\nhost = {AWS.name}\n"
        f"[ok]\nhost = {AWS.name}\ntoken = {TOKEN}\n"
    )

    def chain_for(self, tmp_path: Path, profile: str | None = None) -> CredentialChain:
        path = tmp_path / "databrickscfg"
        path.write_text(self.CONFIG, encoding="utf-8")
        environ = {**ENV, "DATABRICKS_CONFIG_FILE": str(path)}
        settings = load_settings(profile=profile) if profile else load_settings()
        container = create_container(settings, environ=environ, keyring_store=keyring_double())
        return container.credential_chain()

    def test_named_host_only_profile_is_unusable_not_unknown(self, tmp_path: Path) -> None:
        with pytest.raises(UnusableProfileError) as caught:
            self.chain_for(tmp_path, "prod").resolve()
        path = str(tmp_path / "databrickscfg")
        assert (caught.value.path, caught.value.section) == (path, "prod")
        assert "databricks-cli" in str(caught.value)
        assert not isinstance(caught.value, UnknownProfileError)

    def test_named_profile_with_an_unsupported_auth_type_names_it(self, tmp_path: Path) -> None:
        with pytest.raises(
            UnusableProfileError, match="auth type 'databricks-cli', but the Databricks CLI"
        ):
            self.chain_for(tmp_path).resolve("DEFAULT")

    def test_default_chain_records_the_unusable_profile_as_skipped(self, tmp_path: Path) -> None:
        resolution = self.chain_for(tmp_path).resolve()
        assert resolution.source == "environment"
        entry = resolution.trace[-1]
        assert (entry.source, entry.outcome) == ("databrickscfg", "skipped")
        assert "databricks-cli" in entry.reason

    def test_a_usable_profile_still_shadows_the_environment(self, tmp_path: Path) -> None:
        resolution = self.chain_for(tmp_path, "ok").resolve()
        assert resolution.source == "databrickscfg"
        assert resolution.trace[1].outcome == "shadowed"
