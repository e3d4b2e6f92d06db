"""FakeWorkspace routes and canned answers, checked with raw httpx over real loopback sockets."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import httpx
import pytest

from brickgate.domain.errors import ConfigurationError
from brickgate.testing import FakeWorkspace
from tests.conftest import DATA

PAYLOADS = DATA / "payloads"
LLAMA = "databricks-meta-llama-3-3-70b-instruct"
CLAUDE = "databricks-claude-sonnet-4-5"
GPT_OSS = "databricks-gpt-oss-120b"
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}
CLOCK_TOOL = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object"}},
}


def chat(client: httpx.Client, model: str, text: str = "Hello there", **extra: Any) -> Any:
    body = {"model": model, "messages": [{"role": "user", "content": text}], **extra}
    response = client.post("/serving-endpoints/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def stream(client: httpx.Client, path: str, body: dict[str, Any]) -> list[Any]:
    """Return the decoded ``data:`` payloads; asserts SSE framing and the final ``[DONE]``."""
    response = client.post(path, json={**body, "stream": True})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked"
    blocks = response.text.split("\n\n")
    assert blocks[-1] == ""
    assert all(block.startswith("data: ") for block in blocks[:-1])
    assert blocks[-2] == "data: [DONE]"
    return [json.loads(block[len("data: ") :]) for block in blocks[:-2]]


def key_paths(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        paths = set()
        for key, item in value.items():
            paths.add(prefix + key)
            paths |= key_paths(item, prefix + key + ".")
        return paths
    if isinstance(value, list):
        return set().union(*(key_paths(item, prefix + "[].") for item in value)) if value else set()
    return set()


def test_identity_is_loopback_with_generated_credentials(ws: FakeWorkspace) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", ws.url)
    assert ws.host == "127.0.0.1"
    assert re.fullmatch(r"dapi[0-9a-f]{32}", ws.token)
    assert ws.client_id and ws.client_secret
    assert ws.token not in repr(ws)


def test_explicit_credentials_are_used() -> None:
    fake = FakeWorkspace(token="dapi-mine", client_id="sp-1", client_secret="s3cret")
    assert (fake.token, fake.client_id, fake.client_secret) == ("dapi-mine", "sp-1", "s3cret")


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.168.1.10", "localhost", "::1"])  # noqa: S104
def test_any_bind_address_but_loopback_is_refused(address: str) -> None:
    with pytest.raises(ConfigurationError, match=r"127\.0\.0\.1 only"):
        FakeWorkspace(bind=address)


def test_url_before_start_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="not started"):
        _ = FakeWorkspace().url


def test_llama_answer_echoes_the_user_and_reports_the_served_model(client: httpx.Client) -> None:
    body = chat(client, LLAMA, "What is Delta Lake?")
    assert body["model"] == "meta-llama-3.3-70b-instruct-121024"
    message = body["choices"][0]["message"]
    assert isinstance(message["content"], str)
    assert "What is Delta Lake?" in message["content"]
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    reference = json.loads((PAYLOADS / "ai_bridge_chat_response_llama31.json").read_text())
    assert key_paths(reference) <= key_paths(body)


def test_answers_are_deterministic(client: httpx.Client) -> None:
    assert chat(client, LLAMA, "same") == chat(client, LLAMA, "same")
    assert chat(client, LLAMA, "one") != chat(client, LLAMA, "two")


def test_invocations_path_takes_the_endpoint_from_the_path(client: httpx.Client) -> None:
    messages = [{"role": "user", "content": "via invocations"}]
    response = client.post(f"/serving-endpoints/{LLAMA}/invocations", json={"messages": messages})
    assert response.status_code == 200
    assert response.headers["served-model-name"] == LLAMA
    assert "via invocations" in response.json()["choices"][0]["message"]["content"]


def test_claude_thinking_returns_signed_reasoning_parts(client: httpx.Client) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    body = chat(client, CLAUDE, "Think first", max_tokens=2048, thinking=thinking)
    assert body["model"].startswith("us.anthropic.claude-sonnet-4-5")
    assert body["id"].startswith("msg_bdrk_")
    reasoning, text = body["choices"][0]["message"]["content"]
    assert reasoning["type"] == "reasoning"
    assert reasoning["summary"][0]["signature"]
    assert "Think first" in text["text"]
    reference = json.loads((PAYLOADS / "litellm_claude_reasoning_choices.json").read_text())
    assert key_paths(reference[0]["message"]) <= key_paths(body["choices"][0]["message"])


def test_claude_without_thinking_answers_a_plain_string(client: httpx.Client) -> None:
    assert isinstance(chat(client, CLAUDE)["choices"][0]["message"]["content"], str)


def test_gpt_oss_reasoning_has_no_signature(client: httpx.Client) -> None:
    body = chat(client, GPT_OSS, "Explain")
    reasoning, text = body["choices"][0]["message"]["content"]
    assert reasoning["type"] == "reasoning"
    assert "signature" not in reasoning["summary"][0]
    assert text == {"type": "text", "text": text["text"]}
    reference = json.loads(
        (PAYLOADS / "litellm_gptoss_reasoning_choices_no_signature.json").read_text()
    )
    assert key_paths(reference[0]["message"]) == key_paths(body["choices"][0]["message"])


def test_claude_citations_ride_inside_text_parts(client: httpx.Client) -> None:
    body = chat(client, CLAUDE, "The sky is blue.", fake_citations=True)
    (part,) = body["choices"][0]["message"]["content"]
    assert part["citations"][0]["cited_text"] == "The sky is blue."
    path = PAYLOADS / "litellm_claude_citations_choice_and_chunk.json"
    reference = json.loads(path.read_text())
    assert key_paths(reference["choice"]["message"]) <= key_paths(body["choices"][0]["message"])


def test_max_tokens_is_honoured_roughly(client: httpx.Client) -> None:
    body = chat(client, LLAMA, "a long question with many words in it", max_tokens=3)
    assert len(body["choices"][0]["message"]["content"].split()) == 3
    assert body["choices"][0]["finish_reason"] == "length"


def test_json_schema_response_format_returns_matching_json(client: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "kind": {"enum": ["person", "robot"]},
        },
        "required": ["name", "age", "tags", "kind"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "who", "schema": schema, "strict": True}}
    body = chat(client, LLAMA, "Ada", response_format=fmt, max_tokens=2)
    value = json.loads(body["choices"][0]["message"]["content"])
    assert set(value) == {"name", "age", "tags", "kind"}
    assert isinstance(value["age"], int) and value["kind"] == "person"


def test_tools_produce_a_tool_call_with_json_arguments(client: httpx.Client) -> None:
    body = chat(client, LLAMA, "Paris", tools=[WEATHER_TOOL])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"])["city"] == "Paris"


def test_tool_choice_picks_the_named_tool_and_none_disables_tools(client: httpx.Client) -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    body = chat(client, CLAUDE, "now?", tools=[WEATHER_TOOL, CLOCK_TOOL], tool_choice=named)
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_time"
    assert body["choices"][0]["message"]["tool_calls"][0]["id"].startswith("toolu_bdrk_")
    plain = chat(client, CLAUDE, "now?", tools=[WEATHER_TOOL], tool_choice="none")
    assert "tool_calls" not in plain["choices"][0]["message"]


def test_a_tool_result_in_history_gets_a_final_text_answer(client: httpx.Client) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": "{}"},
    }
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"},
    ]
    body = {"model": LLAMA, "messages": messages, "tools": [WEATHER_TOOL]}
    answer = client.post("/serving-endpoints/chat/completions", json=body).json()
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert "18C and sunny" in answer["choices"][0]["message"]["content"]


def test_llama_stream_has_cumulative_usage_and_the_same_text(client: httpx.Client) -> None:
    body = {"model": LLAMA, "messages": [{"role": "user", "content": "stream me"}]}
    chunks = stream(client, "/serving-endpoints/chat/completions", body)
    text = "".join(c["choices"][0]["delta"]["content"] for c in chunks)
    assert text == chat(client, LLAMA, "stream me")["choices"][0]["message"]["content"]
    completions = [c["usage"]["completion_tokens"] for c in chunks]
    assert completions == sorted(completions) and None not in completions
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    lines = (PAYLOADS / "ai_bridge_stream_chunks_llama31.jsonl").read_text().splitlines()
    reference = [json.loads(line) for line in lines]
    assert key_paths(reference[0]) <= key_paths(chunks[0])


def test_claude_stream_has_null_usage_until_the_last_chunk(client: httpx.Client) -> None:
    body = {"model": CLAUDE, "messages": [{"role": "user", "content": "hi"}]}
    chunks = stream(client, f"/serving-endpoints/{CLAUDE}/invocations", body)
    assert all(c["usage"]["completion_tokens"] is None for c in chunks[:-1])
    assert all(c["usage"]["prompt_tokens"] == chunks[0]["usage"]["prompt_tokens"] for c in chunks)
    last = chunks[-1]["usage"]
    assert last["total_tokens"] == last["prompt_tokens"] + last["completion_tokens"]


def test_claude_tool_stream_indexes_tool_calls_from_one(client: httpx.Client) -> None:
    body = {"model": CLAUDE, "messages": [{"role": "user", "content": "Rome"}]}
    chunks = stream(
        client, "/serving-endpoints/chat/completions", {**body, "tools": [WEATHER_TOOL]}
    )
    calls = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if "tool_calls" in c["choices"][0]["delta"]
    ]
    assert {call["index"] for call in calls} == {1}
    assert (
        calls[0]["id"].startswith("toolu_bdrk_") and calls[0]["function"]["name"] == "get_weather"
    )
    arguments = "".join(call["function"]["arguments"] for call in calls)
    assert json.loads(arguments)["city"] == "Rome"
    assert isinstance(chunks[0]["choices"][0]["delta"]["content"], str)
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    reference = [
        json.loads(line[len("data: ") :])
        for line in (PAYLOADS / "goose_databricks_claude_stream_two_tool_calls.sse")
        .read_text()
        .splitlines()
        if line.startswith("data: {")
    ]
    ours = set().union(*(key_paths(c) for c in chunks))
    theirs = set().union(*(key_paths(c) for c in reference))
    assert theirs <= ours


def test_claude_thinking_stream_sends_reasoning_parts_then_a_signature(
    client: httpx.Client,
) -> None:
    thinking = {"type": "enabled", "budget_tokens": 100}
    body = {"model": CLAUDE, "messages": [{"role": "user", "content": "x"}], "max_tokens": 500}
    chunks = stream(client, "/serving-endpoints/chat/completions", {**body, "thinking": thinking})
    parts = [c["choices"][0]["delta"]["content"] for c in chunks]
    listed = [p[0] for p in parts if isinstance(p, list)]
    assert listed and all(p["type"] == "reasoning" for p in listed)
    assert listed[-1]["summary"][0]["signature"]


def test_stream_chunk_count_is_configurable_per_request(client: httpx.Client) -> None:
    body = {"model": LLAMA, "messages": [{"role": "user", "content": "bench"}], "fake_chunks": 5000}
    chunks = stream(client, "/serving-endpoints/chat/completions", body)
    assert len(chunks) == 5000
    assert chunks[-1]["usage"]["completion_tokens"] == 4999


def test_stream_chunk_count_is_configurable_per_workspace() -> None:
    with FakeWorkspace(stream_chunks=7) as fake, httpx.Client(base_url=fake.url) as http:
        http.headers["Authorization"] = f"Bearer {fake.token}"
        body = {"model": GPT_OSS, "messages": [{"role": "user", "content": "hi"}]}
        assert len(stream(http, "/serving-endpoints/chat/completions", body)) == 7


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/serving-endpoints/embeddings", "databricks-gte-large-en"),
        ("/serving-endpoints/databricks-gte-large-en/invocations", None),
        ("/ai-gateway/mlflow/v1/embeddings", "databricks-gte-large-en"),
    ],
)
def test_embeddings_are_deterministic_1024_vectors_in_input_order(
    client: httpx.Client, path: str, model: str | None
) -> None:
    body: dict[str, Any] = {"input": ["alpha", "beta", "alpha"]}
    if model:
        body["model"] = model
    answer = client.post(path, json=body).json()
    vectors = [item["embedding"] for item in answer["data"]]
    assert [item["index"] for item in answer["data"]] == [0, 1, 2]
    assert all(len(v) == 1024 for v in vectors)
    assert vectors[0] == vectors[2] != vectors[1]
    assert answer["model"] == "gte-large-en-v1.5"
    reference = json.loads((PAYLOADS / "litellm_embedding_response_bge.json").read_text())
    assert {"object", "model", "data", "usage"} <= set(answer)
    assert set(reference["data"][0]) == set(answer["data"][0])


def test_bge_vectors_are_normalized_and_a_single_string_is_accepted(client: httpx.Client) -> None:
    body = {"model": "databricks-bge-large-en", "input": "one text"}
    (item,) = client.post("/serving-endpoints/embeddings", json=body).json()["data"]
    assert math.isclose(math.fsum(v * v for v in item["embedding"]), 1.0, rel_tol=1e-4)


def test_unknown_model_is_resource_does_not_exist(client: httpx.Client) -> None:
    response = client.post(
        "/serving-endpoints/chat/completions",
        json={"model": "nope", "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 404
    body = response.json()
    assert body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert body["message"] == "Endpoint with name 'nope' does not exist."
    assert body["details"][0]["request_id"] == response.headers["x-request-id"]
    reference = json.loads((PAYLOADS / "error_404_resource_does_not_exist.json").read_text())
    assert key_paths(reference) == key_paths(body)


def test_endpoint_list_is_realistic(client: httpx.Client) -> None:
    endpoints = client.get("/api/2.0/serving-endpoints").json()["endpoints"]
    by_name = {e["name"]: e for e in endpoints}
    ready = {e["name"]: e["task"] for e in endpoints if e["state"]["ready"] == "READY"}
    assert ready[LLAMA] == "llm/v1/chat" and ready["databricks-gte-large-en"] == "llm/v1/embeddings"
    assert [e["name"] for e in endpoints if e["state"]["ready"] == "NOT_READY"] == [
        "databricks-meta-llama-3-1-405b-instruct"
    ]
    custom = [name for name in by_name if not name.startswith("databricks-")]
    assert custom == ["acme-support-assistant"]
    single = client.get(f"/api/2.0/serving-endpoints/{CLAUDE}").json()
    assert single == by_name[CLAUDE]
    assert client.get("/api/2.0/serving-endpoints/ghost").json()["error_code"] == (
        "RESOURCE_DOES_NOT_EXIST"
    )


def test_a_not_ready_endpoint_is_temporarily_unavailable(client: httpx.Client) -> None:
    body = {"messages": [{"role": "user", "content": "x"}]}
    response = client.post(
        "/serving-endpoints/databricks-meta-llama-3-1-405b-instruct/invocations", json=body
    )
    assert response.status_code == 503
    assert response.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"


def test_ai_gateway_accepts_endpoint_and_system_ai_names(client: httpx.Client) -> None:
    for model in (LLAMA, "system.ai.meta-llama-3-3-70b-instruct"):
        body = {"model": model, "messages": [{"role": "user", "content": "gw"}]}
        answer = client.post("/ai-gateway/mlflow/v1/chat/completions", json=body)
        assert answer.json()["model"] == "meta-llama-3.3-70b-instruct-121024"
    strict = {**WEATHER_TOOL, "function": {**WEATHER_TOOL["function"], "strict": True}}
    refused = client.post(
        "/ai-gateway/mlflow/v1/chat/completions",
        json={"model": LLAMA, "messages": [{"role": "user", "content": "x"}], "tools": [strict]},
    )
    assert refused.status_code == 400 and "strict" in refused.json()["message"]


def test_ai_gateway_absent_answers_invalid_path() -> None:
    with FakeWorkspace() as fake, httpx.Client(base_url=fake.url) as http:
        http.headers["Authorization"] = f"Bearer {fake.token}"
        for path in ("/ai-gateway/mlflow/v1/chat/completions", "/ai-gateway/mlflow/v1/embeddings"):
            response = http.post(path, json={"model": LLAMA, "input": "x"})
            assert response.status_code == 404
            assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
            assert response.json()["message"] == "Invalid path"


def test_unknown_paths_are_endpoint_not_found(client: httpx.Client) -> None:
    response = client.get("/api/2.0/clusters/list")
    assert response.status_code == 404
    assert response.json()["message"] == "No API found for 'GET /api/2.0/clusters/list'"


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            {"thinking": {"type": "enabled", "budget_tokens": 900}, "max_tokens": 500},
            "budget_tokens",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "f"}}]},
            '"parameters" is a required',
        ),
        ({"max_tokens": 0}, "max_tokens"),
        ({"messages": []}, "messages"),
    ],
)
def test_invalid_chat_requests_are_bad_requests(
    client: httpx.Client, extra: dict[str, Any], fragment: str
) -> None:
    body = {"model": CLAUDE, "messages": [{"role": "user", "content": "x"}], **extra}
    response = client.post("/serving-endpoints/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert fragment in response.json()["message"]


def test_requests_are_recorded_with_the_body(ws: FakeWorkspace, client: httpx.Client) -> None:
    chat(client, LLAMA, "remember me")
    client.get("/api/2.0/serving-endpoints", params={"page_size": 5})
    posted, listed = ws.requests
    assert (posted.method, posted.path) == ("POST", "/serving-endpoints/chat/completions")
    assert posted.json is not None
    assert posted.json["messages"][0]["content"] == "remember me"
    assert posted.body_size == int(posted.headers["content-length"]) > 0
    assert posted.headers["authorization"] == "Bearer ****"
    assert ws.token not in repr(ws.requests)
    assert (listed.method, listed.query, listed.json) == ("GET", "page_size=5", None)
