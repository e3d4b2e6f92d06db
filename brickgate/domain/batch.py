"""Batch values: the items a batch sends, the result of each, and the tally of a whole run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from brickgate.domain.chat import ChatResponse, Message
from brickgate.domain.errors import BrickgateError, InvalidRequestError

ItemId: TypeAlias = "str | int"
IdKey: TypeAlias = "tuple[type, ItemId]"

_ITEM_KEYS = frozenset({"id", "prompt", "messages", "params"})
_MAX_SHOWN_ID = 60


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One request of a batch: an ``id`` (text or integer), a ``prompt`` or ``messages``,
    and per-item chat ``params`` that override the batch's.

    Raises ``InvalidRequestError`` when the id is not text or an integer, or when not exactly
    one of ``prompt`` and ``messages`` is given.
    """

    id: ItemId
    prompt: str | None = None
    messages: Sequence[Message | Mapping[str, Any]] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_item_id(self.id)
        if (self.prompt is None) == (self.messages is None):
            raise InvalidRequestError(
                f"batch item {shown_id(self.id)} needs exactly one of 'prompt' or 'messages'"
            )
        if self.prompt is not None and not isinstance(self.prompt, str):
            raise InvalidRequestError(f"batch item {shown_id(self.id)}: 'prompt' must be text")
        if self.messages is not None and isinstance(self.messages, (str, bytes, Mapping)):
            raise InvalidRequestError(
                f"batch item {shown_id(self.id)}: 'messages' must be a list of messages"
            )
        if not isinstance(self.params, Mapping):
            raise InvalidRequestError(f"batch item {shown_id(self.id)}: 'params' must be a dict")

    @property
    def conversation(self) -> str | Sequence[Message | Mapping[str, Any]]:
        """What to send as the chat call's messages: the prompt text or the message list."""
        if self.prompt is not None:
            return self.prompt
        assert self.messages is not None
        return self.messages


def check_item_id(value: object) -> ItemId:
    """``value`` if it can identify a batch item (text or an integer, not a bool).

    Raises ``InvalidRequestError`` otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidRequestError(
            f"a batch item id must be text or an integer, not {type(value).__name__}"
        )
    if isinstance(value, str) and not value:
        raise InvalidRequestError("a batch item id must not be empty")
    return value


def id_key(item_id: ItemId) -> IdKey:
    """The key comparing ids as JSON does: ``1`` and ``"1"`` are different ids."""
    return (type(item_id), item_id)


def shown_id(value: object) -> str:
    """A short printable form of an item id for messages."""
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN_ID else text[:_MAX_SHOWN_ID] + "..."


def to_batch_item(value: object) -> BatchItem:
    """A ``BatchItem`` from a ``BatchItem``, an ``(id, prompt | messages)`` tuple, or a dict
    ``{"id", "prompt" | "messages", ...}`` whose other keys are chat parameters.

    Raises ``InvalidRequestError`` saying what is wrong.
    """
    if isinstance(value, BatchItem):
        return value
    if isinstance(value, tuple):
        if len(value) != 2:
            raise InvalidRequestError(
                f"a batch item tuple must be (id, prompt), got {len(value)} values"
            )
        item_id, conversation = value
        if isinstance(conversation, str):
            return BatchItem(item_id, prompt=conversation)
        return BatchItem(item_id, messages=conversation)
    if isinstance(value, Mapping):
        return _item_from_mapping(value)
    raise InvalidRequestError(
        f"a batch item must be a BatchItem, an (id, prompt) tuple or a dict, "
        f"not {type(value).__name__}"
    )


def _item_from_mapping(value: Mapping[str, Any]) -> BatchItem:
    if "id" not in value:
        raise InvalidRequestError("the batch item has no 'id'")
    params = {key: item for key, item in value.items() if key not in _ITEM_KEYS}
    nested = value.get("params")
    if nested is not None:
        if not isinstance(nested, Mapping):
            raise InvalidRequestError(
                f"batch item {shown_id(value['id'])}: 'params' must be an object"
            )
        params.update(nested)
    return BatchItem(
        value["id"], prompt=value.get("prompt"), messages=value.get("messages"), params=params
    )


def parse_batch_line(line: str) -> BatchItem:
    """The ``BatchItem`` on one JSONL input line.

    Raises ``InvalidRequestError`` for text that is not a JSON object or not a valid item.
    """
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidRequestError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InvalidRequestError("JSON nested too deep to read") from None
    if not isinstance(data, dict):
        raise InvalidRequestError(f"expected a JSON object, got {type(data).__name__}")
    return _item_from_mapping(data)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of one item: its ``response`` or its ``error``, and ``latency`` in seconds."""

    id: ItemId
    response: ChatResponse | None
    error: BrickgateError | None
    latency: float
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """True when the item got a reply."""
        return self.error is None


@dataclass
class BatchSummary:
    """Running totals of a batch: counts, errors by class name, token usage, time taken."""

    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    elapsed: float = 0.0

    @property
    def completed(self) -> int:
        """Items that finished in this run, with a reply or an error."""
        return self.succeeded + self.failed

    def record(self, result: BatchResult) -> None:
        """Count ``result`` in the totals."""
        if result.error is not None:
            self.failed += 1
            self.errors[type(result.error).__name__] += 1
            return
        self.succeeded += 1
        usage = result.response.usage if result.response is not None else None
        if usage is not None:
            self.prompt_tokens += usage.prompt_tokens
            self.completion_tokens += usage.completion_tokens
            self.total_tokens += usage.total_tokens

    def as_dict(self) -> dict[str, Any]:
        """The totals as a JSON-ready dict."""
        return {
            "succeeded": self.succeeded,
            "failed": self.failed,
            "skipped": self.skipped,
            "errors": dict(self.errors),
            "usage": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens,
            },
            "elapsed": round(self.elapsed, 3),
        }
