"""What the three wire protocols share: the finish-reason vocabulary and body-reading helpers.

Finish reasons, whatever the protocol, are reported in one vocabulary (``FINISH_REASONS``):

==================  ===========================  ==================================  ==========================================
normalized          Chat Completions             Responses                           Anthropic Messages
==================  ===========================  ==================================  ==========================================
``stop``            ``stop``                     ``completed``, no function call     ``end_turn``, ``stop_sequence``
``tool_calls``      ``tool_calls``,              ``completed`` with a function call  ``tool_use``
                    ``function_call``
``length``          ``length``                   ``incomplete``: max_output_tokens   ``max_tokens``, ``model_context_window_exceeded``
``content_filter``  ``content_filter``           ``incomplete``: content_filter      ``refusal``
``other``           anything else                any other status                    ``pause_turn`` and anything else
==================  ===========================  ==================================  ==========================================
"""  # noqa: E501

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from brickgate.domain.error_mapping import error_from_stream_payload
from brickgate.domain.errors import ApiError, InvalidRequestError, ServerError

STOP: Final = "stop"
TOOL_CALLS: Final = "tool_calls"
LENGTH: Final = "length"
CONTENT_FILTER: Final = "content_filter"
OTHER: Final = "other"
FINISH_REASONS = (STOP, TOOL_CALLS, LENGTH, CONTENT_FILTER, OTHER)
MAX_ITEM_ID = 64

_CHAT_FINISH = {
    "stop": STOP,
    "tool_calls": TOOL_CALLS,
    "function_call": TOOL_CALLS,
    "length": LENGTH,
    "content_filter": CONTENT_FILTER,
}


def chat_finish_reason(raw: str | None) -> str | None:
    """The normalized finish reason for a Chat Completions ``finish_reason`` (``None`` kept)."""
    if raw is None:
        return None
    return _CHAT_FINISH.get(raw, OTHER)


def short_id(value: str, prefix: str = "") -> str:
    """``value`` with ``prefix`` added when missing, cut to the 64 characters FMAPI accepts."""
    if prefix and not value.startswith(prefix):
        value = prefix + value
    return value[:MAX_ITEM_ID]


def refuse(protocol: str, field: str, why: str) -> InvalidRequestError:
    """The error for a request field ``protocol`` cannot carry (raised before sending)."""
    return InvalidRequestError(f"the {protocol} cannot carry {field}: {why}")


def present(body: Mapping[str, Any], key: str) -> bool:
    """True when ``body`` has ``key`` with a value other than ``None``."""
    return body.get(key) is not None


def parts_of(content: Any, where: str, protocol: str) -> list[Mapping[str, Any]]:
    """Message ``content`` as a list of parts: a string is one text part, ``None`` none."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, Sequence) and all(isinstance(part, Mapping) for part in content):
        return list(content)
    raise refuse(protocol, f"{where}.content", "expected a string or a list of content parts")


def plain_text(content: Any, where: str, protocol: str) -> str:
    """The text of text-only ``content``; any other part raises ``InvalidRequestError``."""
    texts: list[str] = []
    for position, part in enumerate(parts_of(content, where, protocol)):
        kind = part.get("type")
        if "cache_control" in part:
            raise refuse(
                protocol,
                f"{where}.content[{position}].cache_control",
                "prompt caching needs protocol='messages'",
            )
        if kind not in ("text", "input_text", "output_text"):
            raise refuse(
                protocol, f"{where}.content[{position}] of type {kind!r}", "only text is carried"
            )
        texts.append(str(part.get("text") or ""))
    return "".join(texts)


def tool_arguments(call: Mapping[str, Any], where: str) -> tuple[str, str, str]:
    """``(id, name, arguments)`` of a Chat Completions ``tool_calls`` entry."""
    function = call.get("function")
    call_id = call.get("id")
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise InvalidRequestError(f"{where} has no function name; expected {{'function': {{...}}}}")
    if not isinstance(call_id, str) or not call_id:
        raise InvalidRequestError(
            f"{where} has no id; replay tool calls with the id they came with"
        )
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, separators=(",", ":"))
    return call_id, function["name"], arguments


def stream_failure(code: object, message: object) -> ApiError:
    """The brickgate error for an in-stream failure with a provider ``code`` and ``message``."""
    payload: dict[str, Any] = {"message": message if isinstance(message, str) else ""}
    if isinstance(code, str) and code:
        payload["error_code"] = code
    error = error_from_stream_payload(payload)
    return error if error is not None else ServerError("the stream reported an error", status=500)


def as_int(value: Any) -> int:
    """``value`` when it is an integer count, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def optional_int(value: Any) -> int | None:
    """``value`` when it is an integer count, else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
