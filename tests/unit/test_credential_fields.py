"""credential_from_fields: the one rule set every credential source uses, from tables."""

from __future__ import annotations

from typing import Any

import pytest

from brickgate.adapters.credentials import env
from brickgate.domain.auth_types import KNOWN_AUTH_TYPES
from brickgate.domain.credential_fields import AUTH_TYPES, FieldWording, credential_from_fields
from brickgate.domain.credentials import (
    TOKEN_SOURCE_AUTH_TYPES,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    TokenSourceCredential,
)
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    ConfigurationError,
    CredentialSourceError,
    InvalidCredentialError,
    SourceUnavailableError,
    UnusableProfileError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.services import credential_chain
from brickgate.testing.contracts.credential_sources import (
    CLIENT_ID,
    KNOWN_CLIENT_SECRET,
    KNOWN_TOKEN,
    assert_secret_free_error,
)

HOST = "adb-1234567890123456.7.azuredatabricks.net"
WORKSPACE = WorkspaceHost.parse(HOST)
ENV = env.WORDING
FILE = FieldWording.for_keys("file", context="profile 'prod' in /x/credentials.json: ")
PROFILE = FieldWording.for_keys(
    "databrickscfg",
    context="profile 'prod' in /x/.databrickscfg: ",
    path="/x/.databrickscfg",
    section="prod",
)
ARGUMENTS = credential_chain.ARGUMENTS_WORDING
WORDINGS = [ENV, FILE, PROFILE, ARGUMENTS]
PAT = {"host": HOST, "token": KNOWN_TOKEN}
OAUTH = {"host": HOST, "client_id": CLIENT_ID, "client_secret": KNOWN_CLIENT_SECRET}
BOTH = {**PAT, **OAUTH}
SPLIT_TOKEN = KNOWN_TOKEN[:9] + " " + KNOWN_TOKEN[9:]


def build(wording: FieldWording = ENV, **fields: Any) -> object:
    return credential_from_fields(wording=wording, **fields)


EXPECTED_PAT = PersonalAccessToken(host=WORKSPACE, token=Secret(KNOWN_TOKEN))
EXPECTED_OAUTH = OAuthClientCredentials(
    host=WORKSPACE, client_id=CLIENT_ID, client_secret=Secret(KNOWN_CLIENT_SECRET)
)
SUCCESSES: dict[str, tuple[dict[str, Any], object]] = {
    "pat": (PAT, EXPECTED_PAT),
    "pat-pasted": (
        {"host": f"  https://{HOST.upper()}/ ", "token": f"\n{KNOWN_TOKEN} "},
        EXPECTED_PAT,
    ),
    "pat-parsed": ({"host": WORKSPACE, "token": Secret(KNOWN_TOKEN)}, EXPECTED_PAT),
    "oauth": (OAUTH, EXPECTED_OAUTH),
    "both-pinned-pat": ({**BOTH, "auth_type": "PAT"}, EXPECTED_PAT),
    "both-pinned-oauth": ({**BOTH, "auth_type": " oauth-m2m "}, EXPECTED_OAUTH),
    "blank-counts-as-absent": ({**PAT, "client_id": " ", "client_secret": ""}, EXPECTED_PAT),
    "scopes": (
        {**OAUTH, "scopes": "all-apis, sql  offline_access"},
        OAuthClientCredentials(
            host=WORKSPACE,
            client_id=CLIENT_ID,
            client_secret=Secret(KNOWN_CLIENT_SECRET),
            scopes="all-apis sql offline_access",
        ),
    ),
    "blank-scopes-default": ({**OAUTH, "scopes": "  "}, EXPECTED_OAUTH),
    "scopes-ignored-by-pat": ({**PAT, "scopes": "sql"}, EXPECTED_PAT),
}
SUCCESS_CASES = [
    pytest.param(wording, fields, expected, id=f"{wording.source}-{name}")
    for wording in WORDINGS
    for name, (fields, expected) in SUCCESSES.items()
    if wording.auth_type is not None or "auth_type" not in fields
]


@pytest.mark.parametrize(("wording", "fields", "expected"), SUCCESS_CASES)
def test_same_fields_give_the_same_credential_in_every_source(
    wording: FieldWording, fields: dict[str, Any], expected: object
) -> None:
    credential = build(wording, **fields)
    assert credential == expected
    if isinstance(expected, OAuthClientCredentials):
        assert isinstance(credential, OAuthClientCredentials)
        assert credential.scopes == expected.scopes


@pytest.mark.parametrize(
    ("fields", "error", "mentions"),
    [
        (BOTH, AmbiguousCredentialsError, ("token", "client_id", "client_secret")),
        ({"host": HOST}, CredentialSourceError, ("host", "token")),
        ({"token": KNOWN_TOKEN}, CredentialSourceError, ("host",)),
        ({"client_id": CLIENT_ID, "client_secret": "x"}, CredentialSourceError, ("host",)),
        ({"host": HOST, "client_id": CLIENT_ID}, CredentialSourceError, ("client_secret",)),
        (
            {"host": HOST, "client_secret": KNOWN_CLIENT_SECRET},
            CredentialSourceError,
            ("client_id",),
        ),
        ({**PAT, "host": "evil.example.com"}, CredentialSourceError, ("host",)),
        ({**PAT, "host": KNOWN_TOKEN}, CredentialSourceError, ("host",)),
        (
            {**PAT, "token": KNOWN_TOKEN[:9] + " " + KNOWN_TOKEN[9:]},
            CredentialSourceError,
            ("token",),
        ),
        ({**OAUTH, "client_id": "a\x00b"}, CredentialSourceError, ("client_id",)),
        ({**OAUTH, "scopes": "all-apis \x7f"}, CredentialSourceError, ("scopes",)),
    ],
    ids=[
        "ambiguous",
        "host-only",
        "no-host",
        "client-without-host",
        "no-client-secret",
        "no-client-id",
        "foreign-host",
        "token-as-host",
        "token-with-space",
        "client-id-control",
        "scopes-control",
    ],
)
@pytest.mark.parametrize("wording", WORDINGS, ids=lambda w: w.source)
def test_same_mistake_gives_the_same_error_in_every_source_in_its_own_words(
    wording: FieldWording,
    fields: dict[str, Any],
    error: type[ConfigurationError],
    mentions: tuple[str, ...],
) -> None:
    with pytest.raises(error) as caught:
        build(wording, **fields)
    assert type(caught.value) is error
    message = str(caught.value)
    for field in mentions:
        assert wording.shown(field) in message
    assert wording.context in message
    if isinstance(caught.value, CredentialSourceError):
        assert caught.value.source == wording.source
    assert_secret_free_error(caught.value)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({**PAT, "auth_type": "oauth-m2m"}, ("client_id", "client_secret")),
        ({**OAUTH, "auth_type": "pat"}, ("token",)),
        ({"host": HOST, "auth_type": "pat"}, ("token",)),
    ],
    ids=["oauth-pinned", "pat-pinned", "host-and-auth-type"],
)
@pytest.mark.parametrize("wording", [ENV, FILE, PROFILE], ids=lambda w: w.source)
def test_a_pinned_auth_type_names_the_fields_it_lacks(
    wording: FieldWording, fields: dict[str, str], problem: tuple[str, ...]
) -> None:
    with pytest.raises(CredentialSourceError) as caught:
        build(wording, **fields)
    assert str(wording.auth_type) in caught.value.reason
    for field in problem:
        assert wording.shown(field) in caught.value.reason


UNSUPPORTED = sorted(KNOWN_AUTH_TYPES - set(AUTH_TYPES))


@pytest.mark.parametrize("auth_type", [*UNSUPPORTED, "dapi-pasted-by-mistake"])
def test_every_auth_type_outside_the_table_is_not_supported_yet(auth_type: str) -> None:
    with pytest.raises(SourceUnavailableError) as caught:
        build(ENV, **PAT, auth_type=auth_type)
    assert "does not support yet" in caught.value.reason
    assert "DATABRICKS_AUTH_TYPE" in caught.value.reason
    assert "dapi-pasted" not in str(caught.value)
    with pytest.raises(UnusableProfileError) as unusable:
        build(PROFILE, **PAT, auth_type=auth_type)
    assert (unusable.value.path, unusable.value.section) == ("/x/.databrickscfg", "prod")
    assert "brickgate login --profile prod" in str(unusable.value)


def test_supported_auth_types_are_the_table() -> None:
    assert set(AUTH_TYPES) == {"pat", "oauth-m2m", *TOKEN_SOURCE_AUTH_TYPES}
    assert set(AUTH_TYPES) <= KNOWN_AUTH_TYPES


@pytest.mark.parametrize(
    ("implied", "error"),
    [("basic", UnusableProfileError), ("azure-client-secret", UnusableProfileError)],
)
def test_an_implied_auth_type_is_judged_by_the_same_table(
    implied: str, error: type[ConfigurationError]
) -> None:
    with pytest.raises(error) as caught:
        build(PROFILE, host=HOST, implied_auth_type=implied)
    assert f"'{implied}'" in str(caught.value)
    pat = build(PROFILE, **PAT, implied_auth_type="databricks-cli")
    assert isinstance(pat, PersonalAccessToken)


def test_a_host_only_profile_is_a_databricks_cli_login_for_its_section() -> None:
    credential = build(PROFILE, host=HOST, implied_auth_type="databricks-cli")
    assert isinstance(credential, TokenSourceCredential)
    assert (credential.auth_type, dict(credential.settings)) == (
        "databricks-cli",
        {"profile": "prod"},
    )


def test_token_source_settings_are_kept_and_never_secrets() -> None:
    credential = build(
        ENV, host=HOST, auth_type="ENV-OIDC", client_id="sp", settings={"account_id": " a "}
    )
    assert isinstance(credential, TokenSourceCredential)
    assert dict(credential.settings) == {"client_id": "sp", "account_id": "a"}
    with pytest.raises(InvalidCredentialError):
        TokenSourceCredential(credential.host, "env-oidc", {"token": "dapi-x"})
    with pytest.raises(InvalidCredentialError):
        TokenSourceCredential(credential.host, "pat")


def test_nothing_at_all_says_what_to_add() -> None:
    with pytest.raises(CredentialSourceError) as caught:
        build(FILE)
    assert "no credential is set" in caught.value.reason
    assert "'host'" in caught.value.reason


def test_fix_ends_every_message_about_a_broken_field() -> None:
    wording = FieldWording.for_keys("keyring", fix="Replace it with: brickgate login")
    with pytest.raises(CredentialSourceError) as caught:
        build(wording, host=HOST)
    assert caught.value.reason.endswith(". Replace it with: brickgate login")
