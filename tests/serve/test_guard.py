"""What the gateway admits: the key, the Host header, body sizes; health, metrics, the ledger."""

from __future__ import annotations

import httpx
import pytest

from brickgate.domain.errors import ConfigurationError
from brickgate.serve.server import allowed_hosts, check_bind, is_loopback
from tests.serve.conftest import LLAMA, Running

CHAT = {"model": LLAMA, "messages": [{"role": "user", "content": "hi"}]}


def post(gateway: Running, path: str, **kwargs: object) -> httpx.Response:
    return httpx.post(gateway.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer nope-nope-nope-nope"},
        {"x-api-key": "nope-nope-nope-nope"},
        {"authorization": "Basic abc"},
    ],
)
def test_a_wrong_or_missing_key_gets_401_and_reaches_nothing(
    gateway: Running, headers: dict[str, str]
) -> None:
    answer = post(gateway, "/v1/chat/completions", json=CHAT, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "authentication_error"
    assert gateway.ws.requests == []
    assert gateway.ledger.count() == 0


def test_both_key_headers_are_accepted(gateway: Running) -> None:
    for headers in ({"authorization": f"Bearer {gateway.key}"}, {"x-api-key": gateway.key}):
        assert post(gateway, "/v1/chat/completions", json=CHAT, headers=headers).status_code == 200


def test_a_foreign_host_header_is_refused(gateway: Running) -> None:
    headers = {"x-api-key": gateway.key, "host": "evil.example.com"}
    answer = post(gateway, "/v1/chat/completions", json=CHAT, headers=headers)
    assert answer.status_code == 421
    assert gateway.ws.requests == []
    port = gateway.url.rsplit(":", 1)[1]
    local = {"x-api-key": gateway.key, "host": f"localhost:{port}"}
    assert post(gateway, "/v1/chat/completions", json=CHAT, headers=local).status_code == 200


def test_a_body_over_the_limit_is_refused_with_413(gateway: Running) -> None:
    huge = b'{"model": "x", "messages": [], "pad": "' + b"a" * (33 * 1024 * 1024) + b'"}'
    answer = post(gateway, "/v1/messages", content=huge, headers={"x-api-key": gateway.key})
    assert answer.status_code == 413
    assert answer.json()["error"]["type"] == "request_too_large"
    assert gateway.ws.requests == []


def test_healthz_needs_no_key_and_metrics_count_requests(gateway: Running) -> None:
    assert httpx.get(gateway.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(gateway.url + "/metrics").status_code == 401
    headers = {"x-api-key": gateway.key}
    reply = post(gateway, "/v1/chat/completions", json=CHAT, headers=headers)
    assert reply.status_code == 200
    text = httpx.get(gateway.url + "/metrics", headers=headers).text
    assert (
        f'brickgate_gateway_requests_total{{model="{LLAMA}",protocol="chat",status="200"}} 1.0'
        in text
    )
    prompt = reply.json()["usage"]["prompt_tokens"]
    tokens = f'brickgate_gateway_tokens_total{{direction="in",model="{LLAMA}",protocol="chat"}}'
    assert f"{tokens} {float(prompt)}" in text
    assert "brickgate_gateway_request_seconds_bucket" in text
    assert "brickgate_gateway_in_flight 0.0" in text


def test_the_ledger_holds_one_row_per_request(gateway: Running) -> None:
    headers = {"x-api-key": gateway.key}
    post(gateway, "/v1/chat/completions", json=CHAT, headers=headers)
    post(gateway, "/v1/chat/completions", json={**CHAT, "model": "no-such-model"}, headers=headers)
    gateway.stop()
    totals = {t.group: t for t in gateway.ledger.totals(since=0, by="model")}
    assert totals[LLAMA].requests == 1 and totals[LLAMA].errors == 0
    assert totals[LLAMA].prompt_tokens > 0
    assert totals["no-such-model"].errors == 1


def test_adjustments_are_reported_in_a_header(gateway: Running) -> None:
    body = {**CHAT, "max_tokens": 10**7}
    answer = post(gateway, "/v1/chat/completions", json=body, headers={"x-api-key": gateway.key})
    assert answer.status_code == 200
    assert "max_tokens" in answer.headers["x-brickgate-adjustments"]
    assert gateway.ws.requests[-1].json["max_tokens"] < 10**7


def test_binding_rules() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")  # noqa: S104
    check_bind("127.0.0.1", allow_remote=False, key_given=False)
    with pytest.raises(ConfigurationError, match="--allow-remote"):
        check_bind("10.0.0.5", allow_remote=False, key_given=True)
    with pytest.raises(ConfigurationError, match="--key-env"):
        check_bind("10.0.0.5", allow_remote=True, key_given=False)
    check_bind("10.0.0.5", allow_remote=True, key_given=True)
    assert allowed_hosts("10.0.0.5", 80) == frozenset({"10.0.0.5", "10.0.0.5:80"})
    assert "localhost:8787" in allowed_hosts("127.0.0.1", 8787)
