"""FakeWorkspace answers in the OpenAI Responses shape: a response object and its SSE events.

Streams show the Databricks quirks of reference §1.5: the response id is longer than 64
characters, and text events name a different (long) ``item_id`` than their output item.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from brickgate.testing.fake_workspace.catalog import EndpointSpec
from brickgate.testing.fake_workspace.exchange import dumps
from brickgate.testing.fake_workspace.render import CREATED
from brickgate.testing.fake_workspace.replies import ChatPlan


@dataclass(frozen=True)
class CacheUse:
    """Prompt tokens served from the prompt cache (``read``) and written to it (``created``)."""

    read: int = 0
    created: int = 0


def pieces_of(text: str, count: int = 3) -> list[str]:
    """``text`` in up to ``count`` pieces that join back to it (word boundaries when possible)."""
    if not text:
        return []
    words = text.split(" ")
    if len(words) >= count:
        step = math.ceil(len(words) / count)
        groups = [" ".join(words[i : i + step]) for i in range(0, len(words), step)]
        return [groups[0], *(" " + group for group in groups[1:])]
    step = max(1, math.ceil(len(text) / count))
    return [text[i : i + step] for i in range(0, len(text), step)]


def reasoning_tokens(plan: ChatPlan) -> int:
    """The reasoning part of the plan's completion tokens."""
    return len((plan.reasoning or "").split())


def _usage(plan: ChatPlan, cache: CacheUse) -> dict[str, Any]:
    return {
        "input_tokens": plan.prompt_tokens,
        "input_tokens_details": {"cached_tokens": cache.read},
        "output_tokens": plan.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens(plan)},
        "total_tokens": plan.prompt_tokens + plan.completion_tokens,
    }


def _ids(plan: ChatPlan, *, long: bool) -> dict[str, str]:
    core = plan.ident.replace("-", "").removeprefix("chatcmpl_").removeprefix("msg_bdrk_01")
    stretch = core * (6 if long else 1)
    return {
        "response": ("resp_" + stretch)[: 193 if long else 40],
        "reasoning": "rs_" + core[:32],
        "message": "msg_" + core[:32],
        "part": ("cp_" + stretch)[: 192 if long else 40],
        "call": "fc_" + core[:32],
    }


def _items(plan: ChatPlan, ids: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if plan.reasoning:
        summary = [{"type": "summary_text", "text": plan.reasoning}]
        items.append({"type": "reasoning", "id": ids["reasoning"], "summary": summary})
    if plan.text or plan.tool_call is None:
        text = {"type": "output_text", "text": plan.text, "annotations": []}
        items.append(
            {
                "type": "message",
                "id": ids["message"],
                "role": "assistant",
                "status": "completed",
                "content": [text],
            }
        )
    if plan.tool_call is not None:
        call = plan.tool_call
        items.append(
            {
                "type": "function_call",
                "id": ids["call"],
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
        )
    return items


def _response(
    spec: EndpointSpec, plan: ChatPlan, cache: CacheUse, ids: dict[str, str]
) -> dict[str, Any]:
    incomplete = plan.finish_reason == "length"
    return {
        "id": ids["response"],
        "object": "response",
        "created_at": float(CREATED),
        "model": spec.served_model,
        "status": "incomplete" if incomplete else "completed",
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "error": None,
        "output": _items(plan, ids),
        "usage": _usage(plan, cache),
    }


def responses_body(spec: EndpointSpec, plan: ChatPlan, cache: CacheUse) -> bytes:
    """The non-streamed Responses answer for ``plan``."""
    return dumps(_response(spec, plan, cache, _ids(plan, long=False)))


def responses_events(spec: EndpointSpec, plan: ChatPlan, cache: CacheUse) -> list[bytes]:
    """The Responses SSE events for ``plan`` (``event:`` and ``data:`` lines), ending with
    ``response.completed`` (``response.incomplete`` when cut by the token cap)."""
    ids = _ids(plan, long=True)
    final = _response(spec, plan, cache, ids)
    opening = {key: final[key] for key in ("id", "object", "created_at", "model")}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**opening, "status": "in_progress"}},
        {"type": "response.in_progress", "response": {**opening, "status": "in_progress"}},
    ]
    for index, item in enumerate(final["output"]):
        events.extend(_item_events(index, item, ids))
    terminal = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
    events.append({"type": terminal, "response": final})
    return [named_event({**event, "sequence_number": n}) for n, event in enumerate(events)]


def _item_events(index: int, item: dict[str, Any], ids: dict[str, str]) -> list[dict[str, Any]]:
    kind = item["type"]
    at: dict[str, Any] = {"output_index": index}
    if kind == "function_call":
        where = {**at, "item_id": item["id"]}
        deltas = [
            {"type": "response.function_call_arguments.delta", **where, "delta": piece}
            for piece in pieces_of(item["arguments"])
        ]
        done_args = {"type": "response.function_call_arguments.done", **where}
        return [
            {"type": "response.output_item.added", **at, "item": {**item, "arguments": ""}},
            *deltas,
            {**done_args, "arguments": item["arguments"]},
            {"type": "response.output_item.done", **at, "item": item},
        ]
    if kind == "reasoning":
        text = item["summary"][0]["text"]
        where = {**at, "item_id": item["id"], "summary_index": 0}
        part = {"type": "summary_text", "text": ""}
        done_part = {**part, "text": text}
        deltas = [
            {"type": "response.reasoning_summary_text.delta", **where, "delta": piece}
            for piece in pieces_of(text)
        ]
        return [
            {"type": "response.output_item.added", **at, "item": {**item, "summary": []}},
            {"type": "response.reasoning_summary_part.added", **where, "part": part},
            *deltas,
            {"type": "response.reasoning_summary_text.done", **where, "text": text},
            {"type": "response.reasoning_summary_part.done", **where, "part": done_part},
            {"type": "response.output_item.done", **at, "item": item},
        ]
    text = item["content"][0]["text"]
    where = {**at, "content_index": 0, "item_id": ids["part"]}
    text_part: dict[str, Any] = {"type": "output_text", "text": "", "annotations": []}
    opening = {**item, "status": "in_progress", "content": []}
    deltas = [
        {"type": "response.output_text.delta", **where, "delta": piece} for piece in pieces_of(text)
    ]
    return [
        {"type": "response.output_item.added", **at, "item": opening},
        {"type": "response.content_part.added", **where, "part": text_part},
        *deltas,
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.content_part.done", **where, "part": {**text_part, "text": text}},
        {"type": "response.output_item.done", **at, "item": item},
    ]


def responses_error_event(message: str) -> bytes:
    """A mid-stream Responses ``error`` event (the provider is overloaded)."""
    return named_event({"type": "error", "code": "server_error", "message": message, "param": None})


def named_event(event: dict[str, Any]) -> bytes:
    """One SSE event: an ``event: <type>`` line, then its JSON ``data:`` line."""
    return b"event: " + str(event["type"]).encode() + b"\ndata: " + dumps(event) + b"\n\n"
