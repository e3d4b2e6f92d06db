"""The credential chain: order, trace, profiles, broken sources and secret-free diagnostics."""

from __future__ import annotations

import pytest

from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
)
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    ConfigurationError,
    CredentialSourceError,
    InvalidCredentialError,
    InvalidHostError,
    NoCredentialsError,
    SourceUnavailableError,
    UnknownProfileError,
    UnusableProfileError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.resolution import Resolution, TraceEntry
from brickgate.ports.credentials import AMBIENT, EXPLICIT, STORED, SourceRole
from brickgate.services.credential_chain import (
    CredentialChain,
    credential_from_arguments,
    masked_variables,
)
from brickgate.testing.memory_store import MemoryCredentialStore

TOKEN = "dapi0123456789abcdef0123456789abcdef"
OTHER_TOKEN = "dapifedcba9876543210fedcba9876543210"
SECRET = "dose5ecret5ecret5ecret5ecret5ecret"
AWS = WorkspaceHost.parse("dbc-1234.cloud.databricks.com")
AZURE = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")


def pat(host: WorkspaceHost = AWS, token: str = TOKEN) -> PersonalAccessToken:
    return PersonalAccessToken(host=host, token=Secret(token))


def store(name: str, **profiles: Credential) -> MemoryCredentialStore:
    return MemoryCredentialStore(profiles, name=name)


def explicit(**profiles: Credential) -> MemoryCredentialStore:
    return MemoryCredentialStore(profiles, name="arguments", role=EXPLICIT)


def ambient(name: str = "environment", **profiles: Credential) -> MemoryCredentialStore:
    return MemoryCredentialStore(profiles, name=name, role=AMBIENT)


class UnavailableSource:
    """A source that cannot work on this machine, like a keyring with no backend."""

    role = STORED

    def __init__(self, name: str = "keyring") -> None:
        self.name = name
        self.asked = 0

    def describe(self) -> str:
        return "OS keyring, service 'brickgate'"

    def resolve(self, profile: str | None = None) -> Credential | None:
        self.asked += 1
        raise SourceUnavailableError(self.name, "no keyring backend is installed")

    def profiles(self) -> list[str]:
        raise SourceUnavailableError(self.name, "no keyring backend is installed")


class BrokenSource:
    """A source that is configured but broken, like a corrupt credentials file."""

    def __init__(
        self, name: str = "file", error: ConfigurationError | None = None, role: str = STORED
    ) -> None:
        self.name = name
        self.role = role
        self.error = error or CredentialSourceError(name, "the file /x/credentials is corrupt")

    def describe(self) -> str:
        return "/x/credentials"

    def resolve(self, profile: str | None = None) -> Credential | None:
        raise self.error


class CountingSource(MemoryCredentialStore):
    """A memory store that counts how often it was asked and with which profile."""

    def __init__(self, name: str, role: SourceRole = STORED, **profiles: Credential) -> None:
        super().__init__(profiles, name=name, role=role)
        self.asked_with: list[str | None] = []

    def resolve(self, profile: str | None = None) -> Credential | None:
        self.asked_with.append(profile)
        return super().resolve(profile)


def outcomes(resolution: Resolution) -> list[tuple[str, str]]:
    return [(entry.source, entry.outcome) for entry in resolution.trace]


class TestOrderAndTrace:
    def test_first_source_with_credentials_is_used_and_later_ones_shadowed(self) -> None:
        chain = CredentialChain(
            [
                explicit(),
                ambient("environment", DEFAULT=pat()),
                store("keyring", DEFAULT=pat(AZURE, OTHER_TOKEN)),
                store("file"),
            ]
        )
        resolution = chain.resolve()
        assert resolution.credential == pat()
        assert resolution.source == "environment"
        assert outcomes(resolution) == [
            ("arguments", "skipped"),
            ("environment", "used"),
            ("keyring", "shadowed"),
            ("file", "skipped"),
        ]
        assert resolution.trace[0].reason == (
            "not configured: no host=/token= or client credentials were passed"
        )
        assert resolution.trace[2].reason == "shadowed by environment"
        assert resolution.trace[3].reason.startswith("not configured")
        assert resolution.trace[3].where == "file (in-process store, 0 profile(s))"

    def test_non_exhaustive_stops_at_first_hit(self) -> None:
        later = CountingSource("keyring", DEFAULT=pat(AZURE))
        chain = CredentialChain([ambient("environment", DEFAULT=pat()), later])
        resolution = chain.resolve(exhaustive=False)
        assert later.asked_with == []
        assert resolution.trace[1] == TraceEntry(
            "keyring",
            "skipped",
            "not checked: environment already supplied credentials",
            later.describe(),
        )

    def test_unavailable_source_is_skipped_with_its_reason(self) -> None:
        chain = CredentialChain([UnavailableSource(), store("file", DEFAULT=pat())])
        resolution = chain.resolve()
        assert outcomes(resolution) == [("keyring", "skipped"), ("file", "used")]
        assert "no keyring backend is installed" in resolution.trace[0].reason

    def test_trace_has_one_entry_per_source_in_order(self) -> None:
        names = ["arguments", "environment", "keyring", "file", "databrickscfg"]
        chain = CredentialChain([store(name, DEFAULT=pat()) for name in names])
        assert [entry.source for entry in chain.resolve().trace] == names
        assert [source.name for source in chain.sources] == names

    def test_oauth_credentials_are_returned_as_such(self) -> None:
        oauth = OAuthClientCredentials(host=AZURE, client_id="sp-1", client_secret=Secret(SECRET))
        resolution = CredentialChain([store("file", DEFAULT=oauth)]).resolve()
        assert resolution.credential is oauth
        assert "OAuth" in resolution.trace[0].reason


class TestProfiles:
    def test_named_profile_shadows_ambient_environment(self) -> None:
        env = CountingSource("environment", AMBIENT, DEFAULT=pat())
        chain = CredentialChain([env, store("file", prod=pat(AZURE))])
        resolution = chain.resolve("prod")
        assert resolution.credential.host == AZURE
        assert resolution.profile == "prod"
        assert resolution.source == "file"
        assert env.asked_with == [None]
        assert outcomes(resolution) == [("environment", "shadowed"), ("file", "used")]
        assert resolution.trace[0].reason.startswith("shadowed by profile 'prod'")

    def test_ambient_source_without_credentials_is_not_configured(self) -> None:
        chain = CredentialChain([ambient(), store("file", prod=pat(AZURE))])
        entry = chain.resolve("prod").trace[0]
        assert (entry.outcome, entry.reason) == ("skipped", "not configured: no credentials here")

    def test_broken_ambient_source_is_ignored_when_a_profile_is_named(self) -> None:
        broken = BrokenSource(
            "environment", CredentialSourceError("environment", "half set"), AMBIENT
        )
        resolution = CredentialChain([broken, store("file", prod=pat())]).resolve("prod")
        assert outcomes(resolution) == [("environment", "skipped"), ("file", "used")]
        assert "'prod' was named explicitly" in resolution.trace[0].reason
        assert "half set" in resolution.trace[0].reason

    def test_ambient_source_after_explicit_arguments_is_shadowed_by_them(self) -> None:
        chain = CredentialChain([explicit(DEFAULT=pat(AZURE)), ambient(DEFAULT=pat())])
        resolution = chain.resolve("prod")
        assert resolution.credential.host == AZURE
        assert resolution.trace[1].reason == "shadowed by arguments"

    def test_roles_not_names_decide(self) -> None:
        host_store = CountingSource("environment", STORED, prod=pat(AZURE))
        host_ambient = CountingSource("arguments", AMBIENT, DEFAULT=pat())
        chain = CredentialChain([host_ambient, host_store])
        resolution = chain.resolve("prod")
        assert resolution.source == "environment"
        assert host_store.asked_with == ["prod"]
        assert host_ambient.asked_with == [None]
        assert outcomes(resolution) == [("arguments", "shadowed"), ("environment", "used")]

    def test_explicit_arguments_win_even_over_a_named_profile(self) -> None:
        arguments = CountingSource("arguments", EXPLICIT, DEFAULT=pat(AZURE))
        chain = CredentialChain([arguments, store("file", prod=pat())])
        resolution = chain.resolve("prod")
        assert resolution.credential.host == AZURE
        assert arguments.asked_with == [None]
        assert outcomes(resolution) == [("arguments", "used"), ("file", "shadowed")]

    def test_profile_is_passed_to_stores(self) -> None:
        keyring = CountingSource("keyring")
        file = CountingSource("file", staging=pat())
        CredentialChain([keyring, file]).resolve("staging")
        assert keyring.asked_with == ["staging"]
        assert file.asked_with == ["staging"]

    def test_default_profile_applies_when_none_is_given(self) -> None:
        chain = CredentialChain(
            [ambient("environment", DEFAULT=pat()), store("file", prod=pat(AZURE), DEFAULT=pat())],
            default_profile="prod",
        )
        assert chain.resolve().credential.host == AZURE
        assert chain.resolve().profile == "prod"
        assert chain.resolve("DEFAULT").credential.host == AWS
        assert chain.resolve("DEFAULT").trace[0].outcome == "shadowed"

    def test_unknown_profile_lists_known_profiles_of_every_store(self) -> None:
        chain = CredentialChain(
            [
                explicit(env_only=pat()),
                ambient("environment", env_only=pat()),
                UnavailableSource(),
                store("file", prod=pat(), dev=pat()),
                store("databrickscfg", DEFAULT=pat(), prod=pat()),
            ]
        )
        with pytest.raises(UnknownProfileError) as caught:
            chain.resolve("staging")
        assert caught.value.profile == "staging"
        assert caught.value.known == ("DEFAULT", "dev", "prod")
        assert "brickgate login --profile staging" in str(caught.value)


class TestBrokenSources:
    def test_broken_source_before_any_hit_propagates(self) -> None:
        chain = CredentialChain([BrokenSource(), store("databrickscfg", DEFAULT=pat())])
        with pytest.raises(CredentialSourceError, match="corrupt"):
            chain.resolve()

    def test_broken_source_after_the_hit_is_recorded_in_exhaustive_mode(self) -> None:
        chain = CredentialChain([ambient("environment", DEFAULT=pat()), BrokenSource()])
        resolution = chain.resolve()
        entry = resolution.trace[1]
        assert (entry.source, entry.outcome) == ("file", "skipped")
        assert "environment already supplied credentials" in entry.reason
        assert "corrupt" in entry.reason

    def test_ambiguity_within_a_source_propagates(self) -> None:
        ambiguous = AmbiguousCredentialsError("both DATABRICKS_TOKEN and DATABRICKS_CLIENT_SECRET")
        chain = CredentialChain(
            [BrokenSource("environment", ambiguous, AMBIENT), store("file", DEFAULT=pat())]
        )
        with pytest.raises(AmbiguousCredentialsError):
            chain.resolve()


def unusable_profile(section: str = "prod") -> BrokenSource:
    error = UnusableProfileError(
        path="/home/me/.databrickscfg",
        section=section,
        reason="auth_type 'databricks-cli' is not supported yet",
        fix=f"Run `brickgate login --profile {section}`",
    )
    return BrokenSource("databrickscfg", error)


class TestUnusableProfiles:
    def test_named_unusable_profile_is_reported_as_such_not_as_unknown(self) -> None:
        chain = CredentialChain([explicit(), ambient(DEFAULT=pat()), unusable_profile()])
        with pytest.raises(UnusableProfileError) as caught:
            chain.resolve("prod")
        assert (caught.value.path, caught.value.section) == ("/home/me/.databrickscfg", "prod")
        message = str(caught.value)
        assert "'prod'" in message and "/home/me/.databrickscfg" in message
        assert "'databricks-cli' is not supported yet" in message

    def test_another_store_with_the_profile_is_used(self) -> None:
        chain = CredentialChain([unusable_profile(), store("file", prod=pat(AZURE))])
        resolution = chain.resolve("prod")
        assert resolution.credential.host == AZURE
        assert outcomes(resolution) == [("databrickscfg", "skipped"), ("file", "used")]
        assert resolution.trace[0].reason.startswith("unusable: profile 'prod' in /home/me/")

    def test_unusable_profile_after_the_hit_is_only_recorded(self) -> None:
        chain = CredentialChain([store("keyring", prod=pat()), unusable_profile()])
        resolution = chain.resolve("prod")
        assert outcomes(resolution) == [("keyring", "used"), ("databrickscfg", "skipped")]
        assert "keyring already supplied credentials" in resolution.trace[1].reason

    def test_default_chain_skips_an_unusable_profile_with_the_reason(self) -> None:
        chain = CredentialChain([unusable_profile("DEFAULT"), store("file", DEFAULT=pat())])
        resolution = chain.resolve()
        assert outcomes(resolution) == [("databrickscfg", "skipped"), ("file", "used")]
        assert "'databricks-cli' is not supported yet" in resolution.trace[0].reason
        with pytest.raises(NoCredentialsError, match="databricks-cli"):
            CredentialChain([unusable_profile("DEFAULT")]).resolve()


class TestNoCredentials:
    def test_message_lists_every_place_and_masks_secrets(self) -> None:
        environ = {
            "DATABRICKS_TOKEN": TOKEN,
            "DATABRICKS_CLIENT_SECRET": SECRET,
            "DATABRICKS_CONFIG_PROFILE": "dev",
            "HOME": "/home/someone",
        }
        chain = CredentialChain(
            [explicit(), ambient(), UnavailableSource(), store("file")],
            environ=environ,
        )
        with pytest.raises(NoCredentialsError) as caught:
            chain.resolve()
        message = str(caught.value)
        for name in ("arguments", "environment", "keyring", "file"):
            assert f"- {name}:" in message
        assert "no keyring backend is installed" in message
        assert "OS keyring, service 'brickgate'" in message
        assert "DATABRICKS_TOKEN=***" in message
        assert "DATABRICKS_CLIENT_SECRET=***" in message
        assert "DATABRICKS_CONFIG_PROFILE='dev'" in message
        assert "HOME" not in message
        assert TOKEN not in message
        assert SECRET not in message
        assert (
            message.rstrip().endswith("pass host= and token= explicitly.")
            and "brickgate login" in message.splitlines()[-1]
        )
        assert len(caught.value.places) == 4

    def test_message_says_when_no_variables_are_set(self) -> None:
        with pytest.raises(NoCredentialsError, match="No DATABRICKS_"):
            CredentialChain([ambient()]).resolve()

    def test_empty_chain_still_explains(self) -> None:
        with pytest.raises(NoCredentialsError, match="brickgate login"):
            CredentialChain([]).resolve()


class TestMaskedVariables:
    @pytest.mark.parametrize(
        ("name", "value", "shown"),
        [
            ("DATABRICKS_TOKEN", "short", "DATABRICKS_TOKEN=***"),
            ("DATABRICKS_PASSWORD", "hunter2", "DATABRICKS_PASSWORD=***"),
            ("DATABRICKS_HOST", "adb-1.2.azuredatabricks.net", "DATABRICKS_HOST='adb-1.2.azu"),
            ("DATABRICKS_HOST", TOKEN, "DATABRICKS_HOST=***"),
            (
                "DATABRICKS_CLIENT_ID",
                "0123456789abcdef0123456789abcdef",
                "DATABRICKS_CLIENT_ID=***",
            ),
            ("BRICKGATE_PROFILE", "prod", "BRICKGATE_PROFILE='prod'"),
            ("DATABRICKS_SOMETHING_NEW", "x", "DATABRICKS_SOMETHING_NEW=***"),
        ],
    )
    def test_only_known_harmless_values_are_shown(self, name: str, value: str, shown: str) -> None:
        [line] = masked_variables({name: value})
        assert line.startswith(shown)
        if shown.endswith("***"):
            assert value not in line

    def test_other_variables_are_not_listed_and_order_is_sorted(self) -> None:
        seen = masked_variables(
            {"PATH": "/bin", "DATABRICKS_TOKEN": "x", "BRICKGATE_STORE": "file"}
        )
        assert seen == ["BRICKGATE_STORE='file'", "DATABRICKS_TOKEN=***"]


class TestCredentialFromArguments:
    def test_nothing_passed_is_none(self) -> None:
        assert credential_from_arguments() is None

    def test_host_and_token_make_a_pat(self) -> None:
        credential = credential_from_arguments(
            host="https://dbc-1234.cloud.databricks.com/", token=TOKEN
        )
        assert credential == pat()

    def test_host_and_client_credentials_make_oauth(self) -> None:
        credential = credential_from_arguments(host=AZURE, client_id="sp", client_secret=SECRET)
        assert isinstance(credential, OAuthClientCredentials)
        assert credential.client_secret.get_secret_value() == SECRET

    def test_trusted_hosts_admit_a_local_server(self) -> None:
        credential = credential_from_arguments(
            host="http://127.0.0.1:8123", token=TOKEN, trusted_hosts=["127.0.0.1"]
        )
        assert credential is not None
        assert credential.host.url == "http://127.0.0.1:8123"

    def test_both_methods_are_ambiguous(self) -> None:
        with pytest.raises(AmbiguousCredentialsError):
            credential_from_arguments(host=AWS, token=TOKEN, client_id="sp", client_secret=SECRET)

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            ({"token": TOKEN}, "without host="),
            ({"host": "dbc-1234.cloud.databricks.com"}, "without token="),
            ({"host": "dbc-1234.cloud.databricks.com", "client_id": "sp"}, "client_secret="),
            ({"host": "dbc-1234.cloud.databricks.com", "client_secret": SECRET}, "client_id="),
        ],
    )
    def test_incomplete_arguments_say_what_is_missing(
        self, kwargs: dict[str, str], expected: str
    ) -> None:
        with pytest.raises(CredentialSourceError, match=expected) as caught:
            credential_from_arguments(**kwargs)
        assert caught.value.source == "arguments"
        assert TOKEN not in str(caught.value) and SECRET not in str(caught.value)

    def test_bad_host_and_bad_token_are_refused(self) -> None:
        with pytest.raises(InvalidHostError):
            credential_from_arguments(host="example.com", token=TOKEN)
        with pytest.raises(InvalidCredentialError):
            credential_from_arguments(host=AWS, token="dapi 123")


class TestExplain:
    def test_explain_names_source_host_and_every_entry_without_secrets(self) -> None:
        chain = CredentialChain(
            [
                ambient("environment", DEFAULT=pat()),
                UnavailableSource(),
                store("file", DEFAULT=pat()),
            ]
        )
        text = chain.resolve().explain()
        assert "https://dbc-1234.cloud.databricks.com" in text
        assert "Source: environment" in text
        assert "Profile: (default)" in text
        lines = text.splitlines()
        assert any("keyring" in line and "skipped" in line for line in lines)
        assert any("file" in line and "shadowed by environment" in line for line in lines)
        assert "looked at: OS keyring, service 'brickgate'" in text
        assert TOKEN not in text

    def test_explain_oauth_mentions_client_id(self) -> None:
        oauth = OAuthClientCredentials(host=AZURE, client_id="sp-1", client_secret=Secret(SECRET))
        text = CredentialChain([store("file", prod=oauth)]).resolve("prod").explain()
        assert "client id sp-1" in text
        assert "Profile: prod" in text
        assert SECRET not in text

    def test_repr_of_chain_lists_source_names(self) -> None:
        chain = CredentialChain([ambient(), store("file")])
        assert repr(chain) == "CredentialChain([environment, file])"
