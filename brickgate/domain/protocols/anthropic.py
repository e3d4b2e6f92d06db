"""Anthropic Messages: a ``ChatRequest`` as a Messages body, and a non-streamed reply read back.

Mapping (reference §3): system/developer messages are lifted into the top-level ``system``
(a list of text blocks when any carries ``cache_control``, else one string); a message-level
``cache_control`` goes on the message's last block; user parts become
``text``/``image`` blocks (``cache_control`` kept); assistant turns become ``thinking`` blocks
(reasoning parts with a signature, replayed unchanged), ``text`` and ``tool_use`` blocks; tool
results become ``tool_result`` blocks in a user turn; consecutive turns of one role are merged;
tools become ``{name, description, input_schema}``; ``stop`` becomes ``stop_sequences``;
``user`` becomes ``metadata.user_id``.
``max_tokens`` is required: when absent the caller's default (the catalog's cap) is used and
reported as an adjustment. Reasoning parts without a signature come from another protocol and
cannot be replayed to Claude, so they are left out; whitespace-only assistant text is too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from brickgate.domain.chat import Adjustment, ChatRequest
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.protocols.anthropic_reply import decode_messages_reply
from brickgate.domain.protocols.anthropic_turns import PROTOCOL, system_and_turns
from brickgate.domain.protocols.common import refuse

__all__ = [
    "ANTHROPIC_VERSION",
    "MessagesBody",
    "decode_messages_reply",
    "encode_messages_body",
    "with_max_tokens",
]


ANTHROPIC_VERSION = "2023-06-01"
_REFUSED = {
    "n": "ask once per completion or use protocol='chat'",
    "presence_penalty": "remove it or use protocol='chat'",
    "frequency_penalty": "remove it or use protocol='chat'",
    "logit_bias": "remove it or use protocol='chat'",
    "logprobs": "remove it or use protocol='chat'",
    "top_logprobs": "remove it or use protocol='chat'",
    "seed": "remove it or use protocol='chat'",
    "reasoning_effort": "use thinking={'type': 'enabled', 'budget_tokens': N} instead",
}
_TRANSPORT_KEYS = ("model", "stream", "stream_options")


@dataclass(frozen=True, slots=True)
class MessagesBody:
    """An encoded Messages body and the adjustments encoding made (a default ``max_tokens``)."""

    body: dict[str, Any]
    adjustments: tuple[Adjustment, ...] = ()


def encode_messages_body(
    request: ChatRequest, *, stream: bool, default_max_tokens: int | None = None
) -> MessagesBody:
    """The Messages body for ``request``; ``default_max_tokens`` fills a missing ``max_tokens``.

    Unlisted keys (``temperature``, ``top_p``, ``top_k``, ``metadata``, ``thinking``...) pass
    through. Raises ``InvalidRequestError``, naming the field, for what Messages cannot carry
    (penalties, ``n`` > 1, ``reasoning_effort``, a ``response_format`` other than text, parts
    it has no block for), for no ``max_tokens`` and no default, and for a thinking budget not
    below ``max_tokens``.
    """
    body = {key: value for key, value in request.body.items() if value is not None}
    for key in _TRANSPORT_KEYS:
        body.pop(key, None)
    if body.get("n", 1) == 1:
        body.pop("n", None)
    for key, why in _REFUSED.items():
        if key in body:
            raise refuse(PROTOCOL, repr(key), why)
    response_format = body.pop("response_format", None)
    if response_format is not None and dict(response_format) != {"type": "text"}:
        raise refuse(PROTOCOL, "response_format", "structured output needs protocol='chat'")
    system, messages = system_and_turns(body.pop("messages", None) or [])
    out: dict[str, Any] = {"model": request.model}
    adjustments: tuple[Adjustment, ...] = ()
    cap = body.pop("max_completion_tokens", None)
    legacy = body.pop("max_tokens", None)
    cap = legacy if cap is None else cap
    if cap is None:
        if default_max_tokens is None:
            raise refuse(PROTOCOL, "a request without 'max_tokens'", "set max_tokens")
        cap = default_max_tokens
        adjustments = (_default_adjustment(cap),)
    out["max_tokens"] = cap
    _check_budget(body.get("thinking"), cap)
    if system is not None:
        out["system"] = system
    out["messages"] = messages
    if "tools" in body:
        out["tools"] = [_tool(tool, f"tools[{i}]") for i, tool in enumerate(body.pop("tools"))]
    parallel = body.pop("parallel_tool_calls", None)
    if "tool_choice" in body or parallel is False:
        choice = _tool_choice(body.pop("tool_choice", "auto"))
        if parallel is False:
            choice["disable_parallel_tool_use"] = True
        out["tool_choice"] = choice
    user = body.pop("user", None)
    if user is not None:
        body["metadata"] = {**(body.get("metadata") or {}), "user_id": user}
    stop = body.pop("stop", None)
    if stop is not None:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    out.update(body)
    if stream:
        out["stream"] = True
    return MessagesBody(out, adjustments)


def with_max_tokens(request: ChatRequest, default_max_tokens: int | None) -> ChatRequest:
    """``request`` with ``max_tokens`` set to ``default_max_tokens`` when it has none.

    The change is added to ``adjustments``; a request that has a cap, or no default, is
    returned unchanged.
    """
    body = request.body
    if default_max_tokens is None or any(
        body.get(key) is not None for key in ("max_tokens", "max_completion_tokens")
    ):
        return request
    return replace(
        request,
        body={**body, "max_tokens": default_max_tokens},
        adjustments=(*request.adjustments, _default_adjustment(default_max_tokens)),
    )


def _default_adjustment(cap: int) -> Adjustment:
    return Adjustment("default_max_tokens", f"set max_tokens to {cap} (required by Messages)")


def _check_budget(thinking: Any, cap: Any) -> None:
    if not isinstance(thinking, Mapping) or thinking.get("type") == "disabled":
        return
    budget = thinking.get("budget_tokens")
    if isinstance(budget, int) and isinstance(cap, int) and budget >= cap:
        raise InvalidRequestError(
            f"thinking.budget_tokens ({budget}) must be below max_tokens ({cap}); "
            "lower the budget or raise max_tokens"
        )


def _tool(tool: Mapping[str, Any], where: str) -> dict[str, Any]:
    if "function" not in tool:
        return dict(tool)
    function = tool["function"]
    if tool.get("type") != "function" or not isinstance(function, Mapping):
        raise refuse(PROTOCOL, f"{where}", "expected a function tool")
    if not isinstance(function.get("name"), str):
        raise refuse(PROTOCOL, f"{where}.function.name", "a tool needs a name")
    schema = function.get("parameters") or {"type": "object", "properties": {}}
    converted: dict[str, Any] = {"name": function["name"], "input_schema": schema}
    if function.get("description"):
        converted["description"] = function["description"]
    if "cache_control" in tool:
        converted["cache_control"] = tool["cache_control"]
    return converted


def _tool_choice(choice: Any) -> dict[str, Any]:
    if choice in ("auto", "none"):
        return {"type": choice}
    if choice == "required":
        return {"type": "any"}
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return {"type": "tool", "name": function["name"]}
        if choice.get("type") in ("auto", "any", "none", "tool"):
            return dict(choice)
    raise refuse(PROTOCOL, f"tool_choice {choice!r}", "expected auto, none, required or a function")
