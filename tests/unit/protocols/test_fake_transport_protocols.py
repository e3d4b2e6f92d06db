"""The fake transports answer every protocol out of the box, in that protocol's own shape."""

from __future__ import annotations

from dataclasses import replace

import pytest

from brickgate import AsyncClient, Client
from brickgate.domain.catalog import BUILTIN_MODELS, Catalog
from brickgate.testing import AsyncFakeTransport, FakeTransport

CASES = [
    ("databricks-gpt-5-1", "chat", "chat", "stream"),
    ("databricks-gpt-5-1", "responses", "responses", "responses-stream"),
    ("databricks-claude-sonnet-4-5", "messages", "messages", "messages-stream"),
]


@pytest.mark.parametrize(("model", "protocol", "operation", "stream_operation"), CASES)
def test_canned_reply_and_stream_name_the_model(
    model: str, protocol: str, operation: str, stream_operation: str
) -> None:
    fake = FakeTransport()
    with Client.with_transport(fake) as client:
        reply = client.chat(model, "Hi", protocol=protocol)
        with client.stream(model, "Hi", protocol=protocol) as stream:
            streamed = "".join(chunk.text for chunk in stream)
        final = stream.response

    assert reply.text == f"This is a canned reply from the fake {model} endpoint."
    assert streamed == reply.text
    assert reply.finish_reason == final.finish_reason == "stop"
    assert reply.usage is not None and reply.usage.total_tokens == 11
    assert [call.operation for call in fake.calls] == [operation, stream_operation]


async def test_async_fake_answers_a_codex_model_over_responses() -> None:
    fake = AsyncFakeTransport()
    async with AsyncClient.with_transport(fake) as client:
        reply = await client.chat("databricks-gpt-5-1-codex-max", "Hi")
        async with client.stream("databricks-gpt-5-1-codex-max", "Hi") as stream:
            streamed = "".join([chunk.text async for chunk in stream])

    assert "databricks-gpt-5-1-codex-max" in reply.text
    assert streamed == reply.text
    assert [call.operation for call in fake.calls] == ["responses", "responses-stream"]
    assert [a.rule for a in reply.adjustments] == ["protocol"]


def test_a_model_the_catalog_marks_responses_only_goes_over_responses() -> None:
    gpt = next(spec for spec in BUILTIN_MODELS if spec.id == "databricks-gpt-5-1")
    agent = replace(gpt, id="acme-agent-model", protocols=("responses",))
    fake = FakeTransport()
    with Client.with_transport(fake, catalog=Catalog([agent])) as client:
        reply = client.chat("acme-agent-model", "Hi")

    assert [call.operation for call in fake.calls] == ["responses"]
    assert reply.adjustments[0].detail == "acme-agent-model only supports the Responses API"
