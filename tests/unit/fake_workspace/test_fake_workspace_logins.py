"""FakeWorkspace's browser (U2M) and workload logins: authorize, PKCE, refresh, exchange."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from brickgate.domain.tokens import new_pkce, pkce_challenge
from brickgate.testing import FakeWorkspace

TOKEN_PATH = "/oidc/v1/token"
REDIRECT = "http://localhost:8020"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def authorize(http: httpx.Client, challenge: str, **extra: str) -> httpx.Response:
    query = {
        "response_type": "code",
        "client_id": "databricks-cli",
        "redirect_uri": REDIRECT,
        "scope": "all-apis offline_access",
        "state": "state-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return http.get("/oidc/v1/authorize", params=query)


def code_of(response: httpx.Response) -> str:
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["state-123"]
    return query["code"][0]


def redeem(http: httpx.Client, code: str, verifier: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
        "client_id": "databricks-cli",
    }
    return http.post(TOKEN_PATH, data=form)


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": "databricks-cli"}
    return http.post(TOKEN_PATH, data=form)


def test_discovery_names_the_authorize_and_token_endpoints(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    meta = http.get("/oidc/.well-known/oauth-authorization-server").json()
    assert meta["authorization_endpoint"] == ws.url + "/oidc/v1/authorize"
    assert meta["token_endpoint"] == ws.url + TOKEN_PATH


def test_code_with_the_right_verifier_gives_tokens_that_work_and_refresh(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    pkce = new_pkce()
    issued = redeem(
        http, code_of(authorize(http, pkce.challenge)), pkce.verifier.get_secret_value()
    )
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["refresh_token"] and body["expires_in"] == 3600
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert http.get("/api/2.0/serving-endpoints", headers=headers).status_code == 200
    rotated = refresh(http, body["refresh_token"]).json()
    assert rotated["refresh_token"] != body["refresh_token"]
    assert refresh(http, body["refresh_token"]).json()["error"] == "invalid_grant"
    assert ws.authorizations == 1 and ws.tokens_issued == 2


def test_a_wrong_verifier_or_a_reused_code_is_refused(http: httpx.Client) -> None:
    pkce = new_pkce()
    code = code_of(authorize(http, pkce.challenge))
    assert redeem(http, code, "not-the-verifier").json()["error"] == "invalid_grant"
    assert redeem(http, code, pkce.verifier.get_secret_value()).status_code == 400


@pytest.mark.parametrize(
    "extra",
    [
        {"redirect_uri": "https://evil.example.com/cb"},
        {"code_challenge_method": "plain"},
        {"state": ""},
        {"response_type": "token"},
    ],
)
def test_a_bad_authorize_request_is_refused(http: httpx.Client, extra: dict[str, str]) -> None:
    response = authorize(http, pkce_challenge("v" * 43), **extra)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_revoked_refresh_tokens_are_refused(http: httpx.Client, ws: FakeWorkspace) -> None:
    pkce = new_pkce()
    code = code_of(authorize(http, pkce.challenge))
    token = redeem(http, code, pkce.verifier.get_secret_value()).json()["refresh_token"]
    assert ws.revoke_refresh_tokens() == 1
    assert refresh(http, token).json()["error"] == "invalid_grant"


def test_lifetimes_are_configurable(http: httpx.Client, ws: FakeWorkspace) -> None:
    ws.token_lifetime = 120
    pkce = new_pkce()
    code = code_of(authorize(http, pkce.challenge))
    assert redeem(http, code, pkce.verifier.get_secret_value()).json()["expires_in"] == 120


def test_token_exchange_accepts_only_federated_tokens(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    form = {
        "grant_type": EXCHANGE,
        "subject_token": "eyJ.workload",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "scope": "all-apis",
    }
    assert http.post(TOKEN_PATH, data=form).json()["error"] == "invalid_grant"
    ws.federate("eyJ.workload", client_id="sp")
    assert http.post(TOKEN_PATH, data=form).status_code == 400
    assert http.post(TOKEN_PATH, data={**form, "client_id": "sp"}).status_code == 200
    recorded = [r.form for r in ws.requests if r.path == TOKEN_PATH]
    assert all(f is not None and f["subject_token"] == "****" for f in recorded)


def test_github_actions_endpoint_needs_its_request_token(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    environ = ws.github_actions_environ()
    url = environ["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=aud"
    assert http.get(url).status_code == 401
    bearer = {"Authorization": "Bearer " + environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]}
    assert http.get(url, headers=bearer).json()["value"] == ws.github.id_token
    assert ws.github.audiences == ["aud"]
