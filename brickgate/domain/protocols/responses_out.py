"""Replies as OpenAI Responses JSON and SSE events: what the gateway answers Responses clients.

The reverse of ``responses_reply`` / ``responses_stream``: a ``ChatResponse`` becomes a
``response`` object whose ``output`` holds ``reasoning``, ``message`` and ``function_call``
items; ``ChatChunk``s become ``response.created``, ``response.output_item.added`` /
``...delta`` / ``...done`` and ``response.completed`` events. A ``length`` finish is
``status: incomplete`` (``max_output_tokens``).
"""

from __future__ import annotations

from typing import Any

from brickgate.domain.chat import ChatChunk, ChatResponse, ToolCallDelta, Usage

__all__ = ["ResponsesStreamWriter", "response_json", "usage_json"]

Event = tuple[str, dict[str, Any]]


def usage_json(usage: Usage | None) -> dict[str, Any] | None:
    """``usage`` as the Responses API reports it."""
    if usage is None:
        return None
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": usage.cache_read_input_tokens or 0},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens or 0},
        "total_tokens": usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    }


def _reasoning_item(item_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "reasoning",
        "id": item_id,
        "summary": [{"type": "summary_text", "text": text}],
    }


def _message_item(item_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    return {
        "type": "message",
        "id": item_id,
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def _call_item(
    item_id: str, call_id: str, name: str, arguments: str, status: str = "completed"
) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": item_id,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": status,
    }


def _envelope(
    *,
    response_id: str,
    model: str,
    created: int,
    output: list[dict[str, Any]],
    finish_reason: str | None,
    usage: Usage | None,
    status: str | None = None,
) -> dict[str, Any]:
    incomplete = finish_reason == "length"
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status or ("incomplete" if incomplete else "completed"),
        "model": model,
        "output": output,
        "usage": usage_json(usage),
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": None,
        "metadata": {},
        "parallel_tool_calls": True,
        "temperature": None,
        "tool_choice": "auto",
        "tools": [],
        "top_p": None,
    }


def response_json(
    reply: ChatResponse, *, model: str, response_id: str, created: int
) -> dict[str, Any]:
    """A ``response`` object for ``reply`` (``model``: the name the caller asked for)."""
    output: list[dict[str, Any]] = []
    if reply.reasoning:
        output.append(_reasoning_item(f"rs_{response_id}_0", reply.reasoning))
    if reply.text or not reply.tool_calls:
        output.append(_message_item(f"msg_{response_id}_{len(output)}", reply.text))
    for call in reply.tool_calls:
        item_id = f"fc_{response_id}_{len(output)}"
        output.append(_call_item(item_id, call.id, call.name, call.arguments))
    return _envelope(
        response_id=response_id,
        model=model,
        created=created,
        output=output,
        finish_reason=reply.finish_reason,
        usage=reply.usage,
    )


class ResponsesStreamWriter:
    """Turns ``ChatChunk``s into Responses stream events ``(name, data)``.

    ``start()`` first, ``feed(chunk)`` for each chunk, ``finish()`` last. One output item is
    open at a time; a change of kind (reasoning, text, another tool call) closes it.
    """

    def __init__(self, *, model: str, response_id: str, created: int) -> None:
        self._model, self._id, self._created = model, response_id, created
        self._sequence = 0
        self._items: list[dict[str, Any]] = []
        self._open: str | None = None
        self._tool_index: int | None = None
        self._pieces: list[str] = []
        self._finish: str | None = None
        self._usage: Usage | None = None

    def _event(self, name: str, **data: Any) -> Event:
        event = {"type": name, "sequence_number": self._sequence, **data}
        self._sequence += 1
        return name, event

    def _response(self, status: str | None = None) -> dict[str, Any]:
        return _envelope(
            response_id=self._id,
            model=self._model,
            created=self._created,
            output=list(self._items) if status is None else [],
            finish_reason=self._finish,
            usage=self._usage if status is None else None,
            status=status,
        )

    def start(self) -> list[Event]:
        """``response.created`` and ``response.in_progress``."""
        return [
            self._event("response.created", response=self._response("in_progress")),
            self._event("response.in_progress", response=self._response("in_progress")),
        ]

    def _where(self) -> dict[str, Any]:
        return {"item_id": self._items[-1]["id"], "output_index": len(self._items) - 1}

    def _close(self) -> list[Event]:
        if self._open is None:
            return []
        item, text = self._items[-1], "".join(self._pieces)
        where = self._where()
        events: list[Event] = []
        if self._open == "message":
            item["content"][0]["text"] = text
            part = item["content"][0]
            events.append(
                self._event(
                    "response.output_text.done", **where, content_index=0, text=text, logprobs=[]
                )
            )
            events.append(
                self._event("response.content_part.done", **where, content_index=0, part=part)
            )
        elif self._open == "reasoning":
            item["summary"][0]["text"] = text
            events.append(
                self._event(
                    "response.reasoning_summary_text.done", **where, summary_index=0, text=text
                )
            )
        else:
            item["arguments"] = text
            events.append(
                self._event("response.function_call_arguments.done", **where, arguments=text)
            )
        item["status"] = "completed"
        if self._open == "reasoning":
            item.pop("status")
        self._open, self._pieces = None, []
        events.append(
            self._event("response.output_item.done", output_index=where["output_index"], item=item)
        )
        return events

    def _begin(self, kind: str, item: dict[str, Any]) -> list[Event]:
        events = self._close()
        self._items.append(item)
        self._open = kind
        added = {**item, "content": []} if kind == "message" else dict(item)
        events.append(
            self._event("response.output_item.added", output_index=len(self._items) - 1, item=added)
        )
        if kind == "message":
            part = {"type": "output_text", "text": "", "annotations": []}
            events.append(
                self._event(
                    "response.content_part.added", **self._where(), content_index=0, part=part
                )
            )
        return events

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}_{self._id}_{len(self._items)}"

    def _tool(self, call: ToolCallDelta) -> list[Event]:
        events: list[Event] = []
        if self._open != "function_call" or self._tool_index != call.index:
            item = _call_item(
                self._next_id("fc"), call.id or "", call.name or "", "", "in_progress"
            )
            events = self._begin("function_call", item)
            self._tool_index = call.index
        if call.arguments:
            self._pieces.append(call.arguments)
            events.append(
                self._event(
                    "response.function_call_arguments.delta", **self._where(), delta=call.arguments
                )
            )
        return events

    def feed(self, chunk: ChatChunk) -> list[Event]:
        """The events for ``chunk``."""
        events: list[Event] = []
        if chunk.reasoning:
            if self._open != "reasoning":
                events += self._begin("reasoning", _reasoning_item(self._next_id("rs"), ""))
            self._pieces.append(chunk.reasoning)
            events.append(
                self._event(
                    "response.reasoning_summary_text.delta",
                    **self._where(),
                    summary_index=0,
                    delta=chunk.reasoning,
                )
            )
        if chunk.text:
            if self._open != "message":
                events += self._begin(
                    "message", _message_item(self._next_id("msg"), "", "in_progress")
                )
            self._pieces.append(chunk.text)
            events.append(
                self._event(
                    "response.output_text.delta",
                    **self._where(),
                    content_index=0,
                    delta=chunk.text,
                    logprobs=[],
                )
            )
        for call in chunk.tool_calls:
            events += self._tool(call)
        if chunk.finish_reason is not None:
            self._finish = chunk.finish_reason
        if chunk.usage is not None:
            self._usage = chunk.usage
        return events

    def finish(self) -> list[Event]:
        """Close the open item; ``response.completed`` (or ``response.incomplete``)."""
        events = self._close()
        final = self._response()
        name = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
        events.append(self._event(name, response=final))
        return events
