"""The built-in model catalog and its merge with the endpoints a workspace actually serves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from brickgate.domain.chat import Endpoint
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.model_family import model_family
from brickgate.domain.model_spec import (
    STATUSES,
    Capabilities,
    ModelSpec,
    Status,
    Task,
    served_protocols,
)

__all__ = [
    "BUILTIN_MODELS",
    "ENDPOINT_TASKS",
    "STATUSES",
    "Availability",
    "Capabilities",
    "Catalog",
    "ModelEntry",
    "ModelSpec",
    "Status",
    "Task",
    "merge_with_endpoints",
    "served_protocols",
]

_CLAUDE = Capabilities(tools=True, vision=True, reasoning=True, structured_output=True)
_GPT5 = Capabilities(tools=True, vision=True, reasoning=True, structured_output=True)
_GPT5_FIXED_TEMPERATURE = Capabilities(
    tools=True, vision=True, reasoning=True, structured_output=True, temperature=False
)
_OPEN_REASONING = Capabilities(tools=True, reasoning=True, structured_output=True)
_GEMINI = Capabilities(tools=True, vision=True, reasoning=True, structured_output=True)
_TEXT_TOOLS = Capabilities(tools=True, structured_output=True)
_TEXT_ONLY = Capabilities(structured_output=True)
_EMBEDDING = Capabilities(temperature=False)


def _chat(
    model_id: str,
    display_name: str,
    provider: str,
    limits: tuple[int | None, int | None],
    capabilities: Capabilities,
    status: Status = "active",
    note: str = "",
    protocols: tuple[str, ...] | None = None,
) -> ModelSpec:
    context_window, max_output = limits
    return ModelSpec(
        model_id,
        display_name,
        provider,
        model_family(model_id),
        "chat",
        context_window,
        max_output,
        capabilities,
        status,
        note=note,
        protocols=served_protocols(model_id) if protocols is None else protocols,
    )


def _embeddings(
    model_id: str, display_name: str, provider: str, context_window: int | None, dims: int
) -> ModelSpec:
    return ModelSpec(
        model_id,
        display_name,
        provider,
        model_family(model_id),
        "embeddings",
        context_window,
        None,
        _EMBEDDING,
        embedding_dims=dims,
    )


_GPT5_LIMITS = (400_000, 128_000)
_CLAUDE_LIMITS = (200_000, 64_000)
_GEMINI_3_LIMITS = (1_048_576, 65_536)
_GEMINI_25_LIMITS = (1_048_576, 65_535)
_LLAMA_LIMITS = (128_000, 8_192)
_LLAMA_NOTE = "output cap from a server error 'max_tokens (10000) cannot exceed 8192'"

_CODEX_NOTE = "serves the Responses API only; limits assumed from GPT-5"

BUILTIN_MODELS: tuple[ModelSpec, ...] = (
    _chat("databricks-gpt-5-1-codex-max", "GPT-5.1 Codex Max", "OpenAI", _GPT5_LIMITS, _GPT5,
          note=_CODEX_NOTE),
    _chat("databricks-gpt-5-1-codex-mini", "GPT-5.1 Codex mini", "OpenAI", _GPT5_LIMITS, _GPT5,
          note=_CODEX_NOTE),
    _chat("databricks-gpt-5-2-codex", "GPT-5.2 Codex", "OpenAI", _GPT5_LIMITS, _GPT5,
          note=_CODEX_NOTE),
    _chat("databricks-gpt-5-3-codex", "GPT-5.3 Codex", "OpenAI", _GPT5_LIMITS, _GPT5,
          note=_CODEX_NOTE),
    _chat("databricks-gpt-5-5", "GPT-5.5", "OpenAI", _GPT5_LIMITS, _GPT5,
          note="limits assumed from GPT-5"),
    _chat("databricks-gpt-5-4", "GPT-5.4", "OpenAI", _GPT5_LIMITS, _GPT5,
          note="tool calling needs the Responses API; limits assumed from GPT-5"),
    _chat("databricks-gpt-5-2", "GPT-5.2", "OpenAI", _GPT5_LIMITS, _GPT5),
    _chat("databricks-gpt-5-1", "GPT-5.1", "OpenAI", _GPT5_LIMITS, _GPT5),
    _chat("databricks-gpt-5", "GPT-5", "OpenAI", _GPT5_LIMITS, _GPT5_FIXED_TEMPERATURE),
    _chat("databricks-gpt-5-mini", "GPT-5 mini", "OpenAI", _GPT5_LIMITS, _GPT5_FIXED_TEMPERATURE),
    _chat("databricks-gpt-5-nano", "GPT-5 nano", "OpenAI", _GPT5_LIMITS, _GPT5_FIXED_TEMPERATURE),
    _chat("databricks-gpt-oss-120b", "GPT OSS 120B", "OpenAI", (131_072, 131_072),
          _OPEN_REASONING),
    _chat("databricks-gpt-oss-20b", "GPT OSS 20B", "OpenAI", (131_072, 131_072), _OPEN_REASONING),
    _chat("databricks-claude-opus-4-6", "Claude Opus 4.6", "Anthropic", (1_000_000, 128_000),
          _CLAUDE),
    _chat("databricks-claude-sonnet-4-6", "Claude Sonnet 4.6", "Anthropic", _CLAUDE_LIMITS,
          _CLAUDE),
    _chat("databricks-claude-sonnet-4-5", "Claude Sonnet 4.5", "Anthropic", _CLAUDE_LIMITS,
          _CLAUDE),
    _chat("databricks-claude-sonnet-4", "Claude Sonnet 4", "Anthropic", _CLAUDE_LIMITS, _CLAUDE),
    _chat("databricks-claude-opus-4-5", "Claude Opus 4.5", "Anthropic", _CLAUDE_LIMITS, _CLAUDE),
    _chat("databricks-claude-opus-4-1", "Claude Opus 4.1", "Anthropic", (200_000, 32_000),
          _CLAUDE),
    _chat("databricks-claude-haiku-4-5", "Claude Haiku 4.5", "Anthropic", _CLAUDE_LIMITS,
          _CLAUDE),
    _chat("databricks-claude-3-7-sonnet", "Claude 3.7 Sonnet", "Anthropic", (200_000, 128_000),
          _CLAUDE, "retiring"),
    _chat("databricks-meta-llama-3-3-70b-instruct", "Meta Llama 3.3 70B Instruct", "Meta",
          _LLAMA_LIMITS, _TEXT_TOOLS, note=_LLAMA_NOTE),
    _chat("databricks-meta-llama-3-1-8b-instruct", "Meta Llama 3.1 8B Instruct", "Meta",
          _LLAMA_LIMITS, _TEXT_TOOLS, note=_LLAMA_NOTE),
    _chat("databricks-meta-llama-3-1-405b-instruct", "Meta Llama 3.1 405B Instruct", "Meta",
          (128_000, 4_096), _TEXT_TOOLS, "retired",
          "returns 404 RESOURCE_DOES_NOT_EXIST since July 2026"),
    _chat("databricks-meta-llama-3-1-70b-instruct", "Meta Llama 3.1 70B Instruct", "Meta",
          (128_000, 4_096), _TEXT_TOOLS, "retired",
          "replaced by databricks-meta-llama-3-3-70b-instruct in December 2024"),
    _chat("databricks-llama-4-maverick", "Llama 4 Maverick", "Meta", (128_000, None),
          _TEXT_TOOLS),
    _chat("databricks-gemini-3-1-pro", "Gemini 3.1 Pro", "Google", _GEMINI_3_LIMITS, _GEMINI,
          note="replayed tool calls need their thought_signature"),
    _chat("databricks-gemini-3-pro", "Gemini 3 Pro", "Google", _GEMINI_3_LIMITS, _GEMINI,
          note="replayed tool calls need their thought_signature"),
    _chat("databricks-gemini-3-flash", "Gemini 3 Flash", "Google", _GEMINI_3_LIMITS, _GEMINI,
          note="replayed tool calls need their thought_signature"),
    _chat("databricks-gemini-2-5-pro", "Gemini 2.5 Pro", "Google", _GEMINI_25_LIMITS, _GEMINI),
    _chat("databricks-gemini-2-5-flash", "Gemini 2.5 Flash", "Google", _GEMINI_25_LIMITS,
          _GEMINI),
    _chat("databricks-gemma-3-12b", "Gemma 3 12B", "Google", (128_000, 32_000), _TEXT_ONLY),
    _chat("databricks-qwen3-next-80b-a3b-instruct", "Qwen3-Next 80B A3B Instruct", "Alibaba",
          (262_144, None), _TEXT_TOOLS),
    _chat("databricks-dbrx-instruct", "DBRX Instruct", "Databricks", (32_768, 4_096),
          _TEXT_TOOLS, "retired"),
    _chat("databricks-mixtral-8x7b-instruct", "Mixtral 8x7B Instruct", "Mistral AI",
          (32_768, 4_096), _TEXT_ONLY, "retired", "no longer served since May 2025"),
    _embeddings("databricks-gte-large-en", "GTE Large (English)", "Alibaba", 8_192, 1_024),
    _embeddings("databricks-bge-large-en", "BGE Large (English)", "BAAI", 512, 1_024),
    _embeddings("databricks-qwen3-embedding-0-6b", "Qwen3 Embedding 0.6B", "Alibaba", None,
                1_024),
)  # fmt: skip

_GATEWAY_PREFIX = "system.ai."
_HOSTED_PREFIX = "databricks-"


class Catalog:
    """Known models by endpoint name; ``system.ai.<x>`` finds ``databricks-<x>``.

    Raises ``ConfigurationError`` when two specs share an id.
    """

    def __init__(self, specs: Iterable[ModelSpec] = BUILTIN_MODELS) -> None:
        self._specs: dict[str, ModelSpec] = {}
        for spec in specs:
            if spec.id in self._specs:
                raise ConfigurationError(f"the model catalog lists {spec.id!r} twice")
            self._specs[spec.id] = spec

    def get(self, name: str) -> ModelSpec | None:
        """The spec for an endpoint or AI Gateway name, or ``None`` when the model is unknown."""
        key = name.strip().lower()
        if key.startswith(_GATEWAY_PREFIX):
            key = _HOSTED_PREFIX + key[len(_GATEWAY_PREFIX) :]
        return self._specs.get(key)

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


class Availability(str, Enum):
    """Whether a model can be called in this workspace."""

    SERVED = "served"
    NOT_READY = "not-ready"
    UNKNOWN = "unknown"
    NOT_SERVED = "not-served"

    def __str__(self) -> str:
        return self.value


_RANK = {availability: rank for rank, availability in enumerate(Availability)}

ENDPOINT_TASKS: dict[str, Task] = {"llm/v1/chat": "chat", "llm/v1/embeddings": "embeddings"}


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One line of ``client.models()``.

    ``spec`` is ``None`` for an endpoint the catalog does not know (availability UNKNOWN);
    ``endpoint`` is ``None`` for a catalog model the workspace does not serve (NOT_SERVED).
    """

    name: str
    availability: Availability
    spec: ModelSpec | None
    endpoint: Endpoint | None

    @property
    def ready(self) -> bool:
        """True when an endpoint exists and is READY."""
        return self.endpoint is not None and self.endpoint.ready


def _sort_key(entry: ModelEntry) -> tuple[int, str, str]:
    provider = entry.spec.provider.casefold() if entry.spec else ""
    return (_RANK[entry.availability], provider, entry.name)


def merge_with_endpoints(
    catalog: Catalog, endpoints: Sequence[Endpoint], *, include_retired: bool = False
) -> list[ModelEntry]:
    """Merge the catalog with the workspace's chat and embedding endpoints.

    Returns served models first, then endpoints not READY, then endpoints unknown to the
    catalog, then catalog models the workspace does not serve; each group by provider and
    name. Endpoints of other tasks are left out, and so are retired models the workspace
    does not serve unless ``include_retired``.
    """
    by_name: dict[str, Endpoint] = {}
    for endpoint in endpoints:
        if endpoint.task in ENDPOINT_TASKS:
            by_name.setdefault(endpoint.name, endpoint)
    entries: list[ModelEntry] = []
    for spec in catalog:
        found = by_name.pop(spec.id, None)
        if found is not None and ENDPOINT_TASKS[found.task or ""] != spec.task:
            by_name[spec.id] = found
            found = None
        if found is None:
            if include_retired or spec.status != "retired":
                entries.append(ModelEntry(spec.id, Availability.NOT_SERVED, spec, None))
            continue
        availability = Availability.SERVED if found.ready else Availability.NOT_READY
        entries.append(ModelEntry(spec.id, availability, spec, found))
    for name, endpoint in by_name.items():
        entries.append(ModelEntry(name, Availability.UNKNOWN, None, endpoint))
    return sorted(entries, key=_sort_key)
