"""FakeWorkspace over the wire: Responses and Messages paths, gateway routes, quirks and errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import brickgate
from brickgate.domain.errors import ServerError
from brickgate.testing import FakeWorkspace, Fault

CLAUDE = "databricks-claude-sonnet-4-5"
CODEX = "databricks-gpt-5-1-codex-max"
LLAMA = "databricks-meta-llama-3-3-70b-instruct"


def events(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON ``data:`` payloads of an SSE answer, checking each follows its ``event:`` line."""
    found = []
    for block in response.text.split("\n\n"):
        lines = block.strip().splitlines()
        if not lines:
            continue
        assert lines[0].startswith("event: ")
        data = json.loads(lines[1].removeprefix("data: "))
        assert lines[0] == f"event: {data['type']}"
        found.append(data)
    return found


@pytest.mark.parametrize(
    "path",
    [
        "/serving-endpoints/responses",
        "/ai-gateway/codex/v1/responses",
        "/ai-gateway/openai/v1/responses",
        "/ai-gateway/mlflow/v1/responses",
    ],
)
def test_responses_paths_answer_a_response_object(client: httpx.Client, path: str) -> None:
    body = {"model": CODEX, "input": "Hello", "store": False, "reasoning": {"effort": "low"}}

    answer = client.post(path, json=body)

    assert answer.status_code == 200, answer.text
    reply = answer.json()
    assert reply["object"] == "response" and reply["status"] == "completed"
    assert [item["type"] for item in reply["output"]] == ["reasoning", "message"]
    assert reply["output"][1]["content"][0]["text"].endswith("you said Hello")
    assert reply["usage"]["output_tokens_details"]["reasoning_tokens"] > 0
    assert len(reply["id"]) <= 64


def test_a_responses_stream_shows_the_long_id_and_item_id_quirks(client: httpx.Client) -> None:
    body = {"model": CODEX, "input": "Hello there friend", "stream": True}

    found = events(client.post("/serving-endpoints/responses", json=body))

    kinds = [event["type"] for event in found]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert [e["sequence_number"] for e in found] == list(range(len(found)))
    assert len(found[0]["response"]["id"]) > 64
    added = next(e for e in found if e["type"] == "response.output_item.added")
    delta = next(e for e in found if e["type"] == "response.output_text.delta")
    assert delta["output_index"] == added["output_index"]
    assert delta["item_id"] != added["item"]["id"]


@pytest.mark.parametrize(
    ("item", "complaint"),
    [
        ({"type": "message", "role": "assistant", "id": "msg_" + "x" * 70, "content": "a"}, "64"),
        ({"type": "message", "role": "assistant", "status": "completed", "content": "a"}, "status"),
        ({"type": "function_call", "id": "call_1", "call_id": "c", "name": "f"}, "fc_"),
        ({"role": "user", "name": "ada", "content": "hi"}, "name"),
    ],
)
def test_responses_input_is_checked_like_fmapi(
    client: httpx.Client, item: dict[str, Any], complaint: str
) -> None:
    body = {"model": CODEX, "input": [item, {"role": "user", "content": "go"}]}

    answer = client.post("/serving-endpoints/responses", json=body)

    assert answer.status_code == 400
    assert complaint in answer.json()["message"]


def test_a_messages_stream_follows_the_anthropic_event_order(client: httpx.Client) -> None:
    body = {
        "model": CLAUDE,
        "max_tokens": 2048,
        "stream": True,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [{"role": "user", "content": "Weather?"}],
    }

    found = events(client.post("/serving-endpoints/anthropic/v1/messages", json=body))

    kinds = [event["type"] for event in found]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert "ping" in kinds
    deltas = [e["delta"]["type"] for e in found if e["type"] == "content_block_delta"]
    assert {"thinking_delta", "signature_delta", "text_delta"} <= set(deltas)
    assert found[-2]["delta"]["stop_reason"] == "end_turn"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, "max_tokens"),
        (
            {
                "max_tokens": 100,
                "thinking": {"type": "enabled", "budget_tokens": 100},
                "messages": [{"role": "user", "content": "hi"}],
            },
            "budget_tokens",
        ),
    ],
)
def test_messages_errors_come_in_the_anthropic_envelope(
    client: httpx.Client, body: dict[str, Any], complaint: str
) -> None:
    answer = client.post("/serving-endpoints/anthropic/v1/messages", json={"model": CLAUDE, **body})

    assert answer.status_code == 400
    error = answer.json()
    assert error["type"] == "error"
    assert error["error"]["type"] == "invalid_request_error"
    assert complaint in error["error"]["message"]


def test_messages_refuses_a_model_that_is_not_claude(client: httpx.Client) -> None:
    body = {"model": LLAMA, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}

    answer = client.post("/ai-gateway/anthropic/v1/messages", json=body)

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"


def test_the_gateway_lists_the_anthropic_models(client: httpx.Client) -> None:
    listed = client.get("/ai-gateway/anthropic/v1/models").json()

    names = {model["id"] for model in listed["data"]}
    assert CLAUDE in names and LLAMA not in names


def test_gateway_routes_are_absent_without_the_gateway() -> None:
    with (
        FakeWorkspace() as ws,
        httpx.Client(base_url=ws.url, headers={"Authorization": f"Bearer {ws.token}"}) as http,
    ):
        answer = http.post("/ai-gateway/codex/v1/responses", json={"model": CODEX, "input": "x"})

    assert answer.status_code == 404


def test_a_chat_request_to_a_responses_only_model_gets_the_real_400(client: httpx.Client) -> None:
    body = {"model": CODEX, "messages": [{"role": "user", "content": "hi"}]}

    answer = client.post("/serving-endpoints/chat/completions", json=body)

    assert answer.status_code == 400
    assert answer.json()["message"] == (
        f"Bad Request: Model {CODEX} only supports the Responses API. Please use "
        "/serving-endpoints/responses instead."
    )


def test_switching_protocols_makes_a_model_responses_only(
    ws: FakeWorkspace, client: httpx.Client
) -> None:
    body = {"model": LLAMA, "messages": [{"role": "user", "content": "hi"}]}
    assert client.post("/serving-endpoints/chat/completions", json=body).status_code == 200

    ws.serve_protocols(LLAMA, "responses")

    assert client.post("/serving-endpoints/chat/completions", json=body).status_code == 400
    with pytest.raises(brickgate.ConfigurationError, match="unknown protocol"):
        ws.serve_protocols(LLAMA, "grpc")


@pytest.mark.parametrize("tags", ['{"team": 1}', "[]", "not json"])
def test_malformed_request_tags_are_refused(client: httpx.Client, tags: str) -> None:
    body = {"model": CODEX, "input": "hi"}
    headers = {"Databricks-Ai-Gateway-Request-Tags": tags}

    answer = client.post("/serving-endpoints/responses", json=body, headers=headers)

    assert answer.status_code == 400
    assert "Request-Tags" in answer.json()["message"]


def test_an_overloaded_fault_on_messages_answers_529_in_anthropic_form(
    ws: FakeWorkspace, client: httpx.Client
) -> None:
    ws.fail(Fault(status=529), path="/serving-endpoints/anthropic/v1/messages")
    body = {"model": CLAUDE, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}

    answer = client.post("/serving-endpoints/anthropic/v1/messages", json=body)

    assert answer.status_code == 529
    assert answer.json()["error"]["type"] == "overloaded_error"


@pytest.mark.parametrize("protocol", ["chat", "responses", "messages"])
def test_overloaded_mid_stream_is_a_retryable_server_error(
    ws: FakeWorkspace, protocol: str
) -> None:
    ws.fail(Fault(overloaded_after=3), model=CLAUDE)
    with brickgate.Client(
        host=ws.url, token=ws.token, trusted_hosts=("127.0.0.1",), max_retries=0
    ) as client:
        stream = client.stream(CLAUDE, "Tell me a long story", protocol=protocol, max_tokens=256)
        with pytest.raises(ServerError, match="Overloaded"), stream:
            for _ in stream:
                pass


def test_a_cached_answer_does_not_skip_the_tags_check(client: httpx.Client) -> None:
    body = {"model": CODEX, "input": "same body"}
    good = {"Databricks-Ai-Gateway-Request-Tags": '{"team": "search"}'}
    bad = {"Databricks-Ai-Gateway-Request-Tags": '{"team": 7}'}

    assert client.post("/serving-endpoints/responses", json=body, headers=good).status_code == 200
    assert client.post("/serving-endpoints/responses", json=body, headers=bad).status_code == 400
