"""Statement calls through the sync and async HTTP drivers over httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from brickgate.adapters.tokens._async.static import AsyncStaticTokenSource
from brickgate.adapters.tokens._sync.static import StaticTokenSource
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._async.policies import AsyncAuthenticatedTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.adapters.transport._sync.policies import AuthenticatedTransport
from brickgate.domain.calls import Call, Retry
from brickgate.domain.calls.statements import cancel_call, decode_status, poll_call, submit_call
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    ApiError,
    ConnectError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sql import StatementRequest, StatementStatus
from brickgate.testing import FakeClock

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
TOKEN = Secret("dapi0123456789abcdef0123456789abcdef")
STATEMENTS = "/api/2.0/sql/statements"
PENDING = {"statement_id": "01ef-abc", "status": {"state": "PENDING"}}
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler answering every request with ``answer`` and recording it."""

    def __init__(self, answer: httpx.Response | Exception) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    @property
    def paths(self) -> list[str]:
        return [request.url.raw_path.decode() for request in self.requests]


def statement_call(name: str, argument: Any) -> Call[Any]:
    if name == "submit":
        return submit_call(argument)
    if name == "get":
        return poll_call(argument)
    return cancel_call(argument)


class Driver:
    """Either driver (behind the auth policy with a static token), called the same way."""

    def __init__(self, kind: str, handler: Handler) -> None:
        self.kind = kind
        if kind == "sync":
            self.sync = HttpTransport(
                httpx.Client(transport=httpx.MockTransport(handler)), HOST, FakeClock()
            )
            self.authed = AuthenticatedTransport(self.sync, StaticTokenSource(TOKEN))
        else:
            self.async_ = AsyncHttpTransport(
                httpx.AsyncClient(transport=httpx.MockTransport(handler)), HOST, FakeClock()
            )
            self.async_authed = AsyncAuthenticatedTransport(
                self.async_, AsyncStaticTokenSource(TOKEN)
            )

    async def call(self, name: str, argument: Any) -> Any:
        call = statement_call(name, argument)
        if self.kind == "sync":
            return self.authed.send(call)
        return await self.async_authed.send(call)

    async def close(self) -> None:
        if self.kind == "sync":
            self.authed.close()
        else:
            await self.async_authed.aclose()


KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@KINDS
async def test_submit_sends_the_statement_inline_as_json_arrays(kind: str) -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    driver = Driver(kind, recorder)
    status = await driver.call("submit", StatementRequest("SELECT 1", "wh-1", "10s"))
    assert status == StatementStatus("01ef-abc", "PENDING")
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == HOST.url + STATEMENTS
    assert json.loads(request.content) == {
        "statement": "SELECT 1",
        "warehouse_id": "wh-1",
        "wait_timeout": "10s",
        "on_wait_timeout": "CONTINUE",
        "disposition": "INLINE",
        "format": "JSON_ARRAY",
    }
    assert request.headers["authorization"] == "Bearer " + TOKEN.get_secret_value()
    assert request.headers["content-type"] == "application/json"
    await driver.close()


@KINDS
async def test_get_and_cancel_send_the_id_as_one_path_segment(kind: str) -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    driver = Driver(kind, recorder)
    await driver.call("get", "a/../b?c")
    assert await driver.call("cancel", "a/../b?c") is None
    assert recorder.paths == [
        f"{STATEMENTS}/a%2F..%2Fb%3Fc",
        f"{STATEMENTS}/a%2F..%2Fb%3Fc/cancel",
    ]
    assert [r.method for r in recorder.requests] == ["GET", "POST"]
    assert "content-type" not in recorder.requests[0].headers
    await driver.close()


@KINDS
@pytest.mark.parametrize("statement_id", ["", " ", ".", ".."])
async def test_an_id_that_would_change_the_path_sends_nothing(kind: str, statement_id: str) -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    driver = Driver(kind, recorder)
    with pytest.raises(InvalidRequestError, match="statement id"):
        await driver.call("get", statement_id)
    with pytest.raises(InvalidRequestError, match="statement id"):
        await driver.call("cancel", statement_id)
    assert recorder.requests == []
    await driver.close()


BAD_ANSWERS: list[tuple[int, dict[str, Any], type[Exception]]] = [
    (400, {"json": {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "gone"}}, NotFoundError),
    (429, {"headers": {"retry-after": "7"}, "json": {"message": "slow"}}, RateLimitError),
    (302, {"headers": {"location": "https://login.example.com/"}}, ApiError),
    (200, {"text": "<html>login</html>"}, TransportError),
    (200, {"json": {"statement_id": "x"}}, TransportError),
]


@KINDS
@pytest.mark.parametrize(("status", "answer", "error"), BAD_ANSWERS)
async def test_bad_answers_are_brickgate_errors(
    kind: str, status: int, answer: dict[str, Any], error: type[Exception]
) -> None:
    recorder = Recorder(httpx.Response(status, **answer))
    driver = Driver(kind, recorder)
    with pytest.raises(error) as caught:
        await driver.call("get", "01ef-abc")
    assert TOKEN.get_secret_value() not in str(caught.value)
    assert len(recorder.requests) == 1
    if isinstance(caught.value, RateLimitError):
        assert caught.value.retry_after == 7.0
    await driver.close()


@KINDS
@pytest.mark.parametrize(
    ("raised", "error"),
    [
        (httpx.ConnectError("refused"), ConnectError),
        (httpx.ReadTimeout("slow"), TimeoutError),
        (httpx.RemoteProtocolError("peer closed"), TransportError),
    ],
)
async def test_httpx_exceptions_are_translated(
    kind: str, raised: Exception, error: type[Exception]
) -> None:
    driver = Driver(kind, Recorder(raised))
    with pytest.raises(error, match="submitting a statement") as caught:
        await driver.call("submit", StatementRequest("SELECT 1", "wh-1"))
    assert TOKEN.get_secret_value() not in str(caught.value)
    await driver.close()


@KINDS
async def test_a_closed_transport_sends_nothing(kind: str) -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    driver = Driver(kind, recorder)
    await driver.close()
    await driver.close()
    with pytest.raises(TransportError, match="closed"):
        await driver.call("get", "01ef-abc")
    assert recorder.requests == []


def test_statement_calls_say_when_they_may_be_repeated() -> None:
    assert submit_call(StatementRequest("SELECT 1", "w")).retry == Retry.UNSTARTED
    assert poll_call("s1").retry == Retry.ALWAYS
    assert cancel_call("s1").retry == Retry.ALWAYS
    assert poll_call("s1").max_retries is None
    assert poll_call("s1", max_retries=5).max_retries == 5
    operations = [
        submit_call(StatementRequest("SELECT 1", "w")).operation,
        poll_call("s1").operation,
        cancel_call("s1").operation,
    ]
    assert operations == ["statement-submit", "statement-poll", "statement-cancel"]


def test_decode_status_reads_the_error_and_the_rows() -> None:
    body = {
        "statement_id": "s1",
        "status": {
            "state": "failed",
            "sql_state": "42P01",
            "error": {"error_code": "BAD_REQUEST", "message": "no table"},
        },
        "result": {"data_array": [["1", "a"], "junk", ["2", None]]},
    }
    assert decode_status(body) == StatementStatus(
        "s1", "FAILED", "BAD_REQUEST", "no table", "42P01", (("1", "a"), ("2", None))
    )


def test_repr_names_the_host_only() -> None:
    driver = Driver("async", Recorder(httpx.Response(200, json=PENDING)))
    assert repr(driver.async_) == f"AsyncHttpTransport(host={HOST.url!r})"
    assert TOKEN.get_secret_value() not in repr(driver.async_authed)
    sync = Driver("sync", Recorder(httpx.Response(200, json=PENDING)))
    assert repr(sync.sync) == f"HttpTransport(host={HOST.url!r})"
