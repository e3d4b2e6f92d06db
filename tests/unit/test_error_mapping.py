"""Error answers to brickgate errors: every recorded body, code-first mapping, Retry-After."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

import httpx
import pytest

from brickgate.domain.error_mapping import (
    error_class,
    error_from_response,
    error_from_stream_payload,
    parse_retry_after,
    retry_after_from_headers,
)
from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from tests.conftest import DATA

PAYLOADS = DATA / "payloads"
NOW = 1_700_000_000.0


def from_body(status: int, body: bytes | str, headers: dict[str, str] | None = None) -> ApiError:
    raw = body.encode() if isinstance(body, str) else body
    return error_from_response(status, headers or {}, raw, now=NOW)


@dataclass(frozen=True)
class Example:
    source: str
    status: int | None
    text: str


def issue_examples() -> list[Example]:
    """Every ``text:`` line of error_text_messages_from_issues.txt with its block's status."""
    examples: list[Example] = []
    source, status = "", None
    for line in (PAYLOADS / "error_text_messages_from_issues.txt").read_text().splitlines():
        key, _, value = line.partition(": ")
        if key == "source":
            source, status = value.split()[0], None
        elif key == "status":
            status = int(value.split()[0])
        elif key == "text":
            examples.append(Example(source, status, value))
    return examples


# source URL -> (class, error_code, the message brickgate must keep). Statuses come from the file;
# the guardrail texts have no recorded status (UNCONFIRMED), so a 400 is assumed for them.
EXPECTED: dict[str, tuple[type[ApiError], str | None, str]] = {
    "https://github.com/databricks/databricks-sdk-go/issues/1183": (
        BadRequestError,
        None,
        "Bad request: rpc error: code = InvalidArgument desc = max_tokens (10000) cannot exceed "
        "8192. Please reduce the length of max output tokens generated.",
    ),
    "https://github.com/cline/cline/issues/6515": (
        BadRequestError,
        "BAD_REQUEST",
        "messages.1.reasoning_details: Extra inputs are not permitted",
    ),
    "https://github.com/anthropics/claude-code/issues/14007": (
        NotFoundError,
        None,
        "Path must be of form /serving-endpoints/<endpoint_name>/invocations or "
        "/serving-endpoints/<endpoint_name>/served-models/<served_model_name>/invocations",
    ),
    "https://github.com/databricks/databricks-sdk-py/issues/1263": (
        BadRequestError,
        None,
        'Bad request: json: unknown field "inputs"',
    ),
    "https://github.com/posit-dev/querychat/issues/273": (
        BadRequestError,
        None,
        'Bad request: "parameters" is a required property for "function" object in parameter '
        '"tools"',
    ),
    "https://github.com/leonardovida/duckdb-ai/issues/85": (
        BadRequestError,
        "BAD_REQUEST",
        "Model eu.anthropic.claude-opus-5 does not support the temperature parameter.",
    ),
    "https://github.com/n8n-io/n8n/pull/38642": (
        RateLimitError,
        "REQUEST_LIMIT_EXCEEDED",
        "Exceeded workspace QPS rate limit for databricks-qwen35-122b-a10b. Please use a "
        "provisioned throughput Foundation Model APIs endpoint for a higher rate limit.",
    ),
    "https://github.com/databricks/unity-gateway/issues/66": (BadRequestError, None, ""),
}


def test_every_issue_example_has_an_expectation() -> None:
    examples = issue_examples()
    assert len(examples) == 9
    assert {e.source for e in examples} == set(EXPECTED)


@pytest.mark.parametrize("example", issue_examples(), ids=lambda e: e.text[:40])
def test_issue_example_maps_to_its_class_and_keeps_its_message(example: Example) -> None:
    cls, code, message = EXPECTED[example.source]
    status = example.status or 400
    error = from_body(status, example.text)
    assert type(error) is cls
    assert error.status == status
    assert error.error_code == code
    assert error.message == (message or example.text)


class TestRecordedJsonBodies:
    def test_404_resource_does_not_exist(self) -> None:
        error = from_body(404, (PAYLOADS / "error_404_resource_does_not_exist.json").read_bytes())
        assert type(error) is NotFoundError
        assert error.error_code == "RESOURCE_DOES_NOT_EXIST"
        assert (
            error.message == "Endpoint with name 'dbdemos_customer_churn_endpoint' does not exist."
        )
        assert error.request_id == "28e113da-9127-4b02-b211-c08df9e8e397"

    def test_403_permission_denied(self) -> None:
        error = from_body(403, (PAYLOADS / "error_403_permission_denied.json").read_bytes())
        assert type(error) is PermissionDeniedError
        assert error.message == "User does not have permission 'View' on Endpoint gte-large-en"
        assert error.request_id == "428ce5e0-e679-9122-a53d-9f7a94676212"
        assert "428ce5e0" in str(error)

    def test_400_nested_provider_message_is_unwrapped(self) -> None:
        body = (PAYLOADS / "error_400_bad_request_claude_thinking.json").read_bytes()
        error = from_body(400, body)
        assert type(error) is BadRequestError
        assert error.error_code == "BAD_REQUEST"
        assert error.message.startswith(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult"
        )


class TestClassSelection:
    def test_error_code_wins_over_status(self) -> None:
        body = json.dumps({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "gone"})
        assert type(from_body(400, body)) is NotFoundError

    @pytest.mark.parametrize(
        ("code", "cls"),
        [
            ("NOT_FOUND", NotFoundError),
            ("ENDPOINT_NOT_FOUND", NotFoundError),
            ("RESOURCE_EXHAUSTED", RateLimitError),
            ("TOO_MANY_REQUESTS", RateLimitError),
            ("UNAUTHENTICATED", AuthenticationError),
            ("INVALID_PARAMETER_VALUE", BadRequestError),
            ("MALFORMED_REQUEST", BadRequestError),
            ("INVALID_REQUEST", BadRequestError),
            ("ALREADY_EXISTS", ConflictError),
            ("RESOURCE_ALREADY_EXISTS", ConflictError),
            ("RESOURCE_CONFLICT", ConflictError),
            ("INTERNAL_ERROR", ServerError),
            ("TEMPORARILY_UNAVAILABLE", ServerError),
            ("DEADLINE_EXCEEDED", ServerError),
            ("rate_limit_exceeded", RateLimitError),
        ],
    )
    def test_code_table(self, code: str, cls: type[ApiError]) -> None:
        assert error_class(code, 418) is cls

    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (400, BadRequestError),
            (401, AuthenticationError),
            (403, PermissionDeniedError),
            (404, NotFoundError),
            (409, ConflictError),
            (429, RateLimitError),
            (500, ServerError),
            (503, ServerError),
            (504, ServerError),
            (418, ApiError),
        ],
    )
    def test_status_fallback(self, status: int, cls: type[ApiError]) -> None:
        assert type(from_body(status, json.dumps({"error_code": "SOMETHING_NEW"}))) is cls


class TestBodyForms:
    def test_legacy_error_string(self) -> None:
        error = from_body(401, '{"error": "Invalid access token."}')
        assert (type(error), error.message) == (AuthenticationError, "Invalid access token.")

    def test_openai_envelope(self) -> None:
        body = {"error": {"message": "bad thing", "type": "invalid_request_error", "code": None}}
        error = from_body(422, json.dumps(body))
        assert (type(error), error.message, error.error_code) == (
            BadRequestError,
            "bad thing",
            "invalid_request_error",
        )

    def test_oauth_error_description(self) -> None:
        body = {"error": "invalid_client", "error_description": "Client authentication failed"}
        error = from_body(401, json.dumps(body))
        assert (error.error_code, error.message) == (
            "invalid_client",
            "Client authentication failed",
        )

    def test_message_only(self) -> None:
        error = from_body(500, '{"message": "model crashed"}')
        assert (type(error), error.message, error.error_code) == (
            ServerError,
            "model crashed",
            None,
        )

    def test_html_pre_is_used_never_raw_html(self) -> None:
        page = "<html><head><title>Error 502</title></head><body><pre>Bad &amp; gateway\n</pre>"
        error = from_body(502, page)
        assert error.message == "Bad & gateway"
        assert "<" not in str(error)

    def test_html_title_when_no_pre(self) -> None:
        page = "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>"
        assert from_body(503, page).message == "503 Service Unavailable"

    def test_html_without_text_falls_back_to_the_reason_phrase(self) -> None:
        assert from_body(502, "<html><body><div></div></body></html>").message == "Bad Gateway"

    @pytest.mark.parametrize(
        ("status", "phrase"), [(429, "Too Many Requests"), (500, "Internal Server Error")]
    )
    def test_empty_body_gives_the_reason_phrase(self, status: int, phrase: str) -> None:
        assert from_body(status, b"  ").message == phrase

    def test_unknown_status_with_empty_body(self) -> None:
        assert "599" in from_body(599, b"").message

    def test_invalid_utf8_is_replaced_not_raised(self) -> None:
        assert from_body(400, b"Bad request: \xff\xfe").message.startswith("Bad request: ")

    def test_json_without_known_keys_is_summarised(self) -> None:
        error = from_body(400, '{"weird": 1}')
        assert "unrecognised error body" in error.message

    def test_huge_body_is_truncated(self) -> None:
        error = from_body(500, "x" * 100_000)
        assert len(error.message) < 1100

    def test_request_id_from_headers(self) -> None:
        error = from_body(500, "", {"x-request-id": "rid-1"})
        assert error.request_id == "rid-1"
        error = from_body(500, "", {"x-databricks-request-id": "rid-2"})
        assert error.request_id == "rid-2"

    def test_secrets_in_server_messages_are_redacted(self) -> None:
        token = "dapi" + "0123456789abcdef" * 2
        error = from_body(401, f"Bad token {token}; header was Bearer {token}")
        assert token not in str(error)
        assert "[REDACTED" in error.message


class TestRetryAfter:
    def test_rate_limit_carries_retry_after_seconds(self) -> None:
        error = from_body(429, "REQUEST_LIMIT_EXCEEDED: slow", {"retry-after": "7"})
        assert isinstance(error, RateLimitError)
        assert error.retry_after == 7.0

    def test_retry_after_ms_is_preferred(self) -> None:
        headers = {"retry-after-ms": "1500", "retry-after": "9"}
        assert retry_after_from_headers(headers, now=NOW) == 1.5

    def test_case_insensitive_headers(self) -> None:
        headers = httpx.Headers({"Retry-After": "3", "X-Request-Id": "abc"})
        error = error_from_response(429, headers, b"", now=NOW)
        assert isinstance(error, RateLimitError)
        assert (error.retry_after, error.request_id) == (3.0, "abc")

    def test_no_header_means_unknown(self) -> None:
        error = from_body(429, "")
        assert isinstance(error, RateLimitError) and error.retry_after is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("5", 5.0),
            (" 2.5 ", 2.5),
            ("0", 0.0),
            ("-3", 0.0),
            (format_datetime(datetime.fromtimestamp(NOW + 30, timezone.utc), usegmt=True), 30.0),
            (format_datetime(datetime.fromtimestamp(NOW - 30, timezone.utc), usegmt=True), 0.0),
            ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),
            ("soon", None),
            ("nan", None),
            ("inf", None),
            ("", None),
            (None, None),
        ],
    )
    def test_parse(self, value: str | None, expected: float | None) -> None:
        assert parse_retry_after(value, now=NOW) == expected


class TestStreamPayloads:
    def test_normal_chunk_is_not_an_error(self) -> None:
        assert error_from_stream_payload({"choices": [], "message": "x"}) is None
        assert error_from_stream_payload({"id": "c", "usage": {}}) is None

    def test_code_gives_class_and_its_status(self) -> None:
        error = error_from_stream_payload({"error_code": "NOT_FOUND", "message": "nope"})
        assert type(error) is NotFoundError
        assert error is not None and error.status == 404

    def test_declared_status_is_used(self) -> None:
        error = error_from_stream_payload({"message": "overloaded", "status_code": 503})
        assert type(error) is ServerError
        assert error is not None and error.status == 503

    def test_unknown_error_is_a_server_error(self) -> None:
        error = error_from_stream_payload({"error": "something broke"})
        assert type(error) is ServerError
        assert error is not None and (error.status, error.message) == (500, "something broke")
