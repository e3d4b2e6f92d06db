"""Which protocols a model serves natively, and a native body made ready to pass through."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import Adjustment
from brickgate.domain.model_family import ModelFamily, model_family
from brickgate.domain.protocols.choice import CHAT, MESSAGES, RESPONSES

__all__ = ["native_body", "native_protocols"]

_CODEX = re.compile(r"(^|[-_.])codex([-_.]|$)")
_CAPS: dict[str, str] = {MESSAGES: "max_tokens", RESPONSES: "max_output_tokens"}


def native_protocols(model: str) -> frozenset[str]:
    """The protocols ``model`` speaks without translation on Databricks.

    Codex models: Responses only; other GPT models: Chat and Responses; Claude: Chat and
    Messages; every other model: Chat.
    """
    bare = model.strip().lower().removeprefix("system.ai.").removeprefix("databricks-")
    if _CODEX.search(bare):
        return frozenset({RESPONSES})
    family = model_family(model)
    if family is ModelFamily.GPT:
        return frozenset({CHAT, RESPONSES})
    if family is ModelFamily.CLAUDE:
        return frozenset({CHAT, MESSAGES})
    return frozenset({CHAT})


def native_body(
    protocol: str, body: Mapping[str, Any], cap: int | None
) -> tuple[dict[str, Any], tuple[Adjustment, ...]]:
    """``body`` for ``protocol`` with the request rules that apply to it, and what they changed.

    The output cap (``max_tokens`` for Messages, ``max_output_tokens`` for Responses) is
    lowered to the model's ``cap``; Messages gets ``cap`` when it names none (Messages needs
    one). Everything else is sent as given.
    """
    out = dict(body)
    key = _CAPS.get(protocol)
    if key is None or cap is None:
        return out, ()
    given = out.get(key)
    if given is None and protocol == MESSAGES:
        out[key] = cap
        return out, (
            Adjustment("default_max_tokens", f"set {key} to {cap} (required by Messages)"),
        )
    if isinstance(given, int) and not isinstance(given, bool) and given > cap:
        out[key] = cap
        return out, (Adjustment("max_tokens", f"lowered {key} from {given} to the model's {cap}"),)
    return out, ()
