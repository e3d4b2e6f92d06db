"""Hostile loopback servers end in typed errors in bounded time and memory; no secret echoed."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import brickgate
from tests.faults import hostile
from tests.faults.hostile import DEEP, TOKEN, Behaviour, reply, serving

TIMEOUT = 1.0
MODEL = "databricks-meta-llama-3-3-70b-instruct"
ROOT = Path(__file__).resolve().parents[2]

KINDS = ["sync", "async"]


def _client_options(url: str, **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "host": url,
        "token": TOKEN,
        "trusted_hosts": ["127.0.0.1"],
        "timeout": TIMEOUT,
        "max_retries": 0,
    }
    options.update(overrides)
    return options


def _sync(action: str, options: dict[str, Any]) -> None:
    with brickgate.Client(**options) as client:
        if action == "chat":
            client.chat(MODEL, "hi")
        elif action == "stream":
            with client.stream(MODEL, "hi") as stream:
                for _ in stream:
                    pass
        else:
            client.embed("databricks-gte-large-en", "x")


async def _async(action: str, options: dict[str, Any]) -> None:
    async with brickgate.AsyncClient(**options) as client:
        if action == "chat":
            await client.chat(MODEL, "hi")
        elif action == "stream":
            async with client.stream(MODEL, "hi") as stream:
                async for _ in stream:
                    pass
        else:
            await client.embed("databricks-gte-large-en", "x")


def failure(kind: str, action: str, behaviour: Behaviour, **overrides: Any) -> tuple[Any, float]:
    """The error a client of ``kind`` raises doing ``action`` against ``behaviour``, and the
    seconds the call took."""
    with serving(behaviour) as url:
        options = _client_options(url, **overrides)
        started = time.monotonic()
        try:
            if kind == "sync":
                _sync(action, options)
            else:
                asyncio.run(_async(action, options))
        except brickgate.BrickgateError as error:
            elapsed = time.monotonic() - started
            _assert_nothing_of_the_request_reachable(error)
            return error, elapsed
    pytest.fail("the hostile server did not make the call fail")


def _assert_nothing_of_the_request_reachable(error: BaseException) -> None:
    seen: BaseException | None = error
    while seen is not None:
        assert isinstance(seen, brickgate.BrickgateError), f"{type(seen)} is reachable"
        assert not any(
            type(v).__module__.startswith(("httpx", "httpcore")) for v in vars(seen).values()
        )
        seen = seen.__cause__ or seen.__context__


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ["chat", "stream"])
def test_trickled_headers_end_at_the_deadline(kind: str, action: str) -> None:
    error, elapsed = failure(kind, action, hostile.trickled_headers)
    assert isinstance(error, brickgate.TimeoutError)
    assert elapsed < 2 * TIMEOUT


@pytest.mark.parametrize("kind", KINDS)
def test_a_trickled_body_ends_at_the_deadline(kind: str) -> None:
    error, elapsed = failure(kind, "chat", hostile.trickled_body)
    assert isinstance(error, brickgate.TimeoutError)
    assert elapsed < 2 * TIMEOUT


@pytest.mark.parametrize("kind", KINDS)
def test_silence_after_stream_headers_ends_at_the_clients_timeout(kind: str) -> None:
    error, elapsed = failure(kind, "stream", hostile.silent_stream)
    assert isinstance(error, brickgate.TimeoutError)
    assert "no data event" in str(error)
    assert elapsed < 2 * TIMEOUT


@pytest.mark.parametrize("kind", KINDS)
def test_endless_keep_alive_comments_do_not_keep_a_stream_open(kind: str) -> None:
    error, elapsed = failure(kind, "stream", hostile.endless_comments)
    assert isinstance(error, brickgate.TimeoutError)
    assert elapsed < 2 * TIMEOUT


@pytest.mark.parametrize("kind", KINDS)
def test_a_long_retry_after_gives_up_at_once_and_says_how_long(kind: str) -> None:
    behaviour = reply(b"503 Service Unavailable", b"busy", b"Retry-After: 30")
    error, elapsed = failure(kind, "chat", behaviour, max_retries=2)
    assert isinstance(error, brickgate.ServerError)
    assert "asked to wait 30 s" in str(error)
    assert elapsed < 2 * TIMEOUT


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("action", "behaviour", "expected"),
    [
        ("chat", reply(b"200 OK", DEEP, b"Content-Type: application/json"), "TransportError"),
        ("chat", reply(b"500 Oops", DEEP, b"Content-Type: application/json"), "ServerError"),
        (
            "stream",
            reply(b"200 OK", b"data: " + DEEP + b"\n\n", b"Content-Type: text/event-stream"),
            "StreamError",
        ),
    ],
)
def test_deep_json_is_a_typed_error(
    kind: str, action: str, behaviour: Behaviour, expected: str
) -> None:
    error, _ = failure(kind, action, behaviour)
    assert type(error).__name__ == expected


@pytest.mark.parametrize("kind", KINDS)
def test_a_gzip_stream_is_refused_when_identity_was_asked(kind: str) -> None:
    behaviour = reply(
        b"200 OK",
        b"\x1f\x8b",
        b"Content-Type: text/event-stream",
        b"Content-Encoding: gzip",
    )
    error, _ = failure(kind, "stream", behaviour)
    assert isinstance(error, brickgate.StreamError)
    assert "identity" in str(error)


ECHOES: dict[str, tuple[str, Behaviour]] = {
    "200-not-json": (
        "chat",
        reply(b"200 OK", b"<html>echo: {auth}</html>", b"Content-Type: text/html"),
    ),
    "malformed-sse": (
        "stream",
        reply(b"200 OK", b"data: {oops {auth}\n\n", b"Content-Type: text/event-stream"),
    ),
    "sse-error-payload": (
        "stream",
        reply(
            b"200 OK",
            b'data: {"error": {"message": "bad token {auth}"}}\n\n',
            b"Content-Type: text/event-stream",
        ),
    ),
    "401-text": ("chat", reply(b"401 Unauthorized", b"token {auth} is not valid here")),
    "401-json": (
        "chat",
        reply(
            b"401 Unauthorized",
            b'{"error_code": "UNAUTHENTICATED", "message": "Invalid token: {auth}"}',
            b"Content-Type: application/json",
        ),
    ),
    "401-reason": ("chat", reply(b"401 {auth}", b"")),
    "location": (
        "chat",
        reply(b"302 Found", b"", b"Location: https://evil.example/cb?token={auth}"),
    ),
    "500-echo-header": ("embed", reply(b"500 Oops", b"{auth}", b"X-Echo: {auth}")),
}


def _leaks(text: str) -> bool:
    windows = {TOKEN[i : i + 12] for i in range(len(TOKEN) - 11)}
    return any(window in text for window in windows)


def _texts(error: BaseException) -> list[str]:
    texts: list[str] = []
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), *(repr(v) for v in vars(seen).values())]
        seen = seen.__cause__ or seen.__context__
    return texts


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(ECHOES))
def test_an_echoed_token_appears_nowhere(
    kind: str, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "httpcore.http11", "httpcore.connection", "brickgate"):
        caplog.set_level(logging.DEBUG, logger=name)
    action, behaviour = ECHOES[case]
    error, _ = failure(kind, action, behaviour)
    assert isinstance(error, brickgate.RemoteError)
    assert not any(_leaks(text) for text in _texts(error))
    assert "http" in caplog.text.lower()
    assert not _leaks(caplog.text)


MEMORY_SCRIPT = """
import asyncio, resource, sys, time
import brickgate
from tests.faults.test_hostile_servers import _async, _client_options, _sync

kind, action, url = sys.argv[1:4]

def vm_bytes():
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no VmSize")

options = _client_options(url)
cap = vm_bytes() + 400 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    if kind == "sync":
        _sync(action, options)
    else:
        asyncio.run(_async(action, options))
except brickgate.BrickgateError as error:
    print(type(error).__name__)
except MemoryError:
    print("MemoryError")
"""


def _in_a_capped_process(kind: str, action: str, behaviour: Behaviour) -> str:
    """The error's class name, from a client in a process whose memory is capped at +400 MiB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serving(behaviour) as url:
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, kind, action, url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


CAPPED: dict[str, tuple[str, Callable[[], Behaviour], str]] = {
    "endless-body": ("chat", lambda: hostile.endless_body, "ResponseTooLargeError"),
    "endless-event": ("stream", lambda: hostile.endless_event, "ResponseTooLargeError"),
    "gzip-bomb-chat": (
        "chat",
        lambda: hostile.gzip_bomb(b"application/json"),
        "ResponseTooLargeError",
    ),
    "gzip-bomb-stream": ("stream", lambda: hostile.gzip_bomb(b"text/event-stream"), "StreamError"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(CAPPED))
def test_endless_and_bomb_answers_end_typed_under_a_memory_cap(kind: str, case: str) -> None:
    action, behaviour, expected = CAPPED[case]
    assert _in_a_capped_process(kind, action, behaviour()) == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ["chat", "stream"])
def test_the_deadline_holds_on_the_httpx2_backend_too(
    kind: str, action: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("httpx2")
    monkeypatch.setenv("BRICKGATE_HTTP_BACKEND", "httpx2")
    behaviour = hostile.trickled_body if action == "chat" else hostile.endless_comments
    error, elapsed = failure(kind, action, behaviour)
    assert isinstance(error, brickgate.TimeoutError)
    assert elapsed < 2 * TIMEOUT
