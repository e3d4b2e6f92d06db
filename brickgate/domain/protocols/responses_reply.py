"""OpenAI Responses replies: usage, finish reason and a non-streamed reply as a ``ChatResponse``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import ChatResponse, Citation, ToolCall, Usage
from brickgate.domain.codec import excerpt
from brickgate.domain.errors import TransportError
from brickgate.domain.protocols.common import (
    CONTENT_FILTER,
    LENGTH,
    OTHER,
    STOP,
    TOOL_CALLS,
    as_int,
    optional_int,
    stream_failure,
)

_INCOMPLETE = {"max_output_tokens": LENGTH, "content_filter": CONTENT_FILTER}


def responses_usage(raw: Any) -> Usage | None:
    """The ``Usage`` in a Responses ``usage`` object (total summed when absent), or ``None``."""
    if not isinstance(raw, Mapping):
        return None
    prompt = as_int(raw.get("input_tokens"))
    completion = as_int(raw.get("output_tokens"))
    total = optional_int(raw.get("total_tokens"))
    inputs = raw.get("input_tokens_details")
    outputs = raw.get("output_tokens_details")
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion if total is None else total,
        reasoning_tokens=optional_int(outputs.get("reasoning_tokens"))
        if isinstance(outputs, Mapping)
        else None,
        cache_read_input_tokens=optional_int(inputs.get("cached_tokens"))
        if isinstance(inputs, Mapping)
        else None,
    )


def responses_finish_reason(response: Mapping[str, Any], *, saw_tool_call: bool) -> str:
    """The normalized finish reason of a finished Responses ``response`` object."""
    status = response.get("status")
    if status == "completed":
        return TOOL_CALLS if saw_tool_call else STOP
    if status == "incomplete":
        details = response.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, Mapping) else None
        return _INCOMPLETE.get(str(reason), OTHER)
    return OTHER


def decode_responses_reply(data: Mapping[str, Any]) -> ChatResponse:
    """The ``ChatResponse`` in a non-streamed Responses body.

    Raises the mapped ``ApiError`` for a ``failed`` response and ``TransportError`` for a body
    without an ``output`` list.
    """
    if data.get("status") == "failed":
        error = data.get("error")
        error = error if isinstance(error, Mapping) else {}
        raise stream_failure(error.get("code"), error.get("message") or "the response failed")
    try:
        return _reply(data)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise TransportError(
            f"the workspace returned a Responses body brickgate cannot read "
            f"({type(exc).__name__}); body starts: {excerpt(data)}"
        ) from None


def _reply(data: Mapping[str, Any]) -> ChatResponse:
    output = data.get("output")
    if not isinstance(output, list):
        raise TypeError("no 'output' list")
    texts: list[str] = []
    thoughts: list[str] | None = None
    calls: list[ToolCall] = []
    citations: list[Citation] = []
    for item in output:
        kind = item.get("type") if isinstance(item, Mapping) else None
        if kind == "message":
            for part in item.get("content") or ():
                if part.get("type") == "output_text":
                    texts.append(part.get("text") or "")
                    citations.extend(Citation(data=a) for a in part.get("annotations") or ())
                elif part.get("type") == "refusal":
                    texts.append(part.get("refusal") or "")
        elif kind == "reasoning":
            thoughts = [] if thoughts is None else thoughts
            for part in (*(item.get("summary") or ()), *(item.get("content") or ())):
                if part.get("type") in ("summary_text", "reasoning_text"):
                    thoughts.append(part.get("text") or "")
        elif kind == "function_call":
            arguments = item.get("arguments")
            calls.append(
                ToolCall(
                    id=item.get("call_id") or item.get("id") or "",
                    name=item.get("name") or "",
                    arguments=arguments if isinstance(arguments, str) and arguments else "{}",
                )
            )
    return ChatResponse(
        text="".join(texts),
        model=data.get("model") or "",
        id=data.get("id") or "",
        reasoning=None if thoughts is None else "".join(thoughts),
        tool_calls=tuple(calls),
        finish_reason=responses_finish_reason(data, saw_tool_call=bool(calls)),
        usage=responses_usage(data.get("usage")),
        citations=tuple(citations),
    )
