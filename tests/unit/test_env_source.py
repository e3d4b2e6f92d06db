"""EnvironmentSource: DATABRICKS_* variables, half-set and ambiguous configurations."""

from __future__ import annotations

import pytest

from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.domain.credentials import (
    OAuthClientCredentials,
    PersonalAccessToken,
    TokenSourceCredential,
)
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    CredentialSourceError,
    SourceUnavailableError,
)
from brickgate.testing.contracts.credential_sources import (
    CLIENT_ID,
    KNOWN_CLIENT_SECRET,
    KNOWN_TOKEN,
    assert_no_secret,
    assert_secret_free_error,
)

HOST = "adb-1234567890123456.7.azuredatabricks.net"
PAT_VARIABLES = {"DATABRICKS_HOST": HOST, "DATABRICKS_TOKEN": KNOWN_TOKEN}
OAUTH_VARIABLES = {
    "DATABRICKS_HOST": HOST,
    "DATABRICKS_CLIENT_ID": CLIENT_ID,
    "DATABRICKS_CLIENT_SECRET": KNOWN_CLIENT_SECRET,
}
BOTH = {**PAT_VARIABLES, **OAUTH_VARIABLES}


def test_both_methods_without_auth_type_are_ambiguous() -> None:
    with pytest.raises(AmbiguousCredentialsError) as caught:
        EnvironmentSource(BOTH).resolve()
    message = str(caught.value)
    assert "DATABRICKS_TOKEN" in message
    assert "DATABRICKS_AUTH_TYPE" in message
    assert_secret_free_error(caught.value)


@pytest.mark.parametrize(
    ("auth_type", "expected"),
    [
        ("pat", PersonalAccessToken),
        ("PAT", PersonalAccessToken),
        ("oauth-m2m", OAuthClientCredentials),
    ],
)
def test_auth_type_pins_one_method(auth_type: str, expected: type) -> None:
    resolved = EnvironmentSource({**BOTH, "DATABRICKS_AUTH_TYPE": auth_type}).resolve()
    assert isinstance(resolved, expected)


def test_unsupported_auth_type_makes_the_source_skip_with_the_reason() -> None:
    environ = {**PAT_VARIABLES, "DATABRICKS_AUTH_TYPE": "runtime"}
    with pytest.raises(SourceUnavailableError) as caught:
        EnvironmentSource(environ).resolve()
    assert "'runtime'" in caught.value.reason
    assert "does not support" in caught.value.reason
    assert_secret_free_error(caught.value)


def test_a_token_source_whose_tool_is_missing_makes_the_source_skip_with_the_reason() -> None:
    environ = {**PAT_VARIABLES, "DATABRICKS_AUTH_TYPE": "databricks-cli", "PATH": "/nowhere"}
    with pytest.raises(SourceUnavailableError) as caught:
        EnvironmentSource(environ).resolve()
    assert "'databricks-cli'" in caught.value.reason
    assert "DATABRICKS_CLI_PATH" in caught.value.reason
    assert_secret_free_error(caught.value)


def test_an_oidc_auth_type_gives_a_token_source_credential() -> None:
    environ = {
        "DATABRICKS_HOST": PAT_VARIABLES["DATABRICKS_HOST"],
        "DATABRICKS_AUTH_TYPE": "file-oidc",
        "DATABRICKS_CLIENT_ID": "sp-1",
        "DATABRICKS_OIDC_TOKEN_FILEPATH": "/run/oidc",
    }
    resolved = EnvironmentSource(environ).resolve()
    assert isinstance(resolved, TokenSourceCredential)
    assert resolved.auth_type == "file-oidc"
    assert dict(resolved.settings) == {"client_id": "sp-1", "oidc_token_filepath": "/run/oidc"}


def test_auth_type_alone_is_not_configured() -> None:
    assert EnvironmentSource({"DATABRICKS_AUTH_TYPE": "databricks-cli"}).resolve() is None


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({"DATABRICKS_HOST": HOST}, "DATABRICKS_TOKEN"),
        ({"DATABRICKS_TOKEN": KNOWN_TOKEN}, "DATABRICKS_HOST"),
        ({"DATABRICKS_HOST": HOST, "DATABRICKS_CLIENT_ID": CLIENT_ID}, "DATABRICKS_CLIENT_SECRET"),
        (
            {"DATABRICKS_HOST": HOST, "DATABRICKS_CLIENT_SECRET": KNOWN_CLIENT_SECRET},
            "DATABRICKS_CLIENT_ID",
        ),
        ({**OAUTH_VARIABLES, "DATABRICKS_AUTH_TYPE": "pat"}, "DATABRICKS_TOKEN"),
        ({**PAT_VARIABLES, "DATABRICKS_AUTH_TYPE": "oauth-m2m"}, "DATABRICKS_CLIENT_ID"),
    ],
    ids=[
        "host-only",
        "token-only",
        "no-secret",
        "no-client-id",
        "pat-pinned",
        "oauth-pinned",
    ],
)
def test_half_set_variables_name_what_is_missing(environ: dict[str, str], missing: str) -> None:
    with pytest.raises(CredentialSourceError) as caught:
        EnvironmentSource(environ).resolve()
    assert missing in caught.value.reason
    assert caught.value.source == "environment"
    assert_secret_free_error(caught.value)


def test_empty_and_blank_variables_count_as_unset() -> None:
    environ = {"DATABRICKS_HOST": "", "DATABRICKS_TOKEN": "  ", "DATABRICKS_CLIENT_ID": "\n"}
    assert EnvironmentSource(environ).resolve() is None


def test_surrounding_whitespace_is_trimmed() -> None:
    environ = {"DATABRICKS_HOST": f" {HOST}\n", "DATABRICKS_TOKEN": f"{KNOWN_TOKEN}\n"}
    resolved = EnvironmentSource(environ).resolve()
    assert isinstance(resolved, PersonalAccessToken)
    assert resolved.token.get_secret_value() == KNOWN_TOKEN
    assert resolved.host.name == HOST


def test_profile_is_ignored_since_the_environment_holds_one_identity() -> None:
    source = EnvironmentSource(PAT_VARIABLES)
    assert source.resolve("prod") == source.resolve() == source.resolve("DEFAULT")


def test_os_environ_is_read_at_resolve_time(monkeypatch: pytest.MonkeyPatch) -> None:
    source = EnvironmentSource()
    assert source.resolve() is None
    for name, value in PAT_VARIABLES.items():
        monkeypatch.setenv(name, value)
    resolved = source.resolve()
    assert isinstance(resolved, PersonalAccessToken)
    assert resolved.host.name == HOST


def test_describe_lists_variable_names_seen_never_values() -> None:
    source = EnvironmentSource({**BOTH, "UNRELATED": "x"})
    description = source.describe()
    assert "set: DATABRICKS_HOST, DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID" in description
    assert "UNRELATED" not in description
    assert HOST not in description
    assert_no_secret(description, repr(source))
    assert "none set" in EnvironmentSource({}).describe()


def test_trusted_hosts_admit_a_local_server() -> None:
    environ = {"DATABRICKS_HOST": "http://localhost:8080", "DATABRICKS_TOKEN": KNOWN_TOKEN}
    with pytest.raises(CredentialSourceError) as caught:
        EnvironmentSource(environ).resolve()
    assert "DATABRICKS_HOST" in caught.value.reason
    resolved = EnvironmentSource(environ, trusted_hosts=["localhost"]).resolve()
    assert resolved is not None
    assert resolved.host.url == "http://localhost:8080"
