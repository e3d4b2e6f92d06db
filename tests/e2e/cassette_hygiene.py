"""Cassette hygiene: scrub hosts and secrets on record, and store bodies as reviewable YAML."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

PLACEHOLDER_HOST = "dbc-00000000-0000.cloud.databricks.com"
PLACEHOLDER_URL = f"https://{PLACEHOLDER_HOST}"
PLACEHOLDER_TOKEN = "placeholder-token"
PLACEHOLDER_CLIENT_ID = "placeholder-client-id"
PLACEHOLDER_CLIENT_SECRET = "placeholder-client-secret"
SCRUBBED = "scrubbed"

SECRET_FIELDS = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
    "assertion",
    "subject_token",
    "code_verifier",
)
KEPT_REQUEST_HEADERS = frozenset({"content-type", "accept"})
KEPT_RESPONSE_HEADERS = frozenset({"content-type", "retry-after"})

DATABRICKS_ZONES = (
    "cloud.databricks.com",
    "cloud.databricks.us",
    "azuredatabricks.net",
    "databricks.azure.us",
    "databricks.azure.cn",
    "gcp.databricks.com",
)
DATABRICKS_HOSTNAME = re.compile(
    r"(?<![a-z0-9.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:"
    + "|".join(re.escape(zone) for zone in DATABRICKS_ZONES)
    + r")(?![a-z0-9-])",
    re.IGNORECASE,
)
_FIELDS = "|".join(SECRET_FIELDS)
_JSON_SECRET = re.compile(rf'("(?:{_FIELDS})"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_FORM_SECRET = re.compile(rf"(?<![A-Za-z0-9_])((?:{_FIELDS})=)([^&\s]*)")
_CODE_GRANT = re.compile(r"(?<![A-Za-z0-9_])grant_type=authorization_code(?![A-Za-z0-9_])")
_FORM_CODE = re.compile(r"(?<![A-Za-z0-9_])(code=)([^&\s]*)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PLACEHOLDER_EMAIL = "someone@example.com"
_BEARER = re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+")

CASSETTE_HEADER = (
    "# brickgate e2e cassette: replayed offline by tests/e2e (record mode 'none').\n"
    "# Re-record with `tox -e record`; `recorded.source` says whether it came from a live\n"
    "# workspace or a FakeWorkspace. Hosts, tokens and volatile headers are scrubbed.\n"
)


class CassetteScrubber:
    """vcrpy hooks that make a recording safe to commit and matchable on replay.

    ``origins`` are the URLs recorded against (a live workspace, a FakeWorkspace); ``secrets``
    are literal values (tokens, client secrets) that must never be stored. Every workspace
    address becomes ``PLACEHOLDER_URL``; secret fields in JSON and form bodies become
    ``"scrubbed"``; only a few stable headers are kept.
    """

    def __init__(self, origins: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        self._origins = sorted({o.rstrip("/") for o in origins if o}, key=len, reverse=True)
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def scrub_text(self, text: str) -> str:
        """Return ``text`` with workspace addresses, secrets, bearer tokens and emails replaced."""
        for secret in self._secrets:
            text = text.replace(secret, SCRUBBED)
        for origin in self._origins:
            text = text.replace(origin, PLACEHOLDER_URL)
            netloc = urlsplit(origin).netloc
            if netloc:
                text = text.replace(netloc, PLACEHOLDER_HOST)
        text = DATABRICKS_HOSTNAME.sub(PLACEHOLDER_HOST, text)
        text = _JSON_SECRET.sub(rf"\g<1>{SCRUBBED}\g<3>", text)
        text = _FORM_SECRET.sub(rf"\g<1>{SCRUBBED}", text)
        if _CODE_GRANT.search(text):
            text = _FORM_CODE.sub(rf"\g<1>{SCRUBBED}", text)
        text = _EMAIL.sub(PLACEHOLDER_EMAIL, text)
        return _BEARER.sub(rf"\g<1>{SCRUBBED}", text)

    def before_record_request(self, request: Any) -> Any:
        """Return a scrubbed copy of a vcrpy ``Request`` (also applied before matching)."""
        request = copy.deepcopy(request)
        parts = urlsplit(request.uri)
        placeholder = urlsplit(PLACEHOLDER_URL)
        path = self.scrub_text(parts.path)
        query = self.scrub_text(parts.query)
        request.uri = urlunsplit((placeholder.scheme, placeholder.netloc, path, query, ""))
        for name in list(request.headers):
            if name.lower() not in KEPT_REQUEST_HEADERS:
                del request.headers[name]
        request.body = _scrub_body(self, request.body)
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        """Return the vcrpy response dict with volatile headers dropped and the body scrubbed."""
        headers = response.get("headers", {})
        response["headers"] = {
            name: values
            for name, values in headers.items()
            if name.lower() in KEPT_RESPONSE_HEADERS
        }
        body = response.get("body", {})
        body["string"] = _scrub_body(self, body.get("string"))
        return response


def _scrub_body(scrubber: CassetteScrubber, body: Any) -> Any:
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        return scrubber.scrub_text(text).encode("utf-8")
    if isinstance(body, str):
        return scrubber.scrub_text(body)
    return body


class ReadableYamlSerializer:
    """A vcrpy serializer: JSON bodies as YAML mappings, SSE and text as ``|`` blocks.

    ``provenance`` (``source`` and ``at``) is written as a top-level ``recorded`` key; loading
    drops it, so vcrpy 8 and 9 both see a plain version-1 cassette.
    """

    def __init__(self, provenance: Mapping[str, str] | None = None) -> None:
        self._provenance = dict(provenance or {})

    def serialize(self, cassette: dict[str, Any]) -> str:
        """Return the YAML text of a cassette dict (``version`` + ``interactions``)."""
        data: dict[str, Any] = {}
        if self._provenance:
            data["recorded"] = self._provenance
        data["version"] = cassette["version"]
        data["interactions"] = [_readable(i) for i in cassette["interactions"]]
        dumped = yaml.dump(
            data, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True, width=100
        )
        return CASSETTE_HEADER + dumped

    def deserialize(self, text: str) -> dict[str, Any]:
        """Return the cassette dict vcrpy expects; raises ``yaml.YAMLError`` on bad YAML."""
        data = yaml.safe_load(text) or {}
        return {
            "version": data.get("version"),
            "interactions": [_raw(i) for i in data.get("interactions") or []],
        }


def provenance_of(text: str) -> dict[str, str]:
    """Return a cassette's ``recorded`` block (``source``, ``at``), empty when it has none."""
    recorded = (yaml.safe_load(text) or {}).get("recorded")
    return dict(recorded) if isinstance(recorded, dict) else {}


def _content_type(headers: Mapping[str, Any]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            first = value[0] if isinstance(value, list) and value else value
            return str(first).lower()
    return ""


def _to_json_or_text(body: Any, content_type: str) -> Any:
    if isinstance(body, str) and "json" in content_type and body.strip():
        try:
            return {"json": json.loads(body)}
        except ValueError:
            return body
    return body


def _from_json_or_text(body: Any) -> Any:
    if isinstance(body, dict) and set(body) == {"json"}:
        return json.dumps(body["json"], ensure_ascii=False, separators=(",", ":"))
    return body


def _readable(interaction: dict[str, Any]) -> dict[str, Any]:
    request = dict(interaction["request"])
    response = dict(interaction["response"])
    request["body"] = _to_json_or_text(request.get("body"), _content_type(request["headers"]))
    body = dict(response.get("body") or {})
    stored = _to_json_or_text(body.get("string"), _content_type(response.get("headers", {})))
    response["body"] = stored if isinstance(stored, dict) else {**body, "string": stored}
    return {"request": request, "response": response}


def _raw(interaction: dict[str, Any]) -> dict[str, Any]:
    request = dict(interaction["request"])
    response = dict(interaction["response"])
    request["body"] = _from_json_or_text(request.get("body"))
    body = response.get("body") or {}
    response["body"] = {"string": _from_json_or_text(body)} if "json" in body else body
    return {"request": request, "response": response}


class _ReadableDumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, lists of numbers on one line."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    numeric = bool(value) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=numeric)


_ReadableDumper.add_representer(str, _represent_str)
_ReadableDumper.add_representer(list, _represent_list)
