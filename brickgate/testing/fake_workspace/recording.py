"""FakeWorkspace's request history: each request as received, its credentials masked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from brickgate.testing.fake_workspace.auth import mask_authorization
from brickgate.testing.fake_workspace.exchange import Incoming

__all__ = ["RecordedRequest", "recorded_request"]

_MASKED_HEADERS = ("authorization", "proxy-authorization", "cookie")
_MASKED_FORM_FIELDS = (
    "client_secret",
    "refresh_token",
    "assertion",
    "subject_token",
    "code",
    "code_verifier",
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake workspace received.

    ``headers`` have lower-case names and the credential in ``authorization`` masked; ``json`` is
    the parsed JSON body (None when the body was empty or not JSON); ``form`` is a form body with
    secrets masked (the OAuth token request); ``body_size`` counts the bytes received.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    json: Any | None
    body_size: int
    query: str = ""
    form: Mapping[str, str] | None = None


def recorded_request(incoming: Incoming) -> RecordedRequest:
    """``incoming`` as kept in the history: credential headers and secret form fields masked."""
    headers = dict(incoming.headers)
    for name in _MASKED_HEADERS:
        if name in headers:
            headers[name] = mask_authorization(headers[name])
    form = None
    if "x-www-form-urlencoded" in headers.get("content-type", ""):
        pairs = parse_qsl(incoming.body.decode("utf-8", "replace"), keep_blank_values=True)
        form = {k: "****" if k in _MASKED_FORM_FIELDS else v for k, v in pairs}
    return RecordedRequest(
        incoming.method,
        incoming.path,
        headers,
        incoming.json,
        incoming.body_size,
        incoming.query,
        form,
    )
