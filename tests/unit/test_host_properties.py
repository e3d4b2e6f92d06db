"""Property-based tests: parsing never crashes, never admits a foreign host, and is idempotent."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brickgate import (
    Cloud,
    InvalidHostError,
    InvalidLoginError,
    PersonalAccessToken,
    Secret,
    WorkspaceHost,
    parse_login,
)

MODEST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EXPECTED_CLOUD = {
    "cloud.databricks.com": Cloud.AWS,
    "cloud.databricks.us": Cloud.AWS_GOVCLOUD,
    "azuredatabricks.net": Cloud.AZURE,
    "databricks.azure.us": Cloud.AZURE_GOVERNMENT,
    "databricks.azure.cn": Cloud.AZURE_CHINA,
    "gcp.databricks.com": Cloud.GCP,
}
NOT_WORKSPACES = {
    "ai-gateway.cloud.databricks.com",
    "staging.cloud.databricks.com",
    "dev.azuredatabricks.net",
    "staging.azuredatabricks.net",
    "dev.gcp.databricks.com",
    "staging.gcp.databricks.com",
}
DNS_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
TRUSTED_LOOPBACK = "127.0.0.1"
LETTERS_AND_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"


@st.composite
def workspace_names(draw: st.DrawFn) -> tuple[str, Cloud]:
    """A well-formed workspace host under a random zone, and the cloud it belongs to."""
    zone = draw(st.sampled_from(sorted(EXPECTED_CLOUD)))
    label = st.builds(
        "{}{}".format,
        st.text(alphabet=LETTERS_AND_DIGITS, min_size=1, max_size=1),
        st.text(alphabet=LETTERS_AND_DIGITS + "-", max_size=61).map(
            lambda middle: middle + "0" if middle else ""
        ),
    ).filter(lambda lb: not lb.startswith("xn--"))
    labels = draw(st.lists(label, min_size=1, max_size=3))
    name = ".".join([*labels, zone])
    if labels[0] in {"accounts", "accounts-dod"} or name in NOT_WORKSPACES or len(name) > 253:
        name = "ws." + zone
    return name, EXPECTED_CLOUD[zone]


decorations = st.tuples(
    st.sampled_from(["", " ", "\t", "\n", "\r\n", "\ufeff", " \ufeff\t"]),
    st.sampled_from(["", "https://", "HTTPS://", "Https://"]),
    st.sampled_from([str.lower, str.upper, str.title, str.swapcase]),
    st.sampled_from(["", "/", "//", ":443", ":443/", "/?o=123", "?o=9"]),
    st.sampled_from(["", " ", "\t", "\n", "\r\n", "\ufeff", "\n\ufeff "]),
)


def decorate(name: str, decoration: tuple[str, str, Callable[[str], str], str, str]) -> str:
    """``name`` as a person might paste it: whitespace, scheme, case, '/', ':443', '?o='."""
    before, scheme, case, after, trailing = decoration
    return f"{before}{scheme}{case(name)}{after}{trailing}"


ODD = "_.%@:/?#[]\\ \t\r\n\x00\x7f\u00a0\u0131\u0430\u200b\u3002\uff0e\ufeff"
TWISTS: dict[str, Callable[[str, str], str]] = {
    "untouched": lambda text, _: text,
    "insert": lambda text, odd: text[: len(text) // 2] + odd + text[len(text) // 2 :],
    "append": lambda text, odd: text.rstrip() + odd,
    "prepend": lambda text, odd: odd + text.lstrip(),
    "foreign suffix": lambda text, _: text.rstrip().rstrip("/") + ".evil.com",
    "bare foreign suffix": lambda text, _: text.rstrip().rstrip("/") + "evil.com",
    "foreign before a slash": lambda text, _: "evil.com/" + text.lstrip(),
    "foreign user-info": lambda text, _: "evil.com@" + text.lstrip(),
    "zone swapped": lambda text, _: text.replace("databricks", "databrick"),
    "dev zone": lambda text, _: text.replace("cloud.databricks.com", "dev.databricks.com"),
    "http": lambda text, _: "http://" + text.lstrip().split("://")[-1],
    "port": lambda text, odd: text.rstrip().rstrip("/") + ":" + str(ord(odd[0])),
    "path": lambda text, odd: text.rstrip().rstrip("/") + "/" + odd,
    "double dot": lambda text, _: text.replace(".", "..", 1),
    "account console": lambda text, _: "accounts." + text.lstrip().split("://")[-1],
    "replaced": lambda _, piece: piece,
}
LOOKALIKES = ["-", "xn--", "evil.com", ".", "..", "?o=1", "?x", "8443", "a" * 64, "::1"]
WHOLE_HOSTS = ["accounts.cloud.databricks.com", "127.0.0.1", "https://127.0.0.1", "[::1]:8123"]
LOCAL_URLS = ["http://127.0.0.1:8123", "http://127.0.0.2:8123", "http://localhost:1"]
ADVERSARIAL_PIECES = st.sampled_from(
    [*ODD, *LOOKALIKES, *sorted(NOT_WORKSPACES), *WHOLE_HOSTS, *LOCAL_URLS]
)


NAME_TWISTS: dict[str, Callable[[str, str], str]] = {
    "inside the first label": lambda name, piece: name[:1] + piece + name[1:],
    "end of the first label": lambda name, piece: name.replace(".", piece + ".", 1),
    "first label replaced": lambda name, piece: piece + name[name.index(".") :],
}


@st.composite
def twisted_hosts(draw: st.DrawFn) -> str:
    """A pasted workspace host given one twist a typo or an attacker would add."""
    name, _ = draw(workspace_names())
    piece = draw(ADVERSARIAL_PIECES)
    if draw(st.booleans()):
        name = NAME_TWISTS[draw(st.sampled_from(sorted(NAME_TWISTS)))](name, piece)
        return decorate(name, draw(decorations))
    text = decorate(name, draw(decorations))
    return TWISTS[draw(st.sampled_from(sorted(TWISTS)))](text, piece)


any_host_text = st.one_of(st.text(max_size=80), twisted_hosts())
tokens = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)
any_token_text = st.one_of(tokens, st.text(max_size=40), st.sampled_from(["", " ", "dapi 1", "\n"]))


def assert_safe(host: WorkspaceHost) -> None:
    """An accepted host lies under a Databricks zone, is well formed and re-parses to itself."""
    if host.cloud is Cloud.CUSTOM:
        assert (host.name, host.is_loopback) == (TRUSTED_LOOPBACK, True)
    else:
        zones = [zone for zone in EXPECTED_CLOUD if host.name.endswith("." + zone)]
        assert zones, host.name
        assert host.cloud is EXPECTED_CLOUD[zones[0]]
        assert host.name not in NOT_WORKSPACES
        assert host.name.split(".")[0] not in {"accounts", "accounts-dod"}
        assert len(host.name) <= 253
        assert all(re.fullmatch(DNS_LABEL, label) for label in host.name.split("."))
        assert host.url == "https://" + host.name
        assert (host.scheme, host.port) == ("https", None)
    assert WorkspaceHost.parse(host.url, trusted_hosts=[TRUSTED_LOOPBACK]) == host


@MODEST
@given(any_host_text)
def test_any_text_is_a_safe_host_or_an_invalid_host_error(text: str) -> None:
    try:
        host = WorkspaceHost.parse(text)
    except InvalidHostError:
        return
    assert host.cloud is not Cloud.CUSTOM
    assert_safe(host)


@MODEST
@given(any_host_text)
def test_a_trusted_loopback_admits_nothing_else(text: str) -> None:
    try:
        host = WorkspaceHost.parse(text, trusted_hosts=[TRUSTED_LOOPBACK])
    except InvalidHostError:
        return
    assert_safe(host)


@MODEST
@given(st.one_of(st.text(max_size=120), st.builds("{}::{}".format, any_host_text, any_token_text)))
def test_any_login_is_safe_or_an_invalid_login_error(text: str) -> None:
    try:
        login = parse_login(text)
    except InvalidLoginError:
        return
    assert isinstance(login, PersonalAccessToken)
    assert_safe(login.host)
    value = login.token.get_secret_value()
    assert re.fullmatch(r"[!-~]+", value)
    assert repr(login) == repr(dataclasses.replace(login, token=Secret("other")))
    assert parse_login(f"{login.host.url}::{value}") == login


@MODEST
@given(workspace_names(), decorations)
def test_a_pasted_workspace_host_is_accepted_with_its_cloud(
    workspace: tuple[str, Cloud],
    decoration: tuple[str, str, Callable[[str], str], str, str],
) -> None:
    name, cloud = workspace
    host = WorkspaceHost.parse(decorate(name, decoration))
    assert (host.name, host.cloud, host.url) == (name, cloud, f"https://{name}")
    assert_safe(host)


@MODEST
@given(workspace_names(), decorations, tokens)
def test_a_pasted_login_is_accepted(
    workspace: tuple[str, Cloud],
    decoration: tuple[str, str, Callable[[str], str], str, str],
    token: str,
) -> None:
    name, cloud = workspace
    login = parse_login(f"{decorate(name, decoration)}::{decoration[-1]}{token}{decoration[0]}")
    assert (login.host.name, login.host.cloud) == (name, cloud)
    assert login.token.get_secret_value() == token
