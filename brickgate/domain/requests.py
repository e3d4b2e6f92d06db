"""Building a chat request: checked model name, normalised messages, merged parameters, rules."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from brickgate.domain.catalog import ModelSpec
from brickgate.domain.chat import Adjustment, ChatRequest, Message, Role
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.rules import apply_rules

MAX_MODEL_NAME_LENGTH = 256
_ROLES = frozenset(get_args(Role))
_ROLE_LIST = ", ".join(sorted(_ROLES))
_MODEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_SECRET_HINTS = ("::", "dapi", "dose")
_MAX_SHOWN = 60
_EXAMPLE = "e.g. 'databricks-claude-sonnet-4-5' or 'system.ai.gpt-5'"


def _shown(name: str) -> str:
    if any(hint in name.lower() for hint in _SECRET_HINTS):
        return "(not shown: it looks like it contains a token)"
    return repr(name if len(name) <= _MAX_SHOWN else name[:_MAX_SHOWN] + "...")


def validate_model_name(model: str) -> str:
    """Return ``model`` if it is a plausible endpoint or AI Gateway name.

    Raises ``InvalidRequestError`` for an empty name, one over 256 characters, or one with
    anything but letters, digits, ``-``, ``_`` and single dots (no ``/``, ``..``, spaces).
    """
    if not isinstance(model, str) or not model:
        raise InvalidRequestError(f"the model name is empty; pass an endpoint name, {_EXAMPLE}")
    if len(model) > MAX_MODEL_NAME_LENGTH:
        raise InvalidRequestError(
            f"the model name is {len(model)} characters long; endpoint names have at most "
            f"{MAX_MODEL_NAME_LENGTH}"
        )
    if model.startswith("databricks/") and len(model) > len("databricks/"):
        raise InvalidRequestError(
            f"model name {_shown(model)} has a provider prefix; "
            f"pass {_shown(model.removeprefix('databricks/'))} instead"
        )
    if not _MODEL_NAME.fullmatch(model) or ".." in model or model.endswith("."):
        raise InvalidRequestError(
            f"model name {_shown(model)} is not an endpoint name: use letters, digits, '-', "
            f"'_' and '.' only, {_EXAMPLE}"
        )
    return model


def normalize_messages(
    messages: str | Sequence[Message | Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The messages as wire dicts: a string is one user message, dicts are copied shallowly.

    Raises ``InvalidRequestError`` naming the position of the first bad item (not a dict or
    ``Message``, no ``role``, unknown role), or when there is no message at all.
    """
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    if isinstance(messages, (bytes, Mapping, Message)) or not isinstance(messages, Sequence):
        raise InvalidRequestError(
            f"messages must be a string or a list of messages, got a {type(messages).__name__}"
            " (wrap a single message in a list)"
        )
    if not messages:
        raise InvalidRequestError("messages is empty; pass at least one message")
    wire_messages: list[dict[str, Any]] = []
    for position, item in enumerate(messages):
        if isinstance(item, Message):
            wire = item.to_wire()
        elif isinstance(item, Mapping):
            wire = dict(item)
        else:
            raise InvalidRequestError(
                f"messages[{position}] is a {type(item).__name__}; expected a dict such as "
                "{'role': 'user', 'content': '...'} or a brickgate.Message"
            )
        if "role" not in wire:
            raise InvalidRequestError(f"messages[{position}] has no 'role' (one of {_ROLE_LIST})")
        role = wire["role"]
        if not isinstance(role, str) or role not in _ROLES:
            raise InvalidRequestError(
                f"messages[{position}] has role {role!r}; expected one of {_ROLE_LIST}"
            )
        wire_messages.append(wire)
    return wire_messages


def _merge_body(
    model: str,
    messages: str | Sequence[Message | Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    stream: bool,
) -> dict[str, Any]:
    if "messages" in params:
        raise InvalidRequestError("pass the messages as the messages argument, not in params")
    body: dict[str, Any] = {"messages": normalize_messages(messages)}
    for key, value in params.items():
        if value is not None:
            body[key] = value
    if extra_body:
        body.update(extra_body)
        if "messages" in extra_body:
            body["messages"] = normalize_messages(extra_body["messages"])
    if body.pop("model", model) != model:
        raise InvalidRequestError(
            "the body names a different model than the one asked for; pass the endpoint name "
            "as the model argument only"
        )
    if body.get("stream", stream) not in (stream, None):
        mode = "stream(...)" if body["stream"] else "chat(...)"
        raise InvalidRequestError(f"'stream' in params or extra_body conflicts; use {mode}")
    body.pop("stream", None)
    if stream:
        body["stream"] = True
    return body


def _check_max_tokens(body: Mapping[str, Any]) -> None:
    value = body.get("max_tokens")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise InvalidRequestError(f"max_tokens must be a positive integer, got {value!r}")


def _thinking_budget(body: Mapping[str, Any]) -> int | None:
    thinking = body.get("thinking")
    if not isinstance(thinking, Mapping) or thinking.get("type") == "disabled":
        return None
    budget = thinking.get("budget_tokens")
    return budget if isinstance(budget, int) and not isinstance(budget, bool) else None


def _clamp_max_tokens(body: dict[str, Any], spec: ModelSpec | None) -> list[Adjustment]:
    if spec is None or spec.max_output is None:
        return []
    cap = spec.max_output
    requested = body.get("max_tokens")
    if not isinstance(requested, int) or requested <= cap:
        return []
    body["max_tokens"] = cap
    budget = _thinking_budget(body)
    if budget is not None and budget >= cap:
        raise InvalidRequestError(
            f"thinking.budget_tokens ({budget}) must be below max_tokens, and {spec.id} returns "
            f"at most {cap} tokens; lower the thinking budget below {cap}"
        )
    detail = f"lowered max_tokens from {requested} to {cap}, the most {spec.id} can return"
    return [Adjustment("clamp_max_tokens", detail)]


def build_chat_request(
    model: str,
    messages: str | Sequence[Message | Mapping[str, Any]],
    *,
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None = None,
    stream: bool = False,
    spec: ModelSpec | None = None,
) -> ChatRequest:
    """A ``ChatRequest`` for ``model`` whose body is ready to send (without ``model``).

    The body is the messages, then ``params`` without ``None`` values, then ``extra_body``
    (which wins), ``stream: true`` when streaming; the model's rules then run on it and
    ``max_tokens`` is lowered to ``spec.max_output``. Every change is listed in
    ``adjustments``. Raises ``InvalidRequestError`` for a bad model name, bad messages, a
    conflicting ``model``/``messages``/``stream`` in params or extra_body, a non-positive
    ``max_tokens``, or a body the rules cannot make valid.
    """
    validate_model_name(model)
    body = _merge_body(model, messages, params, extra_body, stream)
    adjustments = apply_rules(model, body)
    _check_max_tokens(body)
    adjustments += _clamp_max_tokens(body, spec)
    return ChatRequest(model=model, body=body, adjustments=tuple(adjustments))
