"""The public AsyncClient over httpx.MockTransport serving recorded Databricks payloads."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

import brickgate
from brickgate.client import AsyncClient
from brickgate.domain.catalog import Availability
from brickgate.testing import FakeClock
from tests.unit.test_client import (
    CHAT_PATH,
    CLAUDE,
    EMBED_PATH,
    HOST,
    LIST_PATH,
    LLAMA,
    TOKEN,
    MockWorkspace,
    error_response,
    payload,
)
from tests.unit.test_streams import make_async_client


@pytest.fixture
def ws() -> MockWorkspace:
    return MockWorkspace()


@pytest.fixture
def aclient(ws: MockWorkspace) -> AsyncClient:
    return make_async_client(ws, max_retries=0)


class TestChat:
    async def test_request_and_decoded_reply(self, aclient: AsyncClient, ws: MockWorkspace) -> None:
        reply = await aclient.chat(LLAMA, "Hello", max_completion_tokens=50)
        (request,) = ws.requests
        assert str(request.url) == HOST + CHAT_PATH
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["user-agent"].startswith("brickgate/")
        body = json.loads(request.content)
        assert body == {
            "model": LLAMA,
            "messages": [{"role": "user", "content": "Hello"}],
            "max_tokens": 50,
        }
        assert reply.model == "meta-llama-3.1-70b-instruct-072424"
        assert reply.text.endswith("329,511,111.6")
        assert reply.usage is not None and reply.usage.total_tokens == 66
        assert [a.rule for a in reply.adjustments] == ["rename_max_completion_tokens"]

    async def test_reasoning_without_signature(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        (choice,) = payload("litellm_gptoss_reasoning_choices_no_signature.json")
        ws.script(
            CHAT_PATH, httpx.Response(200, json={"model": "gpt-oss-120b", "choices": [choice]})
        )
        reply = await aclient.chat("databricks-gpt-oss-120b", "Hi")
        assert reply.text == "Response without signature"
        assert reply.reasoning == "i'm thinking without signature."

    async def test_errors_are_mapped(self, aclient: AsyncClient, ws: MockWorkspace) -> None:
        ws.script(CHAT_PATH, error_response(404, payload("error_404_resource_does_not_exist.json")))
        with pytest.raises(brickgate.NotFoundError) as caught:
            await aclient.chat(LLAMA, "Hi")
        assert caught.value.request_id == "28e113da-9127-4b02-b211-c08df9e8e397"

    async def test_timeouts_are_brickgate_timeouts(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        def slow(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        ws.script(CHAT_PATH, slow)
        with pytest.raises(brickgate.TimeoutError):
            await aclient.chat(LLAMA, "Hi", timeout=1.0)
        assert ws.requests[0].extensions["timeout"]["read"] == 1.0

    @pytest.mark.parametrize("model", ["../../api/2.0/x", "..", "a/b"])
    async def test_path_escaping_models_send_nothing(
        self, aclient: AsyncClient, ws: MockWorkspace, model: str
    ) -> None:
        with pytest.raises(brickgate.InvalidRequestError):
            await aclient.chat(model, "Hi")
        with pytest.raises(brickgate.InvalidRequestError):
            await aclient.embed(model, "Hi")
        with pytest.raises(brickgate.InvalidRequestError):
            await aclient.endpoint(model)
        assert ws.requests == []

    async def test_concurrent_calls_share_one_client(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        replies = await asyncio.wait_for(
            asyncio.gather(*(aclient.chat(LLAMA, f"question {i}") for i in range(10))), 5
        )
        assert len({reply.text for reply in replies}) == 1
        sent = sorted(json.loads(r.content)["messages"][0]["content"] for r in ws.requests)
        assert sent == sorted(f"question {i}" for i in range(10))


class TestEmbedEndpointsModels:
    async def test_vectors_in_input_order(self, aclient: AsyncClient, ws: MockWorkspace) -> None:
        reply = await aclient.embed("databricks-bge-large-en", ["a", "bb"])
        assert reply.vectors == [[0.0, 1.0], [1.0, 2.0]]
        assert ws.requests[0].url.path == EMBED_PATH

    async def test_endpoints_and_one_endpoint(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        endpoints = await aclient.endpoints()
        assert [e.name for e in endpoints][:2] == [LLAMA, CLAUDE]
        assert ws.requests[0].url.path == LIST_PATH
        with pytest.raises(brickgate.NotFoundError):
            await aclient.endpoint("missing-endpoint")

    async def test_models_merge(self, aclient: AsyncClient) -> None:
        entries = {entry.name: entry for entry in await aclient.models()}
        assert entries[LLAMA].availability is Availability.SERVED
        assert entries[CLAUDE].availability is Availability.NOT_READY
        assert entries["acme-support-assistant"].availability is Availability.UNKNOWN
        everything = {entry.name for entry in await aclient.models(include_retired=True)}
        assert "databricks-dbrx-instruct" in everything - set(entries)


class TestRetriesAndLifecycle:
    async def test_a_503_then_200_succeeds(self, ws: MockWorkspace) -> None:
        clock = FakeClock()
        aclient = make_async_client(ws, max_retries=2, clock=clock)
        body = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "Retry later."}
        ws.script(CHAT_PATH, error_response(503, body))
        reply = await aclient.chat(LLAMA, "Hi")
        assert reply.text
        assert len(ws.requests) == 2
        (wait,) = clock.sleeps
        assert 0.375 <= wait <= 0.5

    async def test_retry_after_then_give_up(self, ws: MockWorkspace) -> None:
        clock = FakeClock()
        aclient = make_async_client(ws, max_retries=1, clock=clock)
        body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        ws.script(EMBED_PATH, *(error_response(429, body, {"retry-after": "2"}) for _ in range(2)))
        with pytest.raises(brickgate.RateLimitError) as caught:
            await aclient.embed("databricks-bge-large-en", "x")
        assert caught.value.retry_after == 2.0
        assert clock.sleeps == [2.0]
        assert len(ws.requests) == 2

    async def test_the_context_manager_closes(self, ws: MockWorkspace) -> None:
        async with make_async_client(ws) as aclient:
            await aclient.chat(LLAMA, "Hi")
        with pytest.raises(brickgate.BrickgateError):
            await aclient.chat(LLAMA, "Hi again")
        assert len(ws.requests) == 1

    async def test_no_credentials_fails_at_construction(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")
        with pytest.raises(brickgate.NoCredentialsError):
            AsyncClient()

    async def test_from_login(self) -> None:
        aclient = AsyncClient.from_login(f"myws.cloud.databricks.com::{TOKEN}")
        assert aclient.resolution.credential.host.name == "myws.cloud.databricks.com"
