"""Pure token logic: RFC 3339 expiry, the refresh policy, PKCE, the authorize URL, tool output."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from brickgate.domain.credentials import Secret
from brickgate.domain.errors import AuthenticationError, CredentialSourceError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.tokens import (
    RefreshPolicy,
    TimedToken,
    authorize_url,
    new_pkce,
    parse_expiry,
    pkce_challenge,
)
from brickgate.domain.tool_tokens import (
    az_failure,
    az_token,
    cli_failure,
    cli_token,
    cli_version,
    scrubbed,
    supports_force_refresh,
)

HOST = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")


def utc(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int = 0) -> float:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # nine fractional digits and an offset: the Python SDK drops both
        ("2026-08-21T15:04:05.123456789+02:00", utc(2026, 8, 21, 13, 4, 5, 123456)),
        # an offset without fractions: the Python SDK fails to parse it
        ("2026-08-21T15:04:05+02:00", utc(2026, 8, 21, 13, 4, 5)),
        ("2026-08-21T15:04:05-07:30", utc(2026, 8, 21, 22, 34, 5)),
        ("2026-08-21T15:04:05Z", utc(2026, 8, 21, 15, 4, 5)),
        ("2026-08-21t15:04:05.5z", utc(2026, 8, 21, 15, 4, 5, 500000)),
        ("2026-08-21T15:04:05.1Z", utc(2026, 8, 21, 15, 4, 5, 100000)),
        ("2026-08-21 15:04:05.000001+00:00", utc(2026, 8, 21, 15, 4, 5, 1)),
        (" 2026-12-31T23:59:59.999999999+14:00\n", utc(2026, 12, 31, 9, 59, 59, 999999)),
    ],
)
def test_rfc3339_expiry_is_parsed_fully(text: str, expected: float) -> None:
    assert parse_expiry(text) == pytest.approx(expected, abs=1e-6)


def test_a_timestamp_without_offset_is_local_time() -> None:
    expected = datetime(2026, 8, 21, 15, 4, 5, 250000).timestamp()
    assert parse_expiry("2026-08-21 15:04:05.250000") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "2026-08-21",
        "2026-13-01T00:00:00Z",
        "2026-08-21T25:00:00Z",
        "2026-08-21T15:04:05.1234567890Z",
        "2026-08-21T15:04:05.Z",
        "2026-08-21T15:04:05+24:00",
        "2026-08-21T15:04:05+02:00 trailing",
    ],
)
def test_malformed_expiry_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_expiry(text)


def timed(lifetime: float, at: float = 1000.0) -> TimedToken:
    return TimedToken(Secret("tok"), at + lifetime, at)


def test_policy_refreshes_five_minutes_ahead_of_an_hour_token() -> None:
    policy = RefreshPolicy()
    token = timed(3600)
    assert policy.stale_at(token) == 1000 + 3600 - 300
    assert policy.fresh(token, 1000 + 3299)
    assert not policy.fresh(token, 1000 + 3300)
    assert policy.usable(token, 1000 + 3559)
    assert not policy.usable(token, 1000 + 3560)


def test_policy_refreshes_a_short_token_at_half_its_life() -> None:
    policy = RefreshPolicy()
    assert policy.stale_at(timed(120)) == 1000 + 60


def test_pkce_challenge_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_new_pkce_pairs_are_random_and_consistent() -> None:
    first, second = new_pkce(), new_pkce()
    assert first.verifier != second.verifier
    assert len(first.verifier.get_secret_value()) >= 43
    assert first.challenge == pkce_challenge(first.verifier.get_secret_value())
    assert "*" in repr(first)


def test_authorize_url_carries_the_pkce_s256_parameters() -> None:
    url = authorize_url(
        HOST,
        client_id="databricks-cli",
        redirect_uri="http://localhost:8020",
        scopes="all-apis offline_access",
        state="st",
        challenge="ch",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", HOST.name, "/oidc/v1/authorize")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["databricks-cli"],
        "redirect_uri": ["http://localhost:8020"],
        "scope": ["all-apis offline_access"],
        "state": ["st"],
        "code_challenge": ["ch"],
        "code_challenge_method": ["S256"],
    }


CLI_OUTPUT = """{
  "access_token": "eyJraWQiOi-cli",
  "token_type": "Bearer",
  "expiry": "2026-08-21T15:04:05.123456789+02:00"
}"""


def test_cli_output_gives_token_and_expiry() -> None:
    token = cli_token(CLI_OUTPUT, now=5.0)
    assert token.token.get_secret_value() == "eyJraWQiOi-cli"
    assert token.expires_at == pytest.approx(utc(2026, 8, 21, 13, 4, 5, 123456))
    assert token.obtained_at == 5.0


@pytest.mark.parametrize(
    "output",
    [
        "not json",
        "[]",
        '{"token_type":"Bearer"}',
        '{"access_token":"a b","expiry":"x"}',
        '{"access_token":"abc","expiry":"yesterday"}',
        '{"access_token":"abc"}',
    ],
)
def test_unusable_cli_output_raises_credential_source_error(output: str) -> None:
    with pytest.raises(CredentialSourceError) as caught:
        cli_token(output, now=0.0)
    assert "abc" not in str(caught.value)


def test_cli_not_configured_says_to_log_in_with_the_host() -> None:
    stderr = "Error: cache: databricks OAuth is not configured for this host. Try logging in again"
    error = cli_failure(stderr, host=HOST, profile=None)
    assert isinstance(error, CredentialSourceError)
    assert f"databricks auth login --host {HOST.url}" in str(error)


def test_cli_dead_refresh_token_says_to_log_in_again_with_the_profile() -> None:
    stderr = (
        "Error: a new access token could not be retrieved because the refresh token is invalid. "
        "To reauthenticate, run `databricks auth login --profile prod`"
    )
    error = cli_failure(stderr, host=HOST, profile="prod")
    assert isinstance(error, AuthenticationError)
    assert "databricks auth login --profile prod" in str(error)


def test_other_cli_failures_are_shown_scrubbed() -> None:
    error = cli_failure("boom eyJhbGciOiJSUzI1NiJ9.payload.sig", host=HOST, profile=None)
    assert "boom" in str(error)
    assert "eyJhbGci" not in str(error)


def test_scrubbed_bounds_length_and_hides_tokens() -> None:
    assert len(scrubbed("word " * 500)) <= 303
    assert "dapi" not in scrubbed("token dapi0123456789abcdef here")


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        ('{"Major":0,"Minor":296,"Patch":0,"Version":"0.296.0"}', (0, 296, 0)),
        ("Databricks CLI v1.2.3\n", (1, 2, 3)),
        ('{"Major":"x"}', None),
        ("garbage", None),
    ],
)
def test_cli_version(stdout: str, expected: tuple[int, int, int] | None) -> None:
    assert cli_version(stdout) == expected


def test_force_refresh_needs_cli_0_296() -> None:
    assert supports_force_refresh((0, 296, 0))
    assert supports_force_refresh((1, 0, 0))
    assert supports_force_refresh((0, 0, 0))
    assert not supports_force_refresh((0, 295, 9))
    assert not supports_force_refresh(None)


def test_az_output_prefers_epoch_expires_on() -> None:
    output = (
        '{"accessToken":"eyJaz","expiresOn":"2001-01-01 00:00:00.000000",'
        '"expires_on":1790000000,"tokenType":"Bearer"}'
    )
    token = az_token(output, now=1.0)
    assert token.token.get_secret_value() == "eyJaz"
    assert token.expires_at == 1790000000


def test_az_output_falls_back_to_local_expires_on() -> None:
    token = az_token('{"accessToken":"eyJaz","expiresOn":"2026-08-21 15:04:05.000000"}', 1.0)
    assert token.expires_at == datetime(2026, 8, 21, 15, 4, 5).timestamp()


def test_az_output_without_expiry_is_refused() -> None:
    with pytest.raises(CredentialSourceError):
        az_token('{"accessToken":"eyJaz"}', 1.0)


def test_az_not_logged_in_says_to_run_az_login_with_the_tenant() -> None:
    error = az_failure("ERROR: Please run 'az login' to setup account.", host=HOST, tenant="t1")
    assert "az login --tenant t1" in str(error)
