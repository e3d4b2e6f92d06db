"""The real openai SDK against the gateway in front of FakeWorkspace."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from tests.serve.conftest import EMBEDDER, LLAMA, Running

OPEN: list[openai.OpenAI] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def sdk(gateway: Running, key: str | None = None) -> openai.OpenAI:
    client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=key or gateway.key, max_retries=0)
    OPEN.append(client)
    return client


def test_chat_completion_through_the_gateway(gateway: Running) -> None:
    reply = sdk(gateway).chat.completions.create(
        model=LLAMA, messages=[{"role": "user", "content": "hello"}]
    )
    assert reply.choices[0].message.content
    assert reply.usage is not None and reply.usage.prompt_tokens > 0
    assert gateway.ledger.count() == 1


def test_streamed_chat_completion(gateway: Running) -> None:
    stream = sdk(gateway).chat.completions.create(
        model=LLAMA, messages=[{"role": "user", "content": "hello"}], stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text


def test_embeddings_and_models(gateway: Running) -> None:
    client = sdk(gateway)
    vectors = client.embeddings.create(model=EMBEDDER, input=["a", "b"])
    assert len(vectors.data) == 2 and len(vectors.data[0].embedding) > 0
    names = [model.id for model in client.models.list()]
    assert LLAMA in names


def test_wrong_key_is_refused(gateway: Running) -> None:
    before = len(gateway.ws.requests)
    with pytest.raises(openai.AuthenticationError):
        sdk(gateway, "bgk-wrong-wrong-wrong-wrong").chat.completions.create(
            model=LLAMA, messages=[{"role": "user", "content": "hello"}]
        )
    assert len(gateway.ws.requests) == before
