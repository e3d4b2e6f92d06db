"""Which wire protocol a chat request goes over, and the hint for a "Responses only" refusal.

``choose_protocol`` in ``auto`` follows this table, first match wins:

=================================================  ===========  ================================
model / request                                    protocol     why
=================================================  ===========  ================================
remembered Responses-only (a 400 said so)          responses    the server refused chat for it
``*codex*`` (``databricks-gpt-5-1-codex-max``...)  responses    codex serves Responses only
``gpt-5-4`` with ``tools`` in the body             responses    tool calling needs Responses
Claude, ``cache_control`` on a part/tool/message   messages     only Messages carries caching
Claude, replaying thinking (a reasoning part with  messages     only Messages replays thinking
a signature, or a thinking/redacted_thinking part)
anything else                                      chat         every model serves Chat
=================================================  ===========  ================================

An explicit ``"chat"``, ``"responses"`` or ``"messages"`` is taken as given (``messages`` only
for Claude: Databricks serves Messages for Anthropic models alone).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from brickgate.domain.errors import ApiError, InvalidRequestError, ResponsesOnlyError
from brickgate.domain.model_family import ModelFamily, model_family

Protocol = Literal["chat", "responses", "messages"]
CHAT: Protocol = "chat"
RESPONSES: Protocol = "responses"
MESSAGES: Protocol = "messages"
PROTOCOLS: tuple[str, ...] = ("auto", CHAT, RESPONSES, MESSAGES)
RESPONSES_ONLY_MARKER = "only supports the responses api"

_CODEX = re.compile(r"(^|[-_.])codex([-_.]|$)")
_TOOLS_NEED_RESPONSES = re.compile(r"gpt-5-4")


@dataclass(frozen=True, slots=True)
class ProtocolChoice:
    """The protocol chosen and why (a line for ``reply.adjustments``; empty when by default)."""

    protocol: Protocol
    reason: str = ""


def decide_protocol(
    model: str,
    requested: str = "auto",
    *,
    body: Mapping[str, Any] | None = None,
    responses_only: Collection[str] = (),
) -> ProtocolChoice:
    """The protocol for ``model`` and the reason it was chosen (see the module table).

    ``body`` is the Chat Completions body about to be sent, ``responses_only`` the models this
    host has refused chat for. Raises ``InvalidRequestError`` for an unknown ``requested``
    value or ``messages`` asked for a model that is not Claude.
    """
    name = model.strip().lower()
    if requested not in PROTOCOLS:
        raise InvalidRequestError(
            f"protocol={requested!r} is not one of {', '.join(PROTOCOLS)}; use 'auto' to let "
            "brickgate choose"
        )
    claude = model_family(model) is ModelFamily.CLAUDE
    if requested == MESSAGES and not claude:
        raise InvalidRequestError(
            f"protocol='messages' serves Anthropic models only, and {model!r} is not Claude; "
            "use 'chat', 'responses' or 'auto'"
        )
    if requested != "auto":
        return ProtocolChoice(requested)  # type: ignore[arg-type]
    if model in responses_only:
        return ProtocolChoice(RESPONSES, f"{model} only supports the Responses API (learned)")
    bare = name.removeprefix("system.ai.").removeprefix("databricks-")
    if _CODEX.search(bare):
        return ProtocolChoice(RESPONSES, f"{model} only supports the Responses API")
    if body is not None and body.get("tools") and _TOOLS_NEED_RESPONSES.fullmatch(bare):
        return ProtocolChoice(RESPONSES, f"{model} needs the Responses API for tool calling")
    if claude and body is not None:
        needed = messages_feature(body)
        if needed:
            return ProtocolChoice(MESSAGES, f"{needed} needs the Anthropic Messages API")
    return ProtocolChoice(CHAT)


def choose_protocol(
    model: str,
    requested: str = "auto",
    *,
    body: Mapping[str, Any] | None = None,
    responses_only: Collection[str] = (),
) -> Protocol:
    """The protocol ``decide_protocol`` picks (same arguments and errors)."""
    return decide_protocol(model, requested, body=body, responses_only=responses_only).protocol


def messages_feature(body: Mapping[str, Any]) -> str | None:
    """What in ``body`` only Anthropic Messages carries (``'cache_control'``...), or ``None``."""
    for tool in body.get("tools") or ():
        if isinstance(tool, Mapping) and "cache_control" in tool:
            return "cache_control"
    for message in body.get("messages") or ():
        if not isinstance(message, Mapping):
            continue
        if "cache_control" in message:
            return "cache_control"
        content = message.get("content")
        if isinstance(content, str) or not content:
            continue
        for part in content:
            if not isinstance(part, Mapping):
                continue
            if "cache_control" in part:
                return "cache_control"
            if part.get("type") in ("thinking", "redacted_thinking"):
                return "replaying thinking"
            if part.get("type") == "reasoning" and any(
                isinstance(item, Mapping) and item.get("signature")
                for item in part.get("summary") or ()
            ):
                return "replaying thinking"
    return None


def is_responses_only(error: BaseException) -> bool:
    """True for a 400 saying the model "only supports the Responses API"."""
    return (
        isinstance(error, ApiError)
        and error.status == 400
        and RESPONSES_ONLY_MARKER in error.message.lower()
    )


def responses_only_hint(error: ApiError, model: str) -> ApiError:
    """``error`` as a ``ResponsesOnlyError`` with a hint when it is that refusal, else itself."""
    if not is_responses_only(error) or isinstance(error, ResponsesOnlyError):
        return error
    return ResponsesOnlyError(
        f"{error.message} (brickgate: send it with protocol='responses', or 'auto' to switch "
        f"automatically for {model})",
        status=error.status,
        error_code=error.error_code,
        request_id=error.request_id,
        retry_after=error.retry_after,
    )
