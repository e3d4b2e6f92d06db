"""WorkspaceHost.parse against seed and peer vectors, every deliberate difference stated."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from brickgate import Cloud, ConfigurationError, InvalidHostError, WorkspaceHost
from tests.data_vectors import host_vectors, peer_vectors, row_ids, seed_vectors, vector_id

REFUSED = None
WS = "myworkspace.cloud.databricks.com"
WS_URL = f"https://{WS}"


def outcome(text: str, trusted_hosts: Sequence[str] = ()) -> str | None:
    """Our result for ``text``: the normalised URL, or ``REFUSED`` when parse raises."""
    try:
        return WorkspaceHost.parse(text, trusted_hosts=trusted_hosts).url
    except InvalidHostError:
        return REFUSED


# (input, what the seed expects, what we do, why) — each row is asserted below.
SEED_DIFFERENCES: list[tuple[str, bool, str | None, str]] = [
    (f"https://{WS}", False, WS_URL, "a pasted URL's https:// scheme is normalised away"),
    (f"{WS}\n", False, WS_URL, "echo's trailing newline is surrounding whitespace, trimmed"),
    (f"{WS}\r", False, WS_URL, "a trailing CR (Windows clipboard) is surrounding whitespace"),
    (f" {WS}", False, WS_URL, "a leading space is surrounding whitespace, trimmed"),
    (f"{WS} ", False, WS_URL, "a trailing space is surrounding whitespace, trimmed"),
    (f"\t{WS}", False, WS_URL, "a leading tab is surrounding whitespace, trimmed"),
]
_DIFFERENT = {row[0]: row[2] for row in SEED_DIFFERENCES}


@pytest.mark.parametrize(
    "vector", host_vectors(), ids=[vector_id(v["input"]) for v in host_vectors()]
)
def test_every_seed_host_vector_holds_unless_a_stated_difference(vector: dict[str, object]) -> None:
    text = str(vector["input"])
    if text in _DIFFERENT:
        assert outcome(text) == _DIFFERENT[text]
    elif vector["expected_valid"]:
        host = WorkspaceHost.parse(text)
        assert (host.name, host.url) == (text, f"https://{text}")
    else:
        with pytest.raises(InvalidHostError):
            WorkspaceHost.parse(text)


@pytest.mark.parametrize(
    ("text", "seed_valid", "ours", "why"), SEED_DIFFERENCES, ids=row_ids(SEED_DIFFERENCES)
)
def test_deliberate_difference_from_the_seed(
    text: str, seed_valid: bool, ours: str | None, why: str
) -> None:
    assert {"input": text, "valid": seed_valid} in [
        {"input": v["input"], "valid": v["expected_valid"]} for v in host_vectors()
    ], f"no seed vector says {text!r} -> {seed_valid}"
    assert (ours is not REFUSED) != seed_valid, f"not a difference: {why}"
    assert outcome(text) == ours, why


@pytest.mark.parametrize(
    "text",
    [
        f"{WS}\r\nHost: attacker",
        "myworkspace.cloud\r\n.databricks.com",
        "myworkspace .cloud.databricks.com",
        "myworkspace\t.cloud.databricks.com",
        "myworkspace.cloud.databricks.com\x00",
        "myworkspace\x00.cloud.databricks.com",
        "myworkspace\u200b.cloud.databricks.com",
        "myworkspace\u00a0.cloud.databricks.com",
        "myworkspace\u2028.cloud.databricks.com",
        "myworkspace\x7f.cloud.databricks.com",
        "my\ufeffworkspace.cloud.databricks.com",
        f"https:// {WS}",
    ],
    ids=vector_id,
)
def test_whitespace_or_control_characters_inside_are_still_refused(text: str) -> None:
    with pytest.raises(InvalidHostError, match=r"(whitespace or control|non-ASCII)"):
        WorkspaceHost.parse(text)


_LONG_LABEL = "a" * 300 + ".cloud.databricks.com"
# Every derived_observations row: (input, seed behaviour, ours, why).
DERIVED: list[tuple[str, bool, str | None, str]] = [
    ("MYWS.CLOUD.DATABRICKS.COM", False, "https://myws.cloud.databricks.com", "DNS ignores case"),
    ("myws.cloud.databricks.com.", False, REFUSED, "same: a trailing dot is refused"),
    ("myws.cloud.databricks.com:443", False, "https://myws.cloud.databricks.com", "443 is https"),
    ("myws.cloud.databricks.com/", False, "https://myws.cloud.databricks.com", "copy-paste '/'"),
    ("..cloud.databricks.com", True, REFUSED, "stricter: empty labels are not DNS"),
    ("-.cloud.databricks.com", True, REFUSED, "stricter: a label cannot be just a hyphen"),
    ("a..b.cloud.databricks.com", True, REFUSED, "stricter: empty label"),
    ("my_ws.cloud.databricks.com", True, REFUSED, "stricter: '_' is not a host-name letter"),
    ("accounts.cloud.databricks.com", True, REFUSED, "stricter: account console, no serving"),
    (
        "myws.staging.cloud.databricks.com",
        True,
        "https://myws.staging.cloud.databricks.com",
        "same",
    ),
    (
        "dbc-a1b2c3d4-e5f6.cloud.databricks.com",
        True,
        "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com",
        "same",
    ),
    ("123.4.gcp.databricks.com", True, "https://123.4.gcp.databricks.com", "same"),
    ("myws.azuredatabricks.net", True, "https://myws.azuredatabricks.net", "same"),
    ("azuredatabricks.net", False, REFUSED, "same: a bare zone is not a workspace"),
    (".azuredatabricks.net", False, REFUSED, "same: empty workspace label"),
    ("myws.cloud.databricks.us", False, "https://myws.cloud.databricks.us", "looser: GovCloud"),
    (
        "adb-1.2.databricks.azure.us",
        False,
        "https://adb-1.2.databricks.azure.us",
        "looser: Azure Gov",
    ),
    ("adb-1.2.databricks.azure.cn", False, "https://adb-1.2.databricks.azure.cn", "looser: China"),
    ("myws.dev.databricks.com", False, REFUSED, "same: Databricks-internal dev zone"),
    ("my-app.aws.databricksapps.com", False, REFUSED, "same: Apps are not serving; trust it"),
    ("user@myws.cloud.databricks.com", False, REFUSED, "same: credentials never in the host"),
    ("myws.cloud.databricks.com\x00", False, REFUSED, "same: NUL is a control character"),
    ("myws.cloud.databr\u00edcks.com", False, REFUSED, "same: non-ASCII look-alike"),
    (
        "myws.cloud.databricks.com\u00a0",
        False,
        "https://myws.cloud.databricks.com",
        "looser: surrounding NBSP (web copy) is whitespace",
    ),
    (_LONG_LABEL, True, REFUSED, "stricter: a DNS label has at most 63 characters"),
]


def test_every_derived_host_observation_has_a_decision() -> None:
    rows = seed_vectors()["host_validation"]["derived_observations"]
    in_file = {row["input"]: row["seed_behaviour_valid"] for row in rows}
    assert {text: seed for text, seed, _, _ in DERIVED} == in_file


@pytest.mark.parametrize(("text", "seed_valid", "ours", "why"), DERIVED, ids=row_ids(DERIVED))
def test_derived_host_observation(text: str, seed_valid: bool, ours: str | None, why: str) -> None:
    assert outcome(text) == ours, why


SDK_SHAPES = peer_vectors()["host_normalisation_sdk_tests"]["cases"]


@pytest.mark.parametrize("case", SDK_SHAPES, ids=[c["input"] for c in SDK_SHAPES])
def test_sdk_normalisation_shapes_on_a_databricks_zone(case: dict[str, str]) -> None:
    text = case["input"].replace("abc.def.ghi", "abc.cloud.databricks.com")
    expected = case["expected"].replace("abc.def.ghi", "abc.cloud.databricks.com")
    assert outcome(text) == expected


@pytest.mark.parametrize("case", SDK_SHAPES, ids=[c["input"] for c in SDK_SHAPES])
def test_sdk_example_domain_needs_trusted_hosts(case: dict[str, str]) -> None:
    assert outcome(case["input"]) is REFUSED
    trusted = WorkspaceHost.parse(case["input"], trusted_hosts=["abc.def.ghi"])
    assert (trusted.url, trusted.cloud) == (case["expected"], Cloud.CUSTOM)


# Every host_normalisation_derived row: (input, what the SDK keeps, ours, why).
SDK_DERIVED: list[tuple[str, str, str | None, str]] = [
    ("http://myws.cloud.databricks.com", "http://myws.cloud.databricks.com", REFUSED,
     "http would send the token in clear text"),
    ("https://myws.cloud.databricks.com:8443", "https://myws.cloud.databricks.com:8443", REFUSED,
     "workspaces listen on 443 only; another port is a proxy: use trusted_hosts"),
    ("https://myws.cloud.databricks.com/?o=123", "https://myws.cloud.databricks.com?o=123",
     "https://myws.cloud.databricks.com", "the browser's workspace id query is dropped"),
    ("https://myws.cloud.databricks.com/serving-endpoints/",
     "https://myws.cloud.databricks.com/serving-endpoints", REFUSED,
     "a path would be doubled by the API paths; refused with the reason"),
    ("HTTPS://MYWS.CLOUD.DATABRICKS.COM", "https://MYWS.CLOUD.DATABRICKS.COM",
     "https://myws.cloud.databricks.com", "the host is lower-cased too"),
    ("https://myws.cloud.databricks.com//", "https://myws.cloud.databricks.com",
     "https://myws.cloud.databricks.com", "same: trailing slashes dropped"),
]  # fmt: skip


def test_every_sdk_derived_row_has_a_decision() -> None:
    in_file = {r["input"]: r["sdk_result"] for r in peer_vectors()["host_normalisation_derived"]}
    assert {text: sdk for text, sdk, _, _ in SDK_DERIVED} == in_file


@pytest.mark.parametrize(("text", "sdk", "ours", "why"), SDK_DERIVED, ids=row_ids(SDK_DERIVED))
def test_sdk_derived_normalisation(text: str, sdk: str, ours: str | None, why: str) -> None:
    assert outcome(text) == ours, why


# Every dns_zones_sdk suffix: the cloud we give "myws<suffix>", or REFUSED, and why.
ZONE_DECISIONS: dict[str, tuple[Cloud | None, str]] = {
    ".dev.databricks.com": (None, "Databricks-internal dev zone, not reachable by customers"),
    ".staging.cloud.databricks.com": (Cloud.AWS, "under the public AWS zone"),
    ".cloud.databricks.us": (Cloud.AWS_GOVCLOUD, "AWS GovCloud"),
    ".cloud.databricks.com": (Cloud.AWS, "AWS"),
    ".dev.azuredatabricks.net": (Cloud.AZURE, "under the public Azure zone Databricks owns"),
    ".staging.azuredatabricks.net": (Cloud.AZURE, "under the public Azure zone"),
    ".azuredatabricks.net": (Cloud.AZURE, "Azure"),
    ".databricks.azure.us": (Cloud.AZURE_GOVERNMENT, "Azure Government"),
    ".databricks.azure.cn": (Cloud.AZURE_CHINA, "Azure China (21Vianet)"),
    ".dev.gcp.databricks.com": (Cloud.GCP, "under the public GCP zone Databricks owns"),
    ".staging.gcp.databricks.com": (Cloud.GCP, "under the public GCP zone"),
    ".gcp.databricks.com": (Cloud.GCP, "GCP"),
}


def test_every_sdk_dns_zone_has_a_decision() -> None:
    assert set(ZONE_DECISIONS) == {row["suffix"] for row in peer_vectors()["dns_zones_sdk"]}


@pytest.mark.parametrize("suffix", list(ZONE_DECISIONS))
def test_cloud_of_each_sdk_dns_zone(suffix: str) -> None:
    cloud, why = ZONE_DECISIONS[suffix]
    if cloud is None:
        with pytest.raises(InvalidHostError, match="not a Databricks workspace domain"):
            WorkspaceHost.parse("myws" + suffix)
    else:
        assert WorkspaceHost.parse("myws" + suffix).cloud is cloud, why


@pytest.mark.parametrize(
    "zone", ["staging.cloud.databricks.com", "ai-gateway.cloud.databricks.com",
             "dev.azuredatabricks.net", "staging.gcp.databricks.com", "cloud.databricks.us"],
)  # fmt: skip
def test_a_bare_zone_is_not_a_workspace(zone: str) -> None:
    with pytest.raises(InvalidHostError):
        WorkspaceHost.parse(zone)


def test_refusal_is_a_configuration_error_and_a_value_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        WorkspaceHost.parse("example.com")
    assert isinstance(caught.value, ValueError)


def _labels_of_length(total: int) -> str:
    """A host under cloud.databricks.com exactly ``total`` characters long, labels <= 63."""
    zone = ".cloud.databricks.com"
    room = total - len(zone)
    labels = []
    while room > 0:
        size = min(63, room)
        labels.append("a" * size)
        room -= size + 1
    name = ".".join(labels) + zone
    if len(name) < total:
        name = "b" + name
    assert len(name) == total
    return name


# (input, trusted_hosts, expected URL, expected cloud)
ACCEPTED: list[tuple[str, tuple[str, ...], str, Cloud]] = [
    ("MyWorkspace.Cloud.Databricks.COM", (), WS_URL, Cloud.AWS),
    (f"\ufeff{WS}\r\n", (), WS_URL, Cloud.AWS),
    (f" \t\ufeff {WS} \n\n", (), WS_URL, Cloud.AWS),
    (f"HTTPS://{WS}:443/?o=1234567890", (), WS_URL, Cloud.AWS),
    (f"https://{WS}?o=42", (), WS_URL, Cloud.AWS),
    ("a" * 63 + ".cloud.databricks.com", (), "https://" + "a" * 63 + ".cloud.databricks.com",
     Cloud.AWS),
    (_labels_of_length(253), (), "https://" + _labels_of_length(253), Cloud.AWS),
    ("1234567890.ai-gateway.cloud.databricks.com", (),
     "https://1234567890.ai-gateway.cloud.databricks.com", Cloud.AWS),
    ("8757561887652360.0.gcp.databricks.com", (), "https://8757561887652360.0.gcp.databricks.com",
     Cloud.GCP),
    ("http://127.0.0.1:8123", ("127.0.0.1",), "http://127.0.0.1:8123", Cloud.CUSTOM),
    ("http://localhost:8123/", ("LOCALHOST",), "http://localhost:8123", Cloud.CUSTOM),
    ("http://[::1]:8123", ("::1",), "http://[::1]:8123", Cloud.CUSTOM),
    ("http://[::1]:8123", ("[::1]",), "http://[::1]:8123", Cloud.CUSTOM),
    ("https://127.0.0.1:443", ("127.0.0.1",), "https://127.0.0.1", Cloud.CUSTOM),
    ("https://proxy.example.com:443/", ("proxy.example.com",), "https://proxy.example.com",
     Cloud.CUSTOM),
    (WS, (WS,), WS_URL, Cloud.AWS),
]  # fmt: skip


@pytest.mark.parametrize(("text", "trusted", "url", "cloud"), ACCEPTED, ids=row_ids(ACCEPTED))
def test_accepted_host(text: str, trusted: tuple[str, ...], url: str, cloud: Cloud) -> None:
    host = WorkspaceHost.parse(text, trusted_hosts=trusted)
    assert (host.url, host.cloud, str(host)) == (url, cloud, url)
    assert WorkspaceHost.parse(host.url, trusted_hosts=trusted) == host


# (input, trusted_hosts, a fragment of the reason) — what must be refused, and why.
REFUSALS: list[tuple[str, tuple[str, ...], str]] = [
    ("", (), "empty"),
    (" \t\r\n\ufeff", (), "empty"),
    ("https://", (), "missing"),
    ("https:///x", (), "missing"),
    ("myws..cloud.databricks.com", (), "empty label"),
    (".myws.cloud.databricks.com", (), "empty label"),
    ("myws.cloud.databricks.com.", (), "trailing '.'"),
    ("a" * 64 + ".cloud.databricks.com", (), "DNS label"),
    ("-myws.cloud.databricks.com", (), "DNS label"),
    ("myws-.cloud.databricks.com", (), "DNS label"),
    (_labels_of_length(254), (), "253"),
    ("user@myws.cloud.databricks.com", (), "user information"),
    ("https://user:hunter2@myws.cloud.databricks.com", (), "user information"),
    ("myws.cloud.databricks.com@evil.com", (), "user information"),
    ("xn--myws-9ra.cloud.databricks.com", (), "punycode"),
    ("myws.cloud.xn--databrcks-q9a.com", (), "punycode"),
    ("myws.cloud.databr\u0456cks.com", (), "non-ASCII"),
    ("myws.\uff43loud.databricks.com", (), "non-ASCII"),
    ("myws\u3002cloud.databricks.com", (), "non-ASCII"),
    ("evil.com/x.cloud.databricks.com", (), "path"),
    ("https://evil.com/x.cloud.databricks.com", (), "path"),
    ("evil.com\\x.cloud.databricks.com", (), "DNS label"),
    ("evil.com#x.cloud.databricks.com", (), "fragment"),
    ("evil.com?x.cloud.databricks.com", (), "query"),
    ("x.cloud.databricks.com.evil.com", (), "not a Databricks workspace domain"),
    ("x.cloud.databricks.com%2eevil.com", (), "DNS label"),
    ("myws.databricks.com", (), "not a Databricks workspace domain"),
    ("myws.cloud-databricks.com", (), "not a Databricks workspace domain"),
    ("myws.cloud.databricks.com.", (), "trailing"),
    (f"{WS}:8443", (), "443"),
    (f"{WS}:80", (), "443"),
    (f"{WS}:0", (), "port number"),
    (f"{WS}:0443", (), "port number"),
    (f"{WS}:65536", (), "port number"),
    (f"{WS}:", (), "port number"),
    (f"{WS}:https", (), "port number"),
    (f"{WS}/serving-endpoints", (), "path"),
    (f"https://{WS}/api/2.0/", (), "path"),
    (f"{WS}?o=1&x=2", (), "query"),
    (f"{WS}?x=1", (), "query"),
    (f"{WS}?o=", (), "query"),
    (f"{WS}?o=abc", (), "query"),
    (f"{WS}?", (), "query"),
    (f"{WS}#", (), "fragment"),
    (f"{WS}/#/setting/account", (), "fragment"),
    (f"http://{WS}", (), "clear text"),
    (f"http://{WS}", (WS,), "clear text"),
    (f"ftp://{WS}", (), "scheme"),
    (f"javascript://{WS}", (), "scheme"),
    ("127.0.0.1", (), "not a Databricks workspace domain"),
    ("http://127.0.0.1:8123", (), "clear text"),
    ("https://127.0.0.1:8123", (), "443"),
    ("http://127.0.0.1:8123", ("localhost",), "clear text"),
    ("http://[::1]:8123", (), "clear text"),
    ("::1", ("::1",), "brackets"),
    ("[::1", ("::1",), "closing"),
    ("[::1]x", ("::1",), "after the IPv6"),
    ("http://proxy.example.com", ("proxy.example.com",), "loopback"),
    ("https://proxy.example.com:8443", ("proxy.example.com",), "loopback"),
    ("http://10.0.0.5:8080", ("10.0.0.5",), "loopback"),
    ("proxy.example.com", (), "trusted_hosts"),
    ("accounts.cloud.databricks.com", (), "account console"),
    ("ACCOUNTS.cloud.databricks.com/", (), "account console"),
    ("accounts-dod.cloud.databricks.us", (), "account console"),
    ("accounts.azuredatabricks.net", (), "account console"),
    ("accounts.databricks.azure.cn", (), "account console"),
    ("accounts.gcp.databricks.com", (), "account console"),
    ("accounts.staging.cloud.databricks.com", (), "account console"),
    ("ai-gateway.cloud.databricks.com", (), "zone"),
]


@pytest.mark.parametrize(("text", "trusted", "reason"), REFUSALS, ids=row_ids(REFUSALS))
def test_refused_host(text: str, trusted: tuple[str, ...], reason: str) -> None:
    with pytest.raises(InvalidHostError) as caught:
        WorkspaceHost.parse(text, trusted_hosts=trusted)
    assert reason in caught.value.reason
    assert str(caught.value).startswith("invalid workspace host")


@pytest.mark.parametrize(("text", "trusted", "reason"), REFUSALS, ids=row_ids(REFUSALS))
def test_the_reason_never_repeats_the_input(
    text: str, trusted: tuple[str, ...], reason: str
) -> None:
    with pytest.raises(InvalidHostError) as caught:
        WorkspaceHost.parse(text, trusted_hosts=trusted)
    for part in text.replace("://", "/").replace("?", "/").split("/"):
        if len(part) >= 8:
            assert part.strip() not in caught.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "dapi0123456789abcdef0123456789abcdef",
        "myws.cloud.databricks.com:dapi0123456789abcdef",
        "https://myws.cloud.databricks.com/dapi0123456789abcdef",
        "dose0123456789abcdef0123456789abcdef.cloud.databricks.com.evil",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "myws.cloud.databricks.com/" + "Zm9vYmFyYmF6cXV4" * 3,
        "user:s3cr3t-passw0rd@myws.cloud.databricks.com",
        "myws.cloud.databricks.com\tdapi0123",
    ],
    ids=vector_id,
)
def test_input_that_may_hold_a_secret_is_not_echoed(text: str) -> None:
    with pytest.raises(InvalidHostError) as caught:
        WorkspaceHost.parse(text)
    assert caught.value.text is None
    for secret in ("dapi0123", "dose0123", "eyJhbGci", "Zm9vYmFy", "s3cr3t"):
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value)


def test_a_plain_mistake_is_echoed_to_help() -> None:
    with pytest.raises(InvalidHostError) as caught:
        WorkspaceHost.parse("https://myws.cloud.example.com")
    assert caught.value.text == "https://myws.cloud.example.com"
    assert "'https://myws.cloud.example.com'" in str(caught.value)


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidHostError, match="expected text, got bytes"):
        WorkspaceHost.parse(b"myws.cloud.databricks.com")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "trusted", "gateway", "loopback"),
    [
        ("1.ai-gateway.cloud.databricks.com", (), True, False),
        (WS, (), False, False),
        ("http://127.0.0.1:1", ("127.0.0.1",), False, True),
        ("http://127.0.0.2:1", ("127.0.0.2",), False, True),
        ("http://localhost:1", ("localhost",), False, True),
        ("http://[::1]:1", ("::1",), False, True),
        ("proxy.example.com", ("proxy.example.com",), False, False),
    ],
    ids=vector_id,
)
def test_gateway_and_loopback_flags(
    text: str, trusted: tuple[str, ...], gateway: bool, loopback: bool
) -> None:
    host = WorkspaceHost.parse(text, trusted_hosts=trusted)
    assert (host.is_ai_gateway, host.is_loopback) == (gateway, loopback)


def test_cloud_prints_as_its_value() -> None:
    assert [str(cloud) for cloud in Cloud] == [cloud.value for cloud in Cloud]
    assert f"{Cloud.AZURE_CHINA}" == "azure-china"
