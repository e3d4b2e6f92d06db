"""parse_login("host::token") against the seed vectors, with every deliberate difference stated."""

from __future__ import annotations

import traceback
from collections.abc import Sequence

import pytest

from brickgate import (
    Cloud,
    ConfigurationError,
    InvalidLoginError,
    PersonalAccessToken,
    Secret,
    parse_login,
)
from tests.data_vectors import login_vectors, row_ids, seed_vectors, vector_id

REFUSED = None
Parsed = dict[str, str] | None


def outcome(text: str, trusted_hosts: Sequence[str] = ()) -> Parsed:
    """Our result in the seed's shape: ``{"host", "token"}``, or ``REFUSED`` when it raises."""
    try:
        login = parse_login(text, trusted_hosts=trusted_hosts)
    except InvalidLoginError:
        return REFUSED
    return {"host": login.host.name, "token": login.token.get_secret_value()}


@pytest.mark.parametrize(
    "vector", login_vectors(), ids=[vector_id(v["input"]) for v in login_vectors()]
)
def test_every_seed_login_vector_holds(vector: dict[str, object]) -> None:
    text = str(vector["input"])
    if vector["expected"] is None:
        with pytest.raises(InvalidLoginError):
            parse_login(text)
    else:
        assert outcome(text) == vector["expected"]


def _pair(token: str, host: str = "myws.cloud.databricks.com") -> dict[str, str]:
    return {"host": host, "token": token}


# Every derived_observations row: (input, seed behaviour, ours, why).
DERIVED: list[tuple[str, Parsed, Parsed, str]] = [
    ("myws.cloud.databricks.com:::dapi1", _pair(":dapi1"), _pair(":dapi1"),
     "same: split at the first '::', the token keeps the third ':'"),
    ("https://myws.cloud.databricks.com::dapi1", REFUSED, _pair("dapi1"),
     "differs: a pasted URL's https:// is normalised like any host"),
    ("myws.cloud.databricks.com/::dapi1", REFUSED, _pair("dapi1"),
     "differs: a trailing '/' is normalised like any host"),
    ("MYWS.CLOUD.DATABRICKS.COM::dapi1", REFUSED, _pair("dapi1"),
     "differs: DNS ignores case; the host is lower-cased"),
    ("myws.cloud.databricks.com::dapi 123", _pair("dapi 123"), REFUSED,
     "differs: a space inside a token is a copy mistake and breaks the header"),
    ("myws.cloud.databricks.com::dapi\n123", _pair("dapi\n123"), REFUSED,
     "differs: a line break inside a token is header injection"),
    ("myws.cloud.databricks.com::hello", _pair("hello"), _pair("hello"),
     "same: OAuth and other tokens have no 'dapi' prefix, so none is required"),
    ("myws.cloud.databricks.com\t::dapi1", _pair("dapi1"), _pair("dapi1"),
     "same: a tab around the separator is trimmed"),
    ("\ufeffmyws.cloud.databricks.com::dapi1", _pair("dapi1"), _pair("dapi1"),
     "same as JS trim(): a leading BOM is trimmed (Python's strip() alone would keep it)"),
    ("myws.cloud.databricks.com::\u00a0dapi1\u00a0", _pair("dapi1"), _pair("dapi1"),
     "same: NBSP around the token is trimmed"),
    ("myws.cloud.databricks.com\uff1a\uff1adapi1", REFUSED, REFUSED,
     "same: full-width colons are not the separator"),
    ("  ::  ", REFUSED, REFUSED, "same: both parts blank after trimming"),
]  # fmt: skip


def test_every_derived_login_observation_has_a_decision() -> None:
    rows = seed_vectors()["pat_parsing"]["derived_observations"]
    assert [(text, seed) for text, seed, _, _ in DERIVED] == [
        (row["input"], row["seed_behaviour"]) for row in rows
    ]


@pytest.mark.parametrize(("text", "seed", "ours", "why"), DERIVED, ids=row_ids(DERIVED))
def test_derived_login_observation(text: str, seed: Parsed, ours: Parsed, why: str) -> None:
    assert why.startswith("differs" if ours != seed else "same")
    assert outcome(text) == ours, why


TOKEN = "dapi0123456789abcdef0123456789abcd"

# (input, a fragment of the reason)
REFUSALS: list[tuple[str, str]] = [
    ("", "no '::'"),
    (f"myws.cloud.databricks.com:{TOKEN}", "no '::'"),
    (f"myws.cloud.databricks.com\uff1a\uff1a{TOKEN}", "no '::'"),
    (f"::{TOKEN}", "host part before '::' is empty"),
    (f" \ufeff ::{TOKEN}", "host part before '::' is empty"),
    ("myws.cloud.databricks.com::", "token part after '::' is empty"),
    ("myws.cloud.databricks.com:: \t\r\n", "token part after '::' is empty"),
    (f"example.com::{TOKEN}", "not a Databricks workspace domain"),
    (f"http://myws.cloud.databricks.com::{TOKEN}", "clear text"),
    (f"myws.cloud.databricks.com:8443::{TOKEN}", "443"),
    (f"user@myws.cloud.databricks.com::{TOKEN}", "user information"),
    (f"myws.cloud\r\n.databricks.com::{TOKEN}", "whitespace or control"),
    (f"myws.cloud.databricks.com::{TOKEN[:8]} {TOKEN[8:]}", "position 9"),
    (f"myws.cloud.databricks.com::{TOKEN}\r\nX-Evil: 1", "whitespace, control or non-ASCII"),
    (f"myws.cloud.databricks.com::{TOKEN}\x00", "whitespace, control or non-ASCII"),
    (f"myws.cloud.databricks.com::{TOKEN}\u00e9", "non-ASCII"),
    (f"myws.cloud.databricks.com::{TOKEN}\u200b", "non-ASCII"),
    (f"{TOKEN}::myws.cloud.databricks.com", "looks like a token"),
    (f"dose{TOKEN[4:]}::myws.cloud.databricks.com", "looks like a token"),
    (f"http://[::1]:8123::{TOKEN}", "clear text"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSALS, ids=row_ids(REFUSALS))
def test_refused_login_says_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidLoginError) as caught:
        parse_login(text)
    assert reason in caught.value.reason
    assert str(caught.value).startswith("invalid login (expected 'HOST::TOKEN'): ")
    assert isinstance(caught.value, ConfigurationError)


@pytest.mark.parametrize(("text", "reason"), REFUSALS, ids=row_ids(REFUSALS))
def test_a_refused_login_never_shows_the_token(text: str, reason: str) -> None:
    with pytest.raises(InvalidLoginError) as caught:
        parse_login(text)
    printed = "".join(traceback.format_exception(caught.value))
    for shown in (str(caught.value), repr(caught.value), caught.value.reason, printed):
        assert TOKEN[4:12] not in shown
        assert TOKEN[-8:] not in shown


@pytest.mark.parametrize(
    "host_part",
    ["my_secret_workspace.example.com", "s3cr3t-but-no-dots", "evil.example.com/path"],
)
def test_a_refused_login_never_shows_the_host_part(host_part: str) -> None:
    with pytest.raises(InvalidLoginError) as caught:
        parse_login(f"{host_part}::{TOKEN}")
    assert host_part not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "trusted", "url", "cloud"),
    [
        (f"myws.cloud.databricks.com::{TOKEN}", (), "https://myws.cloud.databricks.com", Cloud.AWS),
        (f"https://ADB-1.2.azuredatabricks.net/?o=1 :: {TOKEN}\n", (),
         "https://adb-1.2.azuredatabricks.net", Cloud.AZURE),
        (f"\ufeffmyws.cloud.databricks.us:443::{TOKEN}\r\n", (),
         "https://myws.cloud.databricks.us", Cloud.AWS_GOVCLOUD),
        (f"http://127.0.0.1:8123::{TOKEN}", ("127.0.0.1",), "http://127.0.0.1:8123", Cloud.CUSTOM),
        (f"http://[::1]:8123::{TOKEN}", ("::1",), "http://[::1]:8123", Cloud.CUSTOM),
        (f"[::1]:8123::{TOKEN}", ("::1",), "https://[::1]:8123", Cloud.CUSTOM),
    ],
    ids=vector_id,
)  # fmt: skip
def test_accepted_login(text: str, trusted: tuple[str, ...], url: str, cloud: Cloud) -> None:
    login = parse_login(text, trusted_hosts=trusted)
    assert isinstance(login, PersonalAccessToken)
    assert (login.host.url, login.host.cloud, login.auth_type) == (url, cloud, "pat")
    assert login.token == Secret(TOKEN)
    assert TOKEN not in repr(login)


def test_the_bracket_rule_does_not_touch_a_token_with_brackets() -> None:
    login = parse_login("myws.cloud.databricks.com::tok[::]en")
    assert login.token.get_secret_value() == "tok[::]en"


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidLoginError, match="expected text, got NoneType"):
        parse_login(None)  # type: ignore[arg-type]
