"""The keyword parameters every chat call accepts, declared once for sync and async twins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from brickgate.domain.chat import CallOptions
from brickgate.domain.errors import InvalidRequestError

CALL_OPTION_KEYS = frozenset(
    {"timeout", "extra_headers", "extra_body", "max_retries", "protocol", "tags"}
)


class CallParams(TypedDict, total=False):
    """Per-call options shared by every method: timeout, retries, extra headers and body fields."""

    timeout: float
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_body: Mapping[str, Any]


class ChatParams(CallParams, total=False):
    """Chat parameters as the OpenAI-compatible chat API names them.

    Anything brickgate does not model yet goes in ``extra_body``; it passes the request rules too.
    ``protocol`` picks the wire protocol (``"auto"``, ``"chat"``, ``"responses"``, ``"messages"``);
    ``tags`` are AI Gateway request tags for cost attribution (on top of the client's).
    """

    protocol: str
    tags: Mapping[str, str]

    max_tokens: int
    max_completion_tokens: int
    temperature: float
    top_p: float
    top_k: int
    stop: str | Sequence[str]
    n: int
    tools: Sequence[Mapping[str, Any]]
    tool_choice: str | Mapping[str, Any]
    response_format: Mapping[str, Any]
    reasoning_effort: str
    thinking: Mapping[str, Any]
    logprobs: bool
    top_logprobs: int
    presence_penalty: float
    frequency_penalty: float
    seed: int
    user: str


def split_params(
    params: Mapping[str, Any],
) -> tuple[dict[str, Any], Mapping[str, Any] | None, CallOptions]:
    """Split call keywords into (body parameters, extra_body, CallOptions)."""
    body = {key: value for key, value in params.items() if key not in CALL_OPTION_KEYS}
    options = call_options(params)
    return body, params.get("extra_body"), options


def call_options(params: Mapping[str, Any]) -> CallOptions:
    """The ``CallOptions`` named in ``params`` (timeout and extra headers)."""
    timeout = params.get("timeout")
    headers = params.get("extra_headers")
    retries = params.get("max_retries")
    if timeout is None and not headers and retries is None:
        return _NO_OPTIONS
    if retries is not None and (not isinstance(retries, int) or retries < 0):
        raise InvalidRequestError(f"max_retries must be 0 or more, got {retries!r}")
    return CallOptions(timeout=timeout, extra_headers=dict(headers or {}), max_retries=retries)


_NO_OPTIONS = CallOptions()
