"""The serving endpoints FakeWorkspace serves, shaped like GET /api/2.0/serving-endpoints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Family = Literal["claude", "gpt-oss", "llama", "embedding"]
CHAT_TASK = "llm/v1/chat"
EMBEDDINGS_TASK = "llm/v1/embeddings"


@dataclass(frozen=True)
class EndpointSpec:
    """One serving endpoint: its name, task, reply family and the model id it reports."""

    name: str
    task: str
    family: Family
    served_model: str
    ready: bool = True
    foundation: bool = True
    dimensions: int = 1024
    normalized: bool = False
    entity_name: str = ""

    @property
    def is_embedding(self) -> bool:
        """True for an ``llm/v1/embeddings`` endpoint."""
        return self.task == EMBEDDINGS_TASK


ENDPOINTS: tuple[EndpointSpec, ...] = (
    EndpointSpec(
        "databricks-claude-sonnet-4-5",
        CHAT_TASK,
        "claude",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ),
    EndpointSpec(
        "databricks-claude-sonnet-4",
        CHAT_TASK,
        "claude",
        "us.anthropic.claude-sonnet-4-20250514-v1:0",
    ),
    EndpointSpec(
        "databricks-claude-haiku-4-5",
        CHAT_TASK,
        "claude",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ),
    EndpointSpec("databricks-gpt-oss-120b", CHAT_TASK, "gpt-oss", "gpt-oss-120b-080525"),
    EndpointSpec("databricks-gpt-oss-20b", CHAT_TASK, "gpt-oss", "gpt-oss-20b-080525"),
    EndpointSpec(
        "databricks-meta-llama-3-3-70b-instruct",
        CHAT_TASK,
        "llama",
        "meta-llama-3.3-70b-instruct-121024",
    ),
    EndpointSpec(
        "databricks-meta-llama-3-1-8b-instruct",
        CHAT_TASK,
        "llama",
        "meta-llama-3.1-8b-instruct-072424",
    ),
    EndpointSpec("databricks-gpt-5-mini", CHAT_TASK, "llama", "gpt-5-mini-2025-08-07"),
    EndpointSpec(
        "databricks-gpt-5-1-codex-max", CHAT_TASK, "llama", "gpt-5.1-codex-max-2025-11-19"
    ),
    EndpointSpec(
        "databricks-meta-llama-3-1-405b-instruct",
        CHAT_TASK,
        "llama",
        "meta-llama-3.1-405b-instruct-072424",
        ready=False,
    ),
    EndpointSpec("databricks-gte-large-en", EMBEDDINGS_TASK, "embedding", "gte-large-en-v1.5"),
    EndpointSpec(
        "databricks-bge-large-en",
        EMBEDDINGS_TASK,
        "embedding",
        "bge-large-en-v1.5",
        normalized=True,
    ),
    EndpointSpec(
        "acme-support-assistant",
        CHAT_TASK,
        "llama",
        "acme-support-assistant",
        foundation=False,
        entity_name="main.support.assistant_model",
    ),
)

_BY_NAME = {spec.name: spec for spec in ENDPOINTS}
_CREATED_MS = 1732400000000


def find_endpoint(name: str) -> EndpointSpec | None:
    """Return the endpoint called ``name`` (``system.ai.<x>`` means ``databricks-<x>``), or None."""
    if name.startswith("system.ai."):
        name = "databricks-" + name[len("system.ai.") :]
    return _BY_NAME.get(name)


def endpoint_json(spec: EndpointSpec) -> dict[str, Any]:
    """Return the endpoint as the serving-endpoints API describes it."""
    if spec.foundation:
        entity: dict[str, Any] = {
            "name": spec.name,
            "entity_name": "system.ai." + spec.name.removeprefix("databricks-"),
            "entity_version": "1",
            "foundation_model": {
                "name": spec.name,
                "display_name": spec.served_model,
                "description": f"Pay-per-token {spec.served_model}",
                "docs": "https://docs.databricks.com/machine-learning/foundation-models/",
            },
        }
        creator = "databricks"
    else:
        entity = {
            "name": spec.entity_name.rsplit(".", 1)[-1] + "-3",
            "entity_name": spec.entity_name,
            "entity_version": "3",
            "workload_size": "Small",
            "scale_to_zero_enabled": True,
        }
        creator = "someone@example.com"
    return {
        "name": spec.name,
        "id": "ep-" + spec.name.replace("-", "")[:24],
        "creator": creator,
        "creation_timestamp": _CREATED_MS,
        "last_updated_timestamp": _CREATED_MS,
        "task": spec.task,
        "state": {
            "ready": "READY" if spec.ready else "NOT_READY",
            "config_update": "NOT_UPDATING" if spec.ready else "IN_PROGRESS",
        },
        "config": {"served_entities": [entity]},
        "tags": [],
        "permission_level": "CAN_QUERY",
    }


LIST_BODY: bytes = json.dumps(
    {"endpoints": [endpoint_json(spec) for spec in ENDPOINTS]}, separators=(",", ":")
).encode()
