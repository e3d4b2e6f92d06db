"""The built-in model catalog: invariants, the seed's models with their true status, the merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brickgate.domain.catalog import (
    BUILTIN_MODELS,
    STATUSES,
    Availability,
    Catalog,
    ModelEntry,
    ModelSpec,
    merge_with_endpoints,
)
from brickgate.domain.chat import Endpoint
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.model_family import ModelFamily, model_family

SEED = json.loads((Path(__file__).parent.parent / "data" / "seed_vectors.json").read_text())

# The seed lists all ten as "active"; models_note records what actually happened to them.
SEED_TRUE_STATUS = {
    "databricks-meta-llama-3-1-405b-instruct": "retired",
    "databricks-meta-llama-3-1-70b-instruct": "retired",
    "databricks-meta-llama-3-1-8b-instruct": "active",
    "databricks-claude-sonnet-4-6": "active",
    "databricks-claude-opus-4-6": "active",
    "databricks-gpt-5-4": "active",
    "databricks-gpt-5-mini": "active",
    "databricks-gemini-3-1-pro": "active",
    "databricks-dbrx-instruct": "retired",
    "databricks-mixtral-8x7b-instruct": "retired",
}

CURRENT_PAY_PER_TOKEN = [
    "databricks-gpt-5-2",
    "databricks-gpt-5-1",
    "databricks-gpt-5",
    "databricks-gpt-5-mini",
    "databricks-gpt-5-nano",
    "databricks-gpt-oss-120b",
    "databricks-gpt-oss-20b",
    "databricks-claude-opus-4-6",
    "databricks-claude-sonnet-4-6",
    "databricks-claude-sonnet-4-5",
    "databricks-claude-sonnet-4",
    "databricks-claude-opus-4-5",
    "databricks-claude-opus-4-1",
    "databricks-claude-haiku-4-5",
    "databricks-claude-3-7-sonnet",
    "databricks-meta-llama-3-3-70b-instruct",
    "databricks-meta-llama-3-1-8b-instruct",
    "databricks-meta-llama-3-1-405b-instruct",
    "databricks-llama-4-maverick",
    "databricks-gemini-3-1-pro",
    "databricks-gemini-3-pro",
    "databricks-gemini-3-flash",
    "databricks-gemini-2-5-pro",
    "databricks-gemini-2-5-flash",
    "databricks-gemma-3-12b",
    "databricks-qwen3-next-80b-a3b-instruct",
    "databricks-gte-large-en",
    "databricks-bge-large-en",
    "databricks-qwen3-embedding-0-6b",
]


def test_builtin_ids_are_unique() -> None:
    ids = [spec.id for spec in BUILTIN_MODELS]
    assert len(ids) == len(set(ids))
    assert len(Catalog()) == len(ids)


def test_duplicate_ids_are_refused() -> None:
    spec = BUILTIN_MODELS[0]
    with pytest.raises(ConfigurationError, match=spec.id):
        Catalog([spec, BUILTIN_MODELS[1], spec])


def test_every_seed_model_is_present_with_its_true_status() -> None:
    catalog = Catalog()
    seed_ids = {model["id"] for model in SEED["models"]}
    assert seed_ids == set(SEED_TRUE_STATUS)
    for model_id, status in SEED_TRUE_STATUS.items():
        spec = catalog.get(model_id)
        assert spec is not None, model_id
        assert spec.status == status, model_id


def test_seed_capability_that_was_not_a_default_is_kept() -> None:
    mixtral = Catalog().get("databricks-mixtral-8x7b-instruct")
    assert mixtral is not None
    assert mixtral.capabilities.tools is False


@pytest.mark.parametrize("model_id", CURRENT_PAY_PER_TOKEN)
def test_current_pay_per_token_models_are_listed(model_id: str) -> None:
    assert model_id in Catalog()


@pytest.mark.parametrize("spec", BUILTIN_MODELS, ids=lambda spec: spec.id)
def test_spec_invariants(spec: ModelSpec) -> None:
    assert spec.status in STATUSES
    assert spec.task in ("chat", "embeddings")
    assert spec.display_name.strip()
    assert spec.provider.strip()
    assert spec.family is model_family(spec.id)
    assert spec.id.startswith("databricks-")
    if spec.task == "embeddings":
        assert spec.embedding_dims is not None and spec.embedding_dims > 0
        assert spec.max_output is None
        assert not spec.capabilities.tools
    else:
        assert spec.embedding_dims is None
    if spec.context_window is not None and spec.max_output is not None:
        assert 0 < spec.max_output <= spec.context_window


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("databricks-gpt-oss-120b", ModelFamily.GPT_OSS),
        ("databricks-gemma-3-12b", ModelFamily.OTHER),
        ("databricks-claude-haiku-4-5", ModelFamily.CLAUDE),
        ("databricks-llama-4-maverick", ModelFamily.LLAMA),
    ],
)
def test_families_in_catalog(model_id: str, family: ModelFamily) -> None:
    spec = Catalog().get(model_id)
    assert spec is not None and spec.family is family


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("databricks-claude-sonnet-4-5", "databricks-claude-sonnet-4-5"),
        ("system.ai.claude-sonnet-4-5", "databricks-claude-sonnet-4-5"),
        ("system.ai.gpt-5", "databricks-gpt-5"),
        (" Databricks-GPT-5-2 ", "databricks-gpt-5-2"),
        ("databricks-gte-large-en", "databricks-gte-large-en"),
        ("my-custom-endpoint", None),
        ("system.ai.", None),
        ("", None),
        ("claude-sonnet-4-5", None),
    ],
)
def test_get(name: str, expected: str | None) -> None:
    spec = Catalog().get(name)
    assert (spec.id if spec else None) == expected
    assert (name in Catalog()) is (expected is not None)


def test_embedding_dims_from_reference() -> None:
    catalog = Catalog()
    for model_id in ("databricks-gte-large-en", "databricks-bge-large-en"):
        spec = catalog.get(model_id)
        assert spec is not None and spec.embedding_dims == 1024


def _endpoint(name: str, task: str | None = "llm/v1/chat", ready: bool = True) -> Endpoint:
    return Endpoint(name=name, task=task, ready=ready, state="READY" if ready else "NOT_READY")


def _summary(entries: list[ModelEntry]) -> list[tuple[str, str, bool]]:
    return [(entry.name, entry.availability.value, entry.ready) for entry in entries]


SMALL = Catalog(
    spec
    for spec in BUILTIN_MODELS
    if spec.id
    in {
        "databricks-claude-sonnet-4-5",
        "databricks-gpt-5-2",
        "databricks-gte-large-en",
        "databricks-gemma-3-12b",
        "databricks-dbrx-instruct",
    }
)


@pytest.mark.parametrize(
    ("endpoints", "expected"),
    [
        (
            [],
            [
                ("databricks-gte-large-en", "not-served", False),
                ("databricks-claude-sonnet-4-5", "not-served", False),
                ("databricks-gemma-3-12b", "not-served", False),
                ("databricks-gpt-5-2", "not-served", False),
            ],
        ),
        (
            [
                _endpoint("databricks-gpt-5-2"),
                _endpoint("databricks-gte-large-en", "llm/v1/embeddings"),
                _endpoint("databricks-claude-sonnet-4-5", ready=False),
                _endpoint("team-rag-agent", "agent/v1/chat"),
                _endpoint("my-finetune", "llm/v1/chat", ready=False),
                _endpoint("a-custom-embedder", "llm/v1/embeddings"),
                _endpoint("sklearn-model", None),
                _endpoint("legacy-completions", "llm/v1/completions"),
            ],
            [
                ("databricks-gte-large-en", "served", True),
                ("databricks-gpt-5-2", "served", True),
                ("databricks-claude-sonnet-4-5", "not-ready", False),
                ("a-custom-embedder", "unknown", True),
                ("my-finetune", "unknown", False),
                ("databricks-gemma-3-12b", "not-served", False),
            ],
        ),
        (
            [_endpoint("databricks-dbrx-instruct"), _endpoint("databricks-dbrx-instruct", None)],
            [
                ("databricks-dbrx-instruct", "served", True),
                ("databricks-gte-large-en", "not-served", False),
                ("databricks-claude-sonnet-4-5", "not-served", False),
                ("databricks-gemma-3-12b", "not-served", False),
                ("databricks-gpt-5-2", "not-served", False),
            ],
        ),
        (
            [_endpoint("databricks-gte-large-en", "llm/v1/chat")],
            [
                ("databricks-gte-large-en", "unknown", True),
                ("databricks-gte-large-en", "not-served", False),
                ("databricks-claude-sonnet-4-5", "not-served", False),
                ("databricks-gemma-3-12b", "not-served", False),
                ("databricks-gpt-5-2", "not-served", False),
            ],
        ),
    ],
    ids=["empty-workspace", "mixed", "retired-but-still-served", "task-mismatch"],
)
def test_merge_with_endpoints(
    endpoints: list[Endpoint], expected: list[tuple[str, str, bool]]
) -> None:
    assert _summary(merge_with_endpoints(SMALL, endpoints)) == expected


def test_merge_lists_retired_models_on_request() -> None:
    entries = merge_with_endpoints(SMALL, [], include_retired=True)
    retired = [entry for entry in entries if entry.spec and entry.spec.status == "retired"]
    assert [entry.name for entry in retired] == ["databricks-dbrx-instruct"]
    assert retired[0].availability is Availability.NOT_SERVED


def test_merge_entries_carry_spec_and_endpoint() -> None:
    endpoint = _endpoint("databricks-gpt-5-2")
    served, *_ = merge_with_endpoints(SMALL, [endpoint])
    assert served.endpoint is endpoint
    assert served.spec is SMALL.get("databricks-gpt-5-2")
    unknown = merge_with_endpoints(Catalog([]), [_endpoint("mine")])
    assert unknown == [ModelEntry("mine", Availability.UNKNOWN, None, unknown[0].endpoint)]
    assert unknown[0].spec is None


def test_merge_is_stable_for_the_full_catalog() -> None:
    endpoints = [_endpoint(spec.id) for spec in BUILTIN_MODELS[::3]]
    first = merge_with_endpoints(Catalog(), endpoints)
    again = merge_with_endpoints(Catalog(), list(reversed(endpoints)))
    assert _summary(first) == _summary(again)
    providers = [e.spec.provider for e in first if e.availability is Availability.SERVED and e.spec]
    assert providers == sorted(providers, key=str.casefold)


@pytest.mark.parametrize(
    ("name", "protocols"),
    [
        ("databricks-gpt-5-1-codex-max", ("responses",)),
        ("databricks-gpt-5-3-codex", ("responses",)),
        ("databricks-gpt-5-4", ("chat", "responses")),
        ("databricks-claude-opus-4-6", ("chat", "responses", "messages")),
        ("system.ai.claude-sonnet-4-5", ("chat", "responses", "messages")),
        ("databricks-gemini-3-pro", ("chat", "responses")),
        ("databricks-gpt-oss-120b", ("chat", "responses")),
        ("databricks-meta-llama-3-3-70b-instruct", ("chat", "responses")),
        ("databricks-qwen3-next-80b-a3b-instruct", ("chat", "responses")),
        ("databricks-gte-large-en", ()),
    ],
)
def test_each_model_lists_the_protocols_it_is_served_over(
    name: str, protocols: tuple[str, ...]
) -> None:
    spec = Catalog().get(name)

    assert spec is not None
    assert spec.protocols == protocols
    assert spec.responses_only is (protocols == ("responses",))


def test_every_chat_model_speaks_a_protocol_and_only_claude_speaks_messages() -> None:
    for spec in Catalog():
        if spec.task == "chat":
            assert spec.protocols, spec.id
            assert ("messages" in spec.protocols) is (spec.family is ModelFamily.CLAUDE), spec.id
