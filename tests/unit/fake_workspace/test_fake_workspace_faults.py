"""FakeWorkspace scripted faults: error statuses, slow, cut, malformed, reset and huge answers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from brickgate.domain.errors import ConfigurationError
from brickgate.testing import FakeWorkspace, Fault

CHAT = "/serving-endpoints/chat/completions"
LLAMA = "databricks-meta-llama-3-3-70b-instruct"
CLAUDE = "databricks-claude-sonnet-4-5"


def body(model: str = LLAMA, stream: bool = False, text: str = "hello") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], "stream": stream}


def data_lines(text: str) -> list[str]:
    return [block[len("data: ") :] for block in text.split("\n\n") if block.startswith("data: ")]


def test_a_429_carries_retry_after_and_is_used_once(
    client: httpx.Client, ws: FakeWorkspace
) -> None:
    ws.fail(Fault(status=429, retry_after="3"))
    limited = client.post(CHAT, json=body())
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    error = limited.json()
    assert error["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert f"rate limit for {LLAMA}" in error["message"]
    assert error["details"][0]["request_id"]
    assert client.post(CHAT, json=body()).status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "BAD_REQUEST"),
        (404, "RESOURCE_DOES_NOT_EXIST"),
        (500, "INTERNAL_ERROR"),
        (503, "TEMPORARILY_UNAVAILABLE"),
        (504, "DEADLINE_EXCEEDED"),
    ],
)
def test_each_status_gets_a_databricks_error_body(
    client: httpx.Client, ws: FakeWorkspace, status: int, code: str
) -> None:
    ws.fail(Fault(status=status))
    response = client.post(CHAT, json=body())
    assert response.status_code == status
    assert response.json()["error_code"] == code


def test_an_http_date_retry_after_is_sent_verbatim(client: httpx.Client, ws: FakeWorkspace) -> None:
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    ws.fail(Fault(status=503, retry_after=date))
    assert client.post(CHAT, json=body()).headers["retry-after"] == date


def test_custom_bodies_are_sent_as_given(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(status=400, body={"error_code": "X", "message": "custom"}))
    ws.fail(Fault(status=502, body="<html><title>Bad gateway</title></html>"))
    assert client.post(CHAT, json=body()).json() == {"error_code": "X", "message": "custom"}
    html = client.post(CHAT, json=body())
    assert html.headers["content-type"] == "text/html"
    assert html.text == "<html><title>Bad gateway</title></html>"


def test_faults_match_in_order_by_path_and_model(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(status=500), model=CLAUDE)
    ws.fail(Fault(status=503), times=2, path="/serving-endpoints/*")
    ws.fail(Fault(status=404), path="/api/2.0/serving-endpoints")
    assert client.post(CHAT, json=body(CLAUDE)).status_code == 500
    assert client.post(CHAT, json=body(CLAUDE)).status_code == 503
    assert client.get("/api/2.0/serving-endpoints").status_code == 404
    assert client.post(CHAT, json=body()).status_code == 503
    assert client.post(CHAT, json=body()).status_code == 200
    assert ws.pending_faults == 0


def test_times_none_fails_until_reset(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(status=503), times=None)
    assert [client.post(CHAT, json=body()).status_code for _ in range(3)] == [503] * 3
    ws.reset()
    assert ws.requests == [] and ws.pending_faults == 0
    assert client.post(CHAT, json=body()).status_code == 200


def test_a_delay_before_headers_trips_a_shorter_client_timeout(ws: FakeWorkspace) -> None:
    ws.fail(Fault(delay_before_headers=0.3))
    headers = {"Authorization": f"Bearer {ws.token}"}
    with httpx.Client(base_url=ws.url, headers=headers, timeout=0.05) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            impatient.post(CHAT, json=body())
        impatient.timeout = httpx.Timeout(5)
        assert impatient.post(CHAT, json=body()).status_code == 200


def test_a_delayed_answer_still_arrives_whole(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(delay_before_headers=0.01))
    assert "hello" in client.post(CHAT, json=body()).json()["choices"][0]["message"]["content"]


def test_a_cut_stream_ends_cleanly_without_done(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(cut_after_chunks=2))
    response = client.post(CHAT, json=body(stream=True, text="one two three four five"))
    events = data_lines(response.text)
    assert len(events) == 2
    assert "[DONE]" not in response.text
    assert all(json.loads(event)["object"] == "chat.completion.chunk" for event in events)
    assert response.headers["connection"] == "close"


def test_a_cut_json_answer_is_truncated(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(cut_after_chunks=0))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(CHAT, json=body())


def test_a_malformed_sse_line_is_injected(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(malformed_sse_after=1))
    events = data_lines(client.post(CHAT, json=body(stream=True)).text)
    json.loads(events[0])
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[1])
    assert events[-1] == "[DONE]"


def test_invalid_json_is_a_200_that_does_not_parse(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(invalid_json=True))
    response = client.post(CHAT, json=body())
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_a_reset_before_headers_is_a_transport_error(
    client: httpx.Client, ws: FakeWorkspace
) -> None:
    ws.fail(Fault(reset_before_headers=True))
    with pytest.raises(httpx.TransportError):
        client.post(CHAT, json=body())
    assert client.post(CHAT, json=body()).status_code == 200


def test_a_reset_after_headers_breaks_the_body(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(reset_after_headers=True))
    with client.stream("POST", CHAT, json=body(stream=True)) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.TransportError):
            response.read()


def test_a_reset_after_some_chunks_keeps_what_was_sent(
    client: httpx.Client, ws: FakeWorkspace
) -> None:
    ws.fail(Fault(reset_after_headers=True, cut_after_chunks=2))
    received: list[str] = []
    request = body(stream=True, text="a b c d e f")
    with client.stream("POST", CHAT, json=request) as response, pytest.raises(httpx.TransportError):
        received.extend(line for line in response.iter_lines() if line)
    assert len(received) == 2


def test_a_huge_answer_is_larger_than_asked(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(huge_body_bytes=1_000_000), times=2)
    plain = client.post(CHAT, json=body())
    assert len(plain.content) > 1_000_000
    assert plain.json()["choices"][0]["message"]["content"].startswith("lorem ipsum")
    streamed = client.post(CHAT, json=body(stream=True))
    assert len(streamed.content) > 1_000_000
    assert data_lines(streamed.text)[-1] == "[DONE]"


def test_a_huge_fault_pads_other_json_answers(client: httpx.Client, ws: FakeWorkspace) -> None:
    ws.fail(Fault(huge_body_bytes=200_000), path="/api/2.0/serving-endpoints")
    response = client.get("/api/2.0/serving-endpoints")
    assert len(response.content) > 200_000
    assert response.json()["endpoints"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"status": 99},
        {"delay_before_headers": -1.0},
        {"cut_after_chunks": -1},
        {"huge_body_bytes": -5},
        {"retry_after": "1\r\nX-Evil: 1"},
    ],
)
def test_nonsense_faults_are_refused(arguments: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Fault(**arguments)


def test_times_below_one_is_refused(ws: FakeWorkspace) -> None:
    with pytest.raises(ConfigurationError, match="times"):
        ws.fail(Fault(status=500), times=0)
