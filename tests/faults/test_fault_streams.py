"""Streams that break on the wire: cut mid-way, malformed SSE, reset after headers."""

from __future__ import annotations

import pytest

import brickgate
from brickgate.testing import FakeWorkspace, Fault
from tests.faults.conftest import CHAT, CLAUDE, LLAMA, AsyncClientFactory, ClientFactory, paths


def full_texts(make_client: ClientFactory, model: str) -> list[str]:
    """The chunk texts of an unbroken stream for ``model``."""
    with make_client(max_retries=0).stream(model, "Hello") as stream:
        return [chunk.text for chunk in stream]


@pytest.mark.parametrize("cut", [1, 3])
def test_a_stream_cut_mid_way_raises_with_the_partial_text(
    ws: FakeWorkspace, make_client: ClientFactory, cut: int
) -> None:
    texts = full_texts(make_client, LLAMA)
    ws.fail(Fault(cut_after_chunks=cut), times=1)
    received: list[str] = []
    stream = make_client(max_retries=3).stream(LLAMA, "Hello")
    with pytest.raises(brickgate.StreamError, match=r"\[DONE\]") as caught, stream:
        received.extend(chunk.text for chunk in stream)
    assert received == texts[:cut]
    assert caught.value.partial is not None
    assert caught.value.partial.text == "".join(texts[:cut])
    assert paths(ws, CHAT) == 2


def test_reading_the_response_of_a_cut_stream_raises_too(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(cut_after_chunks=2), times=1)
    with pytest.raises(brickgate.StreamError) as caught:
        make_client(max_retries=0).stream(CLAUDE, "Hello").response  # noqa: B018
    assert caught.value.partial is not None
    assert caught.value.partial.text
    assert caught.value.partial.finish_reason is None


def test_malformed_sse_is_a_stream_error_with_what_arrived(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    texts = full_texts(make_client, LLAMA)
    ws.fail(Fault(malformed_sse_after=2), times=1)
    with pytest.raises(brickgate.StreamError, match="malformed") as caught:
        make_client(max_retries=0).stream(LLAMA, "Hello").response  # noqa: B018
    assert caught.value.partial is not None
    assert caught.value.partial.text == "".join(texts[:2])


def test_a_reset_after_headers_breaks_the_stream(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(reset_after_headers=True), times=1)
    with pytest.raises(brickgate.StreamError) as caught:
        make_client(max_retries=2).stream(LLAMA, "Hello").response  # noqa: B018
    assert caught.value.partial is not None
    assert paths(ws, CHAT) == 1


def test_an_invalid_json_stream_is_a_stream_error(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(invalid_json=True), times=1)
    with pytest.raises(brickgate.StreamError):
        make_client(max_retries=0).stream(LLAMA, "Hello").response  # noqa: B018


def test_the_next_stream_after_a_broken_one_works(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    client = make_client(max_retries=0)
    ws.fail(Fault(cut_after_chunks=1), times=1)
    with pytest.raises(brickgate.StreamError):
        client.stream(LLAMA, "Hello").response  # noqa: B018
    assert "you said Hello" in client.stream(LLAMA, "Hello").response.text


async def test_an_async_stream_cut_mid_way_keeps_the_partial_text(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.fail(Fault(cut_after_chunks=3), times=1)
    aclient = make_async_client(max_retries=0)
    received: list[str] = []
    with pytest.raises(brickgate.StreamError) as caught:
        async with aclient.stream(LLAMA, "Hello") as stream:
            async for chunk in stream:
                received.append(chunk.text)
    assert caught.value.partial is not None
    assert caught.value.partial.text == "".join(received)
    assert len(received) == 3


async def test_async_malformed_sse(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.fail(Fault(malformed_sse_after=1), times=1)
    with pytest.raises(brickgate.StreamError) as caught:
        await make_async_client(max_retries=0).stream(LLAMA, "Hello").get_response()
    assert caught.value.partial is not None
