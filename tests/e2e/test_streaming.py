"""E2E streaming and async calls through the public Client and AsyncClient."""

from __future__ import annotations

import pytest

import brickgate
from tests.e2e.models import CHAT_MODEL, CLAUDE_MODEL

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]


def test_sync_stream_assembles_the_chunks(client: brickgate.Client) -> None:
    messages = [{"role": "user", "content": "Count from one to five in words."}]

    with client.stream(CHAT_MODEL, messages, max_tokens=64) as stream:
        chunks = list(stream)
    final = stream.response

    assert len(chunks) > 1
    assert "".join(chunk.text for chunk in chunks) == final.text
    assert final.text.strip()
    assert final.finish_reason == "stop"
    assert final.usage is not None
    assert final.usage.total_tokens > 0


async def test_async_stream_assembles_the_chunks(async_client: brickgate.AsyncClient) -> None:
    messages = [{"role": "user", "content": "Name three primary colours."}]

    async with async_client.stream(CLAUDE_MODEL, messages, max_tokens=64) as stream:
        chunks = [chunk async for chunk in stream]
    final = stream.response

    assert len(chunks) > 1
    assert "".join(chunk.text for chunk in chunks) == final.text
    assert final.text.strip()
    assert final.finish_reason == "stop"
    assert final.usage is not None
    assert final.usage.completion_tokens > 0


async def test_async_chat_returns_the_reply(async_client: brickgate.AsyncClient) -> None:
    reply = await async_client.chat(CHAT_MODEL, "Say hello from asyncio.", max_tokens=64)

    assert reply.text.strip()
    assert reply.finish_reason == "stop"
    assert reply.model != CHAT_MODEL
