"""The clients measured: raw httpx (the reference), brickgate and the openai SDK, sync and async.

Each system imports its library lazily (inside the methods) so that the import scenario times
exactly the statement in ``imports``. Sync systems implement ``setup/chat/stream``; async ones
``asetup/achat/astream/aclose``. ``stream(n)`` returns the number of chunks seen.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from bench import CHAT_PATH, CHUNKS_HEADER, MAX_TOKENS, MESSAGES, MODEL, TOKEN, request_body

_HEADERS = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
TICK_EVERY = 10_000
"""``stream(n, tick)`` calls ``tick(seen)`` after every this many chunks."""
Tick = Callable[[int], None] | None


class Unsupported(Exception):
    """The system cannot run here (e.g. an optional library is not installed)."""


class SSECounter:
    """What a raw client does with a stream: split events on blank lines, parse each JSON."""

    def __init__(self) -> None:
        self.buf = b""
        self.count = 0

    def feed(self, piece: bytes) -> None:
        *events, self.buf = (self.buf + piece).split(b"\n\n")
        for event in events:
            if event.startswith(b"data: ") and event[6:] != b"[DONE]":
                json.loads(event[6:])
                self.count += 1


class HttpxSystem:
    """Reference: ``httpx.Client``, prebuilt body, ``json.loads``, a minimal SSE split."""

    label = "httpx (raw reference)"
    imports = "import httpx, json"
    is_async = False

    def setup(self, base: str) -> None:
        import httpx

        self.client = httpx.Client(base_url=base, headers=_HEADERS)
        self.body = request_body()
        self.stream_body = request_body(stream=True)

    def chat(self) -> str:
        response = self.client.post(CHAT_PATH, content=self.body)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        text: str = json.loads(response.content)["choices"][0]["message"]["content"]
        return text

    def stream(self, n: int, tick: Tick = None) -> int:
        counter = SSECounter()
        headers = {CHUNKS_HEADER: str(n)}
        next_tick = TICK_EVERY
        with self.client.stream(
            "POST", CHAT_PATH, content=self.stream_body, headers=headers
        ) as response:
            for piece in response.iter_bytes():
                counter.feed(piece)
                if tick is not None and counter.count >= next_tick:
                    tick(counter.count)
                    next_tick += TICK_EVERY
        return counter.count


class AsyncHttpxSystem:
    """Reference for async: ``httpx.AsyncClient`` with its default pool limits."""

    label = "httpx async (raw reference)"
    imports = "import httpx, json"
    is_async = True

    async def asetup(self, base: str) -> None:
        import httpx

        self.client = httpx.AsyncClient(base_url=base, headers=_HEADERS)
        self.body = request_body()
        self.stream_body = request_body(stream=True)

    async def achat(self) -> str:
        response = await self.client.post(CHAT_PATH, content=self.body)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        text: str = json.loads(response.content)["choices"][0]["message"]["content"]
        return text

    async def astream(self, n: int) -> int:
        counter = SSECounter()
        headers = {CHUNKS_HEADER: str(n)}
        async with self.client.stream(
            "POST", CHAT_PATH, content=self.stream_body, headers=headers
        ) as response:
            async for piece in response.aiter_bytes():
                counter.feed(piece)
        return counter.count

    async def aclose(self) -> None:
        await self.client.aclose()


def _brickgate_options(base: str) -> dict[str, Any]:
    return {
        "host": base,
        "token": TOKEN,
        "trusted_hosts": ["127.0.0.1"],
        "surface": "serving-endpoints",
    }


class BrickgateSystem:
    """``brickgate.Client`` through its public API (stream chunks assembled, as users get them)."""

    label = "brickgate"
    imports = "import brickgate"
    is_async = False

    def setup(self, base: str) -> None:
        import brickgate

        self.client = brickgate.Client(**_brickgate_options(base))

    def chat(self) -> str:
        return self.client.chat(MODEL, MESSAGES, max_tokens=MAX_TOKENS).text

    def stream(self, n: int, tick: Tick = None) -> int:
        seen = 0
        headers = {CHUNKS_HEADER: str(n)}
        with self.client.stream(
            MODEL, MESSAGES, max_tokens=MAX_TOKENS, extra_headers=headers
        ) as stream:
            for _ in stream:
                seen += 1
                if tick is not None and seen % TICK_EVERY == 0:
                    tick(seen)
            stream.response  # noqa: B018 - what users read last: the assembled reply
        return seen


class AsyncBrickgateSystem:
    """``brickgate.AsyncClient`` with ``environment`` (``BRICKGATE_*`` settings) applied first."""

    label = "brickgate async"
    imports = "import brickgate"
    is_async = True
    environment: tuple[tuple[str, str], ...] = ()

    async def asetup(self, base: str) -> None:
        os.environ.update(dict(self.environment))
        import brickgate

        self.client = brickgate.AsyncClient(**_brickgate_options(base))

    async def achat(self) -> str:
        return (await self.client.chat(MODEL, MESSAGES, max_tokens=MAX_TOKENS)).text

    async def astream(self, n: int) -> int:
        seen = 0
        headers = {CHUNKS_HEADER: str(n)}
        async with self.client.stream(
            MODEL, MESSAGES, max_tokens=MAX_TOKENS, extra_headers=headers
        ) as stream:
            async for _ in stream:
                seen += 1
        return seen

    async def aclose(self) -> None:
        await self.client.aclose()


class AsyncBrickgateHttpxSystem(AsyncBrickgateSystem):
    """``brickgate.AsyncClient`` forced onto httpx (``BRICKGATE_HTTP_BACKEND=httpx``)."""

    label = "brickgate async on httpx"
    environment = (("BRICKGATE_HTTP_BACKEND", "httpx"),)


class AsyncBrickgateCappedSystem(AsyncBrickgateSystem):
    """``brickgate.AsyncClient`` on httpx with at most 10 requests in flight."""

    label = "brickgate async on httpx, max_in_flight=10"
    environment = (("BRICKGATE_HTTP_BACKEND", "httpx"), ("BRICKGATE_MAX_IN_FLIGHT", "10"))


class InstantTransport:
    """A workspace transport answering every chat at once from memory, recording nothing:
    what is left is brickgate's own cost per batch item."""

    def __init__(self) -> None:
        from brickgate.domain.calls import Answer

        body = json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
            }
        ).encode()
        self._answer = Answer(200, {"content-type": "application/json"}, body)

    def send(self, call: Any) -> Any:
        return call.decode(self._answer)

    def open(self, call: Any) -> Any:
        raise NotImplementedError("the batch bench does not stream")

    def close(self) -> None:
        pass


def missing_library(name: str) -> str | None:
    """Why system ``name`` cannot run here (its optional library is absent), or ``None``."""
    from importlib.util import find_spec

    library: str | None = getattr(SYSTEMS[name], "requires", None)
    if library is None or find_spec(library) is not None:
        return None
    return f"{library} is not installed (pip install {library})"


def _openai() -> Any:
    try:
        import openai
    except ImportError as exc:
        raise Unsupported("openai is not installed (pip install openai)") from exc
    return openai


class OpenAISystem:
    """The openai SDK pointed at ``<host>/serving-endpoints`` (as databricks-openai does)."""

    label = "openai SDK"
    imports = "from openai import OpenAI"
    requires = "openai"
    is_async = False

    def setup(self, base: str) -> None:
        self.client = _openai().OpenAI(base_url=base + "/serving-endpoints", api_key=TOKEN)

    def chat(self) -> str:
        reply = self.client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=MAX_TOKENS
        )
        text: str = reply.choices[0].message.content
        return text

    def stream(self, n: int) -> int:
        chunks = self.client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            max_tokens=MAX_TOKENS,
            stream=True,
            extra_headers={CHUNKS_HEADER: str(n)},
        )
        return sum(1 for _ in chunks)


class AsyncOpenAISystem:
    """``openai.AsyncOpenAI``."""

    label = "openai SDK async"
    imports = "from openai import AsyncOpenAI"
    requires = "openai"
    is_async = True

    async def asetup(self, base: str) -> None:
        self.client = _openai().AsyncOpenAI(base_url=base + "/serving-endpoints", api_key=TOKEN)

    async def achat(self) -> str:
        reply = await self.client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=MAX_TOKENS
        )
        text: str = reply.choices[0].message.content
        return text

    async def astream(self, n: int) -> int:
        chunks = await self.client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            max_tokens=MAX_TOKENS,
            stream=True,
            extra_headers={CHUNKS_HEADER: str(n)},
        )
        return len([chunk async for chunk in chunks])

    async def aclose(self) -> None:
        await self.client.close()


SYSTEMS: dict[str, type[Any]] = {
    "httpx": HttpxSystem,
    "brickgate": BrickgateSystem,
    "openai": OpenAISystem,
    "httpx-async": AsyncHttpxSystem,
    "brickgate-async": AsyncBrickgateSystem,
    "brickgate-httpx": AsyncBrickgateHttpxSystem,
    "brickgate-cap10": AsyncBrickgateCappedSystem,
    "openai-async": AsyncOpenAISystem,
}
REFERENCE = {name: "httpx-async" if SYSTEMS[name].is_async else "httpx" for name in SYSTEMS}
