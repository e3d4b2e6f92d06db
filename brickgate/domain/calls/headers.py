"""Per-call extra headers: what a caller may add, and what only brickgate or the wire may set."""

from __future__ import annotations

import json
from collections.abc import Mapping

from brickgate.domain.errors import InvalidRequestError

RESERVED = frozenset({"authorization", "host"})
FRAMING = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "connection",
        "upgrade",
        "te",
        "trailer",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "proxy-authenticate",
    }
)


def checked_headers(extra: Mapping[str, str] | None) -> dict[str, str] | None:
    """``extra`` with lower-cased names, or ``None`` when there are none.

    Raises ``InvalidRequestError`` (nothing is sent) for ``Authorization`` or ``Host`` (brickgate
    sets those from the host and credentials), for framing and hop-by-hop headers
    (``Content-Length``, ``Transfer-Encoding``, ``Connection``, ...: the HTTP library frames
    the request), and for an empty name or a control character (CR/LF included) in a name or
    value. A header value is never echoed.
    """
    if not extra:
        return None
    headers: dict[str, str] = {}
    for name, value in extra.items():
        if not isinstance(name, str) or not name or not _printable(name) or not _printable(value):
            raise InvalidRequestError(
                f"the extra header {_shown(name)} has an empty name or a control character in "
                "its name or value"
            )
        key = name.lower()
        if key in RESERVED:
            raise InvalidRequestError(
                f"the {name!r} header cannot be set per call: brickgate sets it from the "
                "workspace host and credentials"
            )
        if key in FRAMING:
            raise InvalidRequestError(
                f"the {name!r} header cannot be set per call: it frames the HTTP message, which "
                "the HTTP library does; remove it from extra_headers"
            )
        headers[key] = value
    return headers


def _printable(text: object) -> bool:
    return isinstance(text, str) and all(" " <= char <= "~" or char == "\t" for char in text)


def _shown(name: object) -> str:
    return repr(name) if isinstance(name, str) and _printable(name) else "(unprintable name)"


TAGS_HEADER = "databricks-ai-gateway-request-tags"
_MAX_TAGS = 64
_MAX_TAG_CHARS = 256


def tags_header(tags: Mapping[str, str] | None) -> dict[str, str]:
    """The AI Gateway request-tags header for ``tags`` (``{}`` when there are none).

    The value is a one-line JSON object of strings (non-ASCII escaped). Raises
    ``InvalidRequestError`` (nothing is sent) for a non-string or empty key, a non-string value,
    a line break or control character, more than 64 tags or a key or value over 256 characters.
    """
    if not tags:
        return {}
    if not isinstance(tags, Mapping) or len(tags) > _MAX_TAGS:
        raise InvalidRequestError(f"tags must be a mapping of at most {_MAX_TAGS} strings")
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip():
            raise InvalidRequestError("a tag name is empty or not a string; use {'team': 'search'}")
        if not isinstance(value, str):
            raise InvalidRequestError(
                f"the tag {key!r} has a {type(value).__name__} value; tags are strings"
            )
        for text in (key, value):
            if len(text) > _MAX_TAG_CHARS or any(char < " " or char == "\x7f" for char in text):
                raise InvalidRequestError(
                    f"the tag {key[:40]!r} has a line break or control character, or is over "
                    f"{_MAX_TAG_CHARS} characters; tags are short one-line strings"
                )
    return {TAGS_HEADER: json.dumps(dict(tags), separators=(",", ":"), ensure_ascii=True)}
