"""Messages and Responses through the gateway with the real SDKs: translated and passed through."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from tests.serve.conftest import CLAUDE, CODEX, LLAMA, Running

GPT = "databricks-gpt-5-mini"
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


OPEN: list[anthropic.Anthropic | openai.OpenAI] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def claude_sdk(gateway: Running) -> anthropic.Anthropic:
    client = anthropic.Anthropic(base_url=gateway.url, auth_token=gateway.key, max_retries=0)
    OPEN.append(client)
    return client


def openai_sdk(gateway: Running) -> openai.OpenAI:
    client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=gateway.key, max_retries=0)
    OPEN.append(client)
    return client


def test_messages_for_a_llama_model_are_translated(gateway: Running) -> None:
    reply = claude_sdk(gateway).messages.create(
        model=LLAMA,
        max_tokens=100,
        system="Be brief.",
        messages=[{"role": "user", "content": "hello"}],
    )
    assert reply.type == "message" and reply.content[0].type == "text"
    assert reply.content[0].text and reply.stop_reason == "end_turn"
    assert reply.usage.input_tokens > 0
    sent = gateway.ws.requests[-1].json
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}


def test_streamed_messages_for_a_llama_model(gateway: Running) -> None:
    with claude_sdk(gateway).messages.stream(
        model=LLAMA, max_tokens=100, messages=[{"role": "user", "content": "hello"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.content[0].text == text


def test_a_tool_round_trip_over_messages(gateway: Running) -> None:
    client = claude_sdk(gateway)
    first = client.messages.create(
        model=LLAMA,
        max_tokens=200,
        tools=[WEATHER],
        messages=[{"role": "user", "content": "weather in Paris?"}],
    )
    assert first.stop_reason == "tool_use"
    use = next(block for block in first.content if block.type == "tool_use")
    assert use.name == "get_weather"
    second = client.messages.create(
        model=LLAMA,
        max_tokens=200,
        tools=[WEATHER],
        messages=[
            {"role": "user", "content": "weather in Paris?"},
            {"role": "assistant", "content": [b.model_dump() for b in first.content]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}],
            },
        ],
    )
    assert "sunny" in second.content[0].text


def test_a_tool_round_trip_over_chat_completions(gateway: Running) -> None:
    client = openai_sdk(gateway)
    tools = [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": WEATHER["input_schema"]},
        }
    ]
    messages: list = [{"role": "user", "content": "weather in Paris?"}]
    first = client.chat.completions.create(model=LLAMA, messages=messages, tools=tools)
    call = first.choices[0].message.tool_calls[0]
    assert first.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather"
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    second = client.chat.completions.create(model=LLAMA, messages=messages, tools=tools)
    assert "sunny" in second.choices[0].message.content


def test_responses_for_a_llama_model_are_translated(gateway: Running) -> None:
    client = openai_sdk(gateway)
    reply = client.responses.create(model=LLAMA, instructions="Be brief.", input="hello")
    assert reply.output_text and reply.status == "completed"
    assert reply.usage is not None and reply.usage.input_tokens > 0
    with client.responses.stream(model=LLAMA, input="hello") as stream:
        final = stream.get_final_response()
    assert final.output_text


def test_messages_for_claude_pass_through_unchanged(gateway: Running) -> None:
    body = {
        "model": CLAUDE,
        "max_tokens": 10**6,
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}],
            }
        ],
    }
    answer = httpx.post(
        f"{gateway.url}/v1/messages",
        json=body,
        headers={"x-api-key": gateway.key, "anthropic-version": "2023-06-01"},
    )
    assert answer.status_code == 200
    reply = answer.json()
    assert reply["type"] == "message" and reply["content"][0]["text"]
    assert "max_tokens" in answer.headers["x-brickgate-adjustments"]
    sent = gateway.ws.requests[-1]
    assert sent.path == "/serving-endpoints/anthropic/v1/messages"
    assert sent.json["messages"] == body["messages"] and sent.json["max_tokens"] < 10**6
    with claude_sdk(gateway).messages.stream(
        model=CLAUDE, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.content[0].text == text
    streamed = gateway.ws.requests[-1]
    assert streamed.path == "/serving-endpoints/anthropic/v1/messages" and streamed.json["stream"]
    gateway.stop()
    rows = gateway.ledger.totals(since=0, by="model")
    usage = reply["usage"]
    assert [(r.group, r.requests, r.prompt_tokens, r.completion_tokens) for r in rows] == [
        (
            CLAUDE,
            2,
            usage["input_tokens"] + final.usage.input_tokens,
            usage["output_tokens"] + final.usage.output_tokens,
        )
    ]


def test_responses_for_gpt_pass_through_and_codex_chat_is_translated(gateway: Running) -> None:
    client = openai_sdk(gateway)
    reply = client.responses.create(model=GPT, input="hi", store=False)
    assert reply.output_text and reply.status == "completed"
    sent = gateway.ws.requests[-1]
    assert sent.path == "/serving-endpoints/responses"
    assert sent.json["input"] == "hi" and sent.json["store"] is False
    with client.responses.stream(model=GPT, input="hi") as stream:
        assert stream.get_final_response().output_text
    assert gateway.ws.requests[-1].json["stream"] is True
    chat = client.chat.completions.create(model=CODEX, messages=[{"role": "user", "content": "hi"}])
    translated = gateway.ws.requests[-1]
    assert translated.path == "/serving-endpoints/responses" and "messages" not in translated.json
    text = chat.choices[0].message.content
    assert text
    chunks = client.chat.completions.create(
        model=CODEX, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == text


def test_errors_come_back_in_each_protocols_shape(gateway: Running) -> None:
    with pytest.raises(anthropic.NotFoundError) as anthropic_error:
        claude_sdk(gateway).messages.create(
            model="no-such-model", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert anthropic_error.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError) as openai_error:
        openai_sdk(gateway).chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "x"}]
        )
    assert openai_error.value.code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(openai.BadRequestError):
        openai_sdk(gateway).responses.create(model=LLAMA, input="x", previous_response_id="resp_1")
    bad = httpx.post(
        f"{gateway.url}/v1/messages", content=b"not json", headers={"x-api-key": gateway.key}
    )
    assert bad.status_code == 400 and bad.json()["type"] == "error"
    missing = httpx.post(
        f"{gateway.url}/v1/messages", json={}, headers={"x-api-key": "wrong-key-wrong-key"}
    )
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "authentication_error"
