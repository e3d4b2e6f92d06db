"""Workspace hosts: normalise what people paste, refuse what is not a Databricks workspace."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from brickgate.domain.errors import InvalidHostError


class Cloud(str, Enum):
    """The cloud (and sovereign region) a workspace host belongs to."""

    AWS = "aws"
    AWS_GOVCLOUD = "aws-govcloud"
    AZURE = "azure"
    AZURE_GOVERNMENT = "azure-government"
    AZURE_CHINA = "azure-china"
    GCP = "gcp"
    CUSTOM = "custom"

    def __str__(self) -> str:
        return self.value


ZONES: tuple[tuple[str, Cloud], ...] = (
    ("cloud.databricks.com", Cloud.AWS),
    ("cloud.databricks.us", Cloud.AWS_GOVCLOUD),
    ("azuredatabricks.net", Cloud.AZURE),
    ("databricks.azure.us", Cloud.AZURE_GOVERNMENT),
    ("databricks.azure.cn", Cloud.AZURE_CHINA),
    ("gcp.databricks.com", Cloud.GCP),
)
AI_GATEWAY_ZONE = "ai-gateway.cloud.databricks.com"
SUB_ZONES = frozenset(
    {
        AI_GATEWAY_ZONE,
        "staging.cloud.databricks.com",
        "dev.azuredatabricks.net",
        "staging.azuredatabricks.net",
        "dev.gcp.databricks.com",
        "staging.gcp.databricks.com",
    }
)
_ACCOUNT_CONSOLE_LABELS = frozenset({"accounts", "accounts-dod"})
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_WORKSPACE_QUERY = re.compile(r"o=[0-9]{1,20}")
_PORT = re.compile(r"[1-9][0-9]{0,4}")
_SECRET_LOOKING = re.compile(r"dapi|dose|eyj|[A-Za-z0-9_+/=]{32,}", re.IGNORECASE)
_BOM = "\ufeff"
_MAX_HOST_LENGTH = 253
_MAX_SHOWN = 80


@dataclass(frozen=True, slots=True)
class WorkspaceHost:
    """A validated workspace host: ``name`` (lower-case), ``cloud``, ``url`` (``https://name``).

    Build one with ``WorkspaceHost.parse(text)``; the constructor does not validate.
    """

    name: str
    cloud: Cloud
    scheme: str = "https"
    port: int | None = None

    @property
    def url(self) -> str:
        """The base URL requests are sent to, without a trailing slash."""
        netloc = f"[{self.name}]" if ":" in self.name else self.name
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{netloc}{port}"

    @property
    def is_ai_gateway(self) -> bool:
        """True for a dedicated AI Gateway host (``<id>.ai-gateway.cloud.databricks.com``)."""
        return self.name.endswith("." + AI_GATEWAY_ZONE)

    @property
    def is_loopback(self) -> bool:
        """True for a trusted local server (tests, FakeWorkspace, benchmarks)."""
        from brickgate.domain.trusted_hosts import is_loopback_name

        return is_loopback_name(self.name)

    def __str__(self) -> str:
        return self.url

    @classmethod
    def parse(cls, text: str, *, trusted_hosts: Iterable[str] = ()) -> WorkspaceHost:
        """Normalise pasted text into a host, or raise ``InvalidHostError`` saying why.

        Accepted around a host: surrounding whitespace (a BOM included), any letter case,
        ``https://``, a trailing ``/``, ``:443`` and the browser's ``?o=<workspace id>``.
        Refused: ``http://``, user-info, other ports, paths, other queries, fragments, whitespace
        or control characters inside, non-ASCII, malformed labels, account consoles and any
        domain outside the Databricks zones. ``trusted_hosts`` admits named non-Databricks
        hosts over https; plain http and other ports are admitted only for a trusted loopback
        address. The error's ``reason`` never repeats the input; its message shows the input
        only when it cannot be a secret.
        """
        if not isinstance(text, str):
            raise InvalidHostError(f"expected text, got {type(text).__name__}")
        trusted = frozenset(_canonical_trusted(h) for h in trusted_hosts)
        cleaned = strip_pasted(text)
        shown = _shown(cleaned)
        if not cleaned:
            raise InvalidHostError(
                "the host is empty; expected e.g. 'adb-123.4.azuredatabricks.net'"
            )
        _refuse_hidden_characters(cleaned, shown)
        scheme, rest = _split_scheme(cleaned, shown)
        authority, tail = _split_authority(rest)
        if not authority:
            raise InvalidHostError("the host name is missing", text=shown)
        _check_tail(tail, shown)
        name, port = _split_port(authority, shown)
        if name in trusted and _zone_cloud(name) is None:
            from brickgate.domain.trusted_hosts import trusted_host

            return trusted_host(name, scheme, port, shown)
        if scheme == "http":
            raise InvalidHostError(
                "http:// would send the token in clear text; use https://", text=shown
            )
        if port not in (None, 443):
            raise InvalidHostError(
                "only port 443 is a Databricks workspace port; drop the port", text=shown
            )
        return cls(name=name, cloud=_zone_of(name, shown))


def strip_pasted(text: str) -> str:
    """Return ``text`` without surrounding whitespace and byte-order marks (in any order)."""
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(_BOM)
    return text


def _shown(text: str) -> str | None:
    """What of the input may be echoed in an error: never something that may be a token."""
    if _SECRET_LOOKING.search(text):
        return None
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


def _refuse_hidden_characters(text: str, shown: str | None) -> None:
    for char in text:
        if char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zs", "Zl", "Zp"}:
            raise InvalidHostError(
                f"it contains a whitespace or control character (U+{ord(char):04X}) inside; "
                "a pasted host must be one word",
                text=None,
            )
    if not text.isascii():
        raise InvalidHostError(
            "it contains non-ASCII characters, which a look-alike domain would use; "
            "type the host by hand",
            text=shown,
        )


def _split_scheme(text: str, shown: str | None) -> tuple[str, str]:
    if "://" not in text:
        return "https", text
    scheme, rest = text.split("://", 1)
    scheme = scheme.lower()
    if scheme not in {"https", "http"}:
        raise InvalidHostError("only the https:// scheme is supported", text=shown)
    return scheme, rest


def _split_authority(rest: str) -> tuple[str, str]:
    for index, char in enumerate(rest):
        if char in "/?#":
            return rest[:index], rest[index:]
    return rest, ""


def _check_tail(tail: str, shown: str | None) -> None:
    if "#" in tail:
        raise InvalidHostError("a URL fragment ('#...') is not part of a host", text=shown)
    path, has_query, query = tail.partition("?")
    if path.strip("/"):
        raise InvalidHostError(
            "it has a path; give only the workspace host (brickgate adds the API paths)",
            text=shown,
        )
    if has_query and not _WORKSPACE_QUERY.fullmatch(query):
        raise InvalidHostError(
            "only the browser's '?o=<workspace id>' query is accepted after a host", text=shown
        )


def _split_port(authority: str, shown: str | None) -> tuple[str, int | None]:
    if "@" in authority:
        raise InvalidHostError(
            "it contains user information ('user@host'); credentials never go in the host",
            text=None,
        )
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise InvalidHostError("an IPv6 address is missing its closing ']'", text=shown)
        name, after = authority[1:end], authority[end + 1 :]
        port_text = after[1:] if after.startswith(":") else None
        if after and port_text is None:
            raise InvalidHostError("unexpected text after the IPv6 address", text=shown)
    elif authority.count(":") > 1:
        raise InvalidHostError(
            "an IPv6 address must be written in brackets, e.g. 'http://[::1]:8123'", text=shown
        )
    else:
        name, sep, port_text_raw = authority.partition(":")
        port_text = port_text_raw if sep else None
    if not name:
        raise InvalidHostError("the host name is missing", text=shown)
    port: int | None = None
    if port_text is not None:
        if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
            raise InvalidHostError("the text after ':' is not a port number (1-65535)", text=shown)
        port = int(port_text)
    return name.lower(), port


def _canonical_trusted(host: str) -> str:
    name = strip_pasted(host).lower()
    return name[1:-1] if name.startswith("[") and name.endswith("]") else name


def _zone_cloud(name: str) -> Cloud | None:
    """The cloud whose zone ``name`` lies strictly under, or ``None``."""
    for zone, cloud in ZONES:
        if name.endswith("." + zone):
            return cloud
    return None


def _zone_of(name: str, shown: str | None) -> Cloud:
    if name.endswith("."):
        raise InvalidHostError("a trailing '.' is not accepted; drop it", text=shown)
    if len(name) > _MAX_HOST_LENGTH:
        raise InvalidHostError(
            f"it is longer than the {_MAX_HOST_LENGTH} characters a host name may have",
            text=shown,
        )
    labels = name.split(".")
    for label in labels:
        if not label:
            raise InvalidHostError("it has an empty label ('..' or a leading '.')", text=shown)
        if not _LABEL.fullmatch(label):
            raise InvalidHostError(
                "a label is not a valid DNS label (letters, digits and inner hyphens, "
                "at most 63 characters each)",
                text=shown,
            )
        if label.startswith("xn--"):
            raise InvalidHostError(
                "it contains an internationalised (punycode) label, which look-alike domains use",
                text=shown,
            )
    cloud = _zone_cloud(name)
    if cloud is None:
        raise InvalidHostError(
            "it is not a Databricks workspace domain (expected a host under "
            + ", ".join(zone for zone, _ in ZONES)
            + "); for a proxy or local server pass trusted_hosts=[...]",
            text=shown,
        )
    if labels[0] in _ACCOUNT_CONSOLE_LABELS:
        raise InvalidHostError(
            "that is the account console, not a workspace; use your workspace's host",
            text=shown,
        )
    if name in SUB_ZONES:
        raise InvalidHostError(
            "that is a Databricks zone, not a workspace; put your workspace's name in front",
            text=shown,
        )
    return cloud
