"""The OAuth grant calls: form bodies, client auth, and errors that say what to run."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from brickgate.domain.calls import FORM_TYPE, Call
from brickgate.domain.calls.answers import json_answer
from brickgate.domain.calls.oauth import IssuedToken
from brickgate.domain.calls.oauth_grants import (
    authorization_code_call,
    refresh_token_call,
    token_exchange_call,
)
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import AuthenticationError, ServerError
from brickgate.domain.hosts import WorkspaceHost

HOST = WorkspaceHost.parse("example.cloud.databricks.com")
REFRESH = "doau-refresh-secret-0123456789"


def form(call: Call[IssuedToken]) -> dict[str, str]:
    request = call.request
    assert (request.method, request.path, request.content_type) == (
        "POST",
        ("oidc", "v1", "token"),
        FORM_TYPE,
    )
    assert request.auth is None
    return {k: v[0] for k, v in parse_qs((request.content or b"").decode()).items()}


def test_authorization_code_grant_sends_the_verifier_and_client_id() -> None:
    call = authorization_code_call(
        HOST,
        client_id="databricks-cli",
        code=Secret("code-1"),
        verifier=Secret("verifier-1"),
        redirect_uri="http://localhost:8020",
    )
    assert form(call) == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "code_verifier": "verifier-1",
        "redirect_uri": "http://localhost:8020",
        "client_id": "databricks-cli",
    }
    assert "verifier-1" not in repr(call.request.auth)


def test_refresh_grant_and_a_dead_refresh_token() -> None:
    call = refresh_token_call(
        HOST,
        client_id="databricks-cli",
        refresh_token=Secret(REFRESH),
        login_command="brickgate login --browser --profile p",
    )
    assert form(call) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": "databricks-cli",
    }
    answer = json_answer(
        {"error": "invalid_grant", "error_description": "Refresh token is invalid"}, 401
    )
    error = call.fail(answer)
    assert isinstance(error, AuthenticationError)
    assert "brickgate login --browser --profile p" in str(error)
    assert "Refresh token is invalid" in str(error)
    assert REFRESH not in str(error)


def test_refresh_answer_keeps_a_rotated_refresh_token_as_a_secret() -> None:
    call = refresh_token_call(HOST, client_id="c", refresh_token=Secret(REFRESH), login_command="x")
    issued = call.decode(
        json_answer({"access_token": "a1", "expires_in": "1800", "refresh_token": "r2"})
    )
    assert issued.expires_in == 1800
    assert issued.refresh_token == Secret("r2")
    assert "r2" not in repr(issued)


@pytest.mark.parametrize("client_id", [None, "sp-app-id"])
def test_token_exchange_form(client_id: str | None) -> None:
    call = token_exchange_call(HOST, subject_token=Secret("eyJjwt"), client_id=client_id)
    expected = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": "eyJjwt",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "scope": "all-apis",
    }
    if client_id:
        expected["client_id"] = client_id
    assert form(call) == expected


def test_token_exchange_refusal_and_busy_endpoint() -> None:
    call = token_exchange_call(HOST, subject_token=Secret("eyJjwt"), source="the GitHub token")
    refused = call.fail(json_answer({"error": "invalid_request", "error_description": "no"}, 400))
    assert isinstance(refused, AuthenticationError)
    assert "federation policy" in str(refused) and "eyJjwt" not in str(refused)
    assert isinstance(call.fail(json_answer({"error_code": "INTERNAL_ERROR"}, 503)), ServerError)
