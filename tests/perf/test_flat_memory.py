"""Memory that stays flat as work grows: long streams and large local batches, by counts.

Each test takes gc object counts and tracemalloc's traced bytes at 10 % of the work and at
the end; what may grow is the assembled reply text (kept compressed: this test's text
repeats, so it shrinks far more than prose would) and the batch's table of seen ids (16-32
bytes an item). No timing.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

from brickgate.client import Client
from brickgate.domain.calls import Answer
from brickgate.services.batch_items import SeenIds
from brickgate.testing._sync.fake_transport import FakeEventStream

MODEL = "databricks-meta-llama-3-3-70b-instruct"
CHAT_BODY = json.dumps(
    {
        "id": "c",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }
).encode()
TOKEN_TEXT = " tok"


def sse_pieces(chunks: int) -> Iterator[bytes]:
    """``chunks`` streamed chat events made on the fly, then ``[DONE]``."""
    base = {"id": "s", "object": "chat.completion.chunk", "model": MODEL}
    delta = {**base, "choices": [{"index": 0, "delta": {"content": TOKEN_TEXT}}]}
    event = b"data: " + json.dumps(delta).encode() + b"\n\n"
    for _ in range(chunks - 1):
        yield event
    last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    yield b"data: " + json.dumps(last).encode() + b"\n\ndata: [DONE]\n\n"


class InstantWorkspace:
    """A workspace transport answering from memory and recording nothing (a fake that, unlike
    ``FakeTransport``, keeps no log of calls, so what grows is brickgate's own)."""

    def __init__(self, stream_chunks: int = 0) -> None:
        self._answer = Answer(200, {"content-type": "application/json"}, CHAT_BODY)
        self._stream_chunks = stream_chunks

    def send(self, call: Any) -> Any:
        return call.decode(self._answer)

    def open(self, call: Any) -> Any:
        return FakeEventStream(sse_pieces(self._stream_chunks), call.reader())  # type: ignore[arg-type]

    def close(self) -> None:
        pass


class Probe:
    """gc objects and traced bytes when ``mark()`` is called, and their growth since."""

    def __init__(self) -> None:
        self.objects = 0
        self.traced = 0

    def mark(self) -> None:
        gc.collect()
        self.objects = len(gc.get_objects())
        self.traced = tracemalloc.get_traced_memory()[0]

    def growth(self) -> tuple[int, int]:
        gc.collect()
        return len(gc.get_objects()) - self.objects, tracemalloc.get_traced_memory()[
            0
        ] - self.traced


def test_a_long_stream_keeps_only_the_assembled_text() -> None:
    chunks = 200_000
    client = Client.with_transport(InstantWorkspace(stream_chunks=chunks))
    probe = Probe()
    tracemalloc.start()
    try:
        seen = 0
        with client.stream(MODEL, "Hello") as stream:
            for _ in stream:
                seen += 1
                if seen == chunks // 10:
                    probe.mark()
            objects, traced = probe.growth()
            text = stream.response.text
    finally:
        tracemalloc.stop()
        client.close()
    assert seen == chunks
    assert len(text) == len(TOKEN_TEXT) * (chunks - 1)
    kept_text = len(TOKEN_TEXT) * (chunks - chunks // 10)
    print(f"stream: {objects} objects, {traced} bytes for {kept_text} bytes of text")
    assert objects < 500
    assert traced < kept_text // 4


def test_a_large_local_batch_keeps_a_few_bytes_an_item() -> None:
    items = 30_000
    client = Client.with_transport(InstantWorkspace())
    probe = Probe()
    done = failed = 0
    tracemalloc.start()
    try:
        prompts = ((f"item-{i}", f"prompt {i}") for i in range(items))
        with client.batch(MODEL, prompts, concurrency=4, max_tokens=5) as run:
            for result in run:
                done += 1
                failed += result.error is not None
                if done == items // 10:
                    probe.mark()
                if done == items:
                    objects, traced = probe.growth()
    finally:
        tracemalloc.stop()
        client.close()
    assert (done, failed) == (items, 0)
    later = items - items // 10
    print(f"batch: {objects} objects, {traced / later:.1f} bytes an item")
    assert objects < 500
    assert traced / later < 64


def test_seen_ids_find_every_repeat_across_growth() -> None:
    seen = SeenIds(capacity=4)
    ids: list[str | int] = [*(f"id-{i}" for i in range(5000)), *range(5000), "\udcff"]
    assert all(seen.add(item_id) for item_id in ids)
    assert len(seen) == len(ids)
    assert not any(seen.add(item_id) for item_id in ids)
    assert seen.add("5001") and not seen.add(4999)
