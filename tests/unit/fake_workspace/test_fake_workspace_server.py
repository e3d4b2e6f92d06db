"""FakeWorkspace as a server: keep-alive, pipelining, limits, concurrency, clean shutdown, CLI."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from brickgate.testing import FakeWorkspace, Fault
from brickgate.testing.__main__ import describe, main

CHAT = "/serving-endpoints/chat/completions"
LLAMA = "databricks-meta-llama-3-3-70b-instruct"


def fake_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("FakeWorkspace:")]


def raw_request(ws: FakeWorkspace, payload: bytes) -> bytes:
    head = (
        f"POST {CHAT} HTTP/1.1\r\nHost: {ws.host}\r\nAuthorization: Bearer {ws.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def read_responses(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """Read ``count`` content-length framed responses from ``sock``."""
    buffer = b""
    answers: list[tuple[int, bytes]] = []
    while len(answers) < count:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            head = buffer[:end].decode("latin-1").split("\r\n")
            fields = dict(line.lower().split(": ", 1) for line in head[1:])
            length = int(fields["content-length"])
            if len(buffer) >= end + 4 + length:
                answers.append((int(head[0].split()[1]), buffer[end + 4 : end + 4 + length]))
                buffer = buffer[end + 4 + length :]
                continue
        data = sock.recv(65536)
        assert data, "server closed the connection early"
        buffer += data
    return answers


def test_a_request_over_4_mb_is_refused_and_the_connection_survives(
    client: httpx.Client, ws: FakeWorkspace
) -> None:
    text = "x" * (4 * 1024 * 1024)
    response = client.post(
        CHAT, json={"model": LLAMA, "messages": [{"role": "user", "content": text}]}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert "payload too large" in response.json()["message"]
    assert client.post(CHAT, json={"model": LLAMA, "messages": [{"role": "user", "content": "ok"}]})
    big, small = ws.requests
    assert big.body_size > 4 * 1024 * 1024 and big.json is None
    assert small.json is not None


def test_a_request_just_under_the_limit_is_served(client: httpx.Client) -> None:
    text = "y" * (4 * 1024 * 1024 - 200)
    body = {"model": LLAMA, "messages": [{"role": "user", "content": text}]}
    assert client.post(CHAT, json=body).status_code == 200


def test_many_sequential_requests_share_one_connection(ws: FakeWorkspace) -> None:
    payload = json.dumps({"model": LLAMA, "messages": [{"role": "user", "content": "k"}]}).encode()
    with socket.create_connection((ws.host, int(ws.url.rsplit(":", 1)[1])), timeout=5) as sock:
        for _ in range(200):
            sock.sendall(raw_request(ws, payload))
            ((status, answer),) = read_responses(sock, 1)
            assert status == 200 and json.loads(answer)["object"] == "chat.completion"
    assert len(ws.requests) == 200


def test_pipelined_requests_are_answered_in_order(ws: FakeWorkspace) -> None:
    first = json.dumps({"model": LLAMA, "messages": [{"role": "user", "content": "first"}]})
    second = json.dumps({"model": "nope", "messages": [{"role": "user", "content": "second"}]})
    with socket.create_connection((ws.host, ws.port), timeout=5) as sock:
        sock.sendall(raw_request(ws, first.encode()) + raw_request(ws, second.encode()))
        (status_a, body_a), (status_b, _) = read_responses(sock, 2)
    assert (status_a, status_b) == (200, 404)
    assert "first" in json.loads(body_a)["choices"][0]["message"]["content"]


def test_a_pipelined_request_waits_behind_a_delayed_one(ws: FakeWorkspace) -> None:
    ws.fail(Fault(delay_before_headers=0.01))
    first = json.dumps({"model": LLAMA, "messages": [{"role": "user", "content": "slow"}]})
    second = json.dumps({"model": LLAMA, "messages": [{"role": "user", "content": "fast"}]})
    with socket.create_connection((ws.host, ws.port), timeout=5) as sock:
        sock.sendall(raw_request(ws, first.encode()) + raw_request(ws, second.encode()))
        answers = [
            json.loads(body)["choices"][0]["message"]["content"]
            for _, body in read_responses(sock, 2)
        ]
    assert ["slow" in answers[0], "fast" in answers[1]] == [True, True]


def test_a_chunked_request_body_is_read(client: httpx.Client) -> None:
    parts = [
        b'{"model": "',
        LLAMA.encode(),
        b'", "messages": [{"role": "user", ',
        b'"content": "chunky"}]}',
    ]
    response = client.post(CHAT, content=iter(parts), headers={"Content-Type": "application/json"})
    assert "chunky" in response.json()["choices"][0]["message"]["content"]


def test_a_malformed_request_line_is_a_bad_request(ws: FakeWorkspace) -> None:
    with socket.create_connection((ws.host, ws.port), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        ((status, answer),) = read_responses(sock, 1)
    assert status == 400 and json.loads(answer)["error_code"] == "BAD_REQUEST"


def test_a_malformed_chunked_body_is_a_bad_request(ws: FakeWorkspace) -> None:
    head = f"POST {CHAT} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    with socket.create_connection((ws.host, ws.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"zz\r\n{}\r\n0\r\n\r\n")
        ((status, answer),) = read_responses(sock, 1)
    assert status == 400 and "chunked" in json.loads(answer)["message"]


def test_fifty_parallel_requests_are_all_answered(client: httpx.Client, ws: FakeWorkspace) -> None:
    def ask(number: int) -> str:
        body = {"model": LLAMA, "messages": [{"role": "user", "content": f"q{number}"}]}
        answer = client.post(CHAT, json=body).json()
        return str(answer["choices"][0]["message"]["content"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(ask, range(50)))
    assert all(answer.endswith(f"q{n}") for n, answer in enumerate(answers))
    assert len(ws.requests) == 50


def test_parallel_streams_and_faults_stay_per_request(ws: FakeWorkspace) -> None:
    ws.fail(Fault(status=429), times=10)
    headers = {"Authorization": f"Bearer {ws.token}"}
    with httpx.Client(base_url=ws.url, headers=headers, timeout=10) as http:

        def ask(number: int) -> int:
            body = {"model": LLAMA, "messages": [{"role": "user", "content": f"s{number}"}]}
            return http.post(CHAT, json={**body, "stream": True}).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(ask, range(40)))
    assert statuses.count(429) == 10 and statuses.count(200) == 30


def test_stop_leaves_no_thread_and_refuses_connections() -> None:
    before = fake_threads()
    fake = FakeWorkspace().start()
    url = fake.url
    assert len(fake_threads()) == len(before) + 1
    fake.stop()
    assert fake_threads() == before
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/api/2.0/serving-endpoints")


def wait_until(condition: Callable[[], bool], limit: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``limit`` seconds pass (the server runs in a thread)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_stop_drops_a_request_in_flight(ws: FakeWorkspace) -> None:
    ws.fail(Fault(delay_before_headers=30.0), path=CHAT)
    listing = f"GET /api/2.0/serving-endpoints HTTP/1.1\r\nAuthorization: Bearer {ws.token}\r\n\r\n"
    with socket.create_connection((ws.host, ws.port), timeout=5) as sock:
        sock.sendall(listing.encode() + raw_request(ws, b"{}"))
        ((status, _),) = read_responses(sock, 1)
        assert status == 200
        assert wait_until(lambda: len(ws.requests) == 2), "the pipelined request never arrived"
        ws.stop()
        try:
            leftover = sock.recv(1024)
        except ConnectionResetError:
            leftover = b""
    assert leftover == b""
    assert fake_threads() == []


def test_start_is_idempotent_and_stop_can_repeat() -> None:
    fake = FakeWorkspace()
    assert fake.start() is fake.start()
    fake.stop()
    fake.stop()
    assert fake_threads() == []


def test_describe_prints_url_credentials_and_an_example(ws: FakeWorkspace) -> None:
    out = io.StringIO()
    describe(ws, out)
    text = out.getvalue()
    assert ws.url in text and ws.token in text and ws.client_id in text
    assert "brickgate" in text and "trusted" in text


def test_main_serves_until_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    stop.set()
    assert main(["--token", "dapi-cli", "--ai-gateway", "--stream-chunks", "3"], stop=stop) == 0
    output = capsys.readouterr().out
    assert "http://127.0.0.1:" in output and "dapi-cli" in output
    assert fake_threads() == []
