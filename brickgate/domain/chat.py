"""Chat, streaming and embedding values: what goes to a model and what comes back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool", "developer"]
JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Message:
    """One conversation turn; ``content`` is text, a list of parts (dicts) or ``None``.

    ``extra`` keeps any other keys the caller gave (request rules decide what is sent).
    """

    role: Role
    content: str | Sequence[Mapping[str, Any]] | None = None
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_wire(self) -> JSON:
        """The message as the JSON object the chat API takes."""
        wire: JSON = {"role": self.role, "content": _plain(self.content)}
        if self.tool_calls is not None:
            wire["tool_calls"] = [dict(call) for call in self.tool_calls]
        if self.tool_call_id is not None:
            wire["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            wire["name"] = self.name
        for key, value in self.extra.items():
            wire.setdefault(key, value)
        return wire


def _plain(content: str | Sequence[Mapping[str, Any]] | None) -> Any:
    if content is None or isinstance(content, str):
        return content
    return [dict(part) for part in content]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call requested by the model; ``arguments`` is the JSON text the model sent."""

    id: str
    name: str
    arguments: str
    type: str = "function"

    def to_wire(self) -> JSON:
        """The call as it appears in an assistant message's ``tool_calls``."""
        return {
            "id": self.id,
            "type": self.type,
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A streamed fragment of a tool call, keyed by ``index`` (which may start at 1)."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(slots=True)
class Usage:
    """Token counts; the optional extras appear when the model reports them.

    Treat it as read-only. It is not frozen only because one is built per streamed chunk, and a
    frozen dataclass costs several times more to build.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A source the model cited for part of its text (Claude citations)."""

    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One change a request rule made before sending: which rule, and what it did."""

    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """A complete reply.

    ``model`` is the model id the server reports, not the endpoint name asked for.
    ``adjustments`` lists what brickgate changed in the request before sending it.
    """

    text: str
    model: str
    id: str = ""
    reasoning: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
    citations: tuple[Citation, ...] = ()
    content_parts: tuple[Mapping[str, Any], ...] = ()
    adjustments: tuple[Adjustment, ...] = ()

    def to_message(self) -> JSON:
        """This reply as an assistant message, to append to the conversation for the next turn."""
        content: Any = [dict(p) for p in self.content_parts] if self.content_parts else self.text
        wire: JSON = {"role": "assistant", "content": content}
        if self.tool_calls:
            wire["tool_calls"] = [call.to_wire() for call in self.tool_calls]
        return wire


@dataclass(slots=True)
class ChatChunk:
    """One streamed delta: new ``text``/``reasoning``, tool-call fragments, maybe usage.

    Treat it as read-only; it is not frozen because it is built on the streaming hot path.
    """

    text: str = ""
    reasoning: str = ""
    tool_calls: tuple[ToolCallDelta, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str = ""
    id: str = ""
    citations: tuple[Citation, ...] = ()
    content_parts: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class EmbeddingResponse:
    """Embedding vectors in input order, the model id and usage."""

    vectors: list[list[float]]
    model: str = ""
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A serving endpoint: ``name``, ``task`` (``llm/v1/chat``...), ``ready`` (state READY)."""

    name: str
    task: str | None
    ready: bool
    state: str | None = None
    config_update: str | None = None
    endpoint_type: str | None = None
    foundation_model: str | None = None
    served_entities: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A chat request ready to send: the endpoint ``model`` and the JSON ``body`` without it.

    ``adjustments`` are the changes the request rules made while building ``body``.
    """

    model: str
    body: Mapping[str, Any]
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True, slots=True)
class EmbeddingRequest:
    """An embedding request: the endpoint ``model``, the ``inputs`` and any extra body fields."""

    model: str
    inputs: tuple[str, ...]
    extra_body: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallOptions:
    """Per-call settings: a timeout in seconds, extra headers (never ``Authorization``) and
    how many times a failed request may be retried (``None``: the client's default)."""

    timeout: float | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    max_retries: int | None = None
