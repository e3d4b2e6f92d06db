"""What the catalog knows about one model: limits, capabilities, status and wire protocols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from brickgate.domain.model_family import ModelFamily, model_family

__all__ = ["STATUSES", "Capabilities", "ModelSpec", "Status", "Task", "served_protocols"]

Task = Literal["chat", "embeddings"]
Status = Literal["active", "retiring", "retired"]
STATUSES: tuple[Status, ...] = ("active", "retiring", "retired")


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a model accepts: tool calls, images, reasoning, structured output, temperature."""

    tools: bool = False
    vision: bool = False
    reasoning: bool = False
    structured_output: bool = False
    temperature: bool = True


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A known model: endpoint ``id``, limits (``None`` when unknown), capabilities, status.

    ``protocols`` are the chat wire protocols it is served over (``chat``, ``responses``,
    ``messages``); empty for embedding models.
    """

    id: str
    display_name: str
    provider: str
    family: ModelFamily
    task: Task
    context_window: int | None
    max_output: int | None
    capabilities: Capabilities
    status: Status = "active"
    embedding_dims: int | None = None
    note: str = ""
    protocols: tuple[str, ...] = ()

    @property
    def responses_only(self) -> bool:
        """True for a chat model that refuses Chat Completions and speaks the Responses API."""
        return self.task == "chat" and self.protocols == ("responses",)


_CHAT_RESPONSES = ("chat", "responses")
_ALL_PROTOCOLS = ("chat", "responses", "messages")
_RESPONSES_ONLY = ("responses",)


def served_protocols(model_id: str) -> tuple[str, ...]:
    """The protocols Databricks serves a chat model over, from its name (reference §1.1, §2.1).

    Codex models speak Responses only; Claude also speaks Anthropic Messages; every other model
    speaks Chat Completions and Responses (native for GPT, Open Responses for the rest).
    """
    name = model_id.lower()
    if "codex" in name:
        return _RESPONSES_ONLY
    if model_family(model_id) is ModelFamily.CLAUDE:
        return _ALL_PROTOCOLS
    return _CHAT_RESPONSES
