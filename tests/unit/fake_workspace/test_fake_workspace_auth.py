"""FakeWorkspace authentication: PAT, HTTP Basic, OAuth M2M tokens and their expiry."""

from __future__ import annotations

import httpx
import pytest

from brickgate.testing import FakeWorkspace

LIST = "/api/2.0/serving-endpoints"
TOKEN_PATH = "/oidc/v1/token"
FORM = {"grant_type": "client_credentials", "scope": "all-apis"}


class SteppingClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_700_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)

    async def sleep_async(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def access_token(http: httpx.Client, ws: FakeWorkspace) -> str:
    response = http.post(TOKEN_PATH, data=FORM, auth=(ws.client_id, ws.client_secret))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_missing_credential_is_unauthenticated(http: httpx.Client) -> None:
    response = http.get(LIST)
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert response.json()["details"][0]["request_id"]


def test_a_wrong_token_is_an_invalid_access_token(http: httpx.Client) -> None:
    response = http.get(LIST, headers=bearer("dapi-wrong"))
    assert response.status_code == 403
    assert response.json() | {"details": None} == {
        "error_code": "PERMISSION_DENIED",
        "message": "Invalid access token.",
        "details": None,
    }


def test_a_wrong_token_on_the_ai_gateway_is_invalid_token(http: httpx.Client) -> None:
    response = http.post("/ai-gateway/mlflow/v1/chat/completions", headers=bearer("nope"), json={})
    assert (response.status_code, response.json()["message"]) == (401, "Invalid Token")


def test_the_pat_works_as_bearer_and_as_basic_token_user(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    assert http.get(LIST, headers=bearer(ws.token)).status_code == 200
    assert http.get(LIST, auth=("token", ws.token)).status_code == 200
    assert http.get(LIST, auth=("someone", ws.token)).status_code == 403


def test_client_credentials_with_basic_auth_issue_a_working_token(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    response = http.post(TOKEN_PATH, data=FORM, auth=(ws.client_id, ws.client_secret))
    grant = response.json()
    assert grant["token_type"] == "Bearer"
    assert grant["expires_in"] == 3600
    assert grant["scope"] == "all-apis"
    assert grant["access_token"] != ws.token
    assert http.get(LIST, headers=bearer(grant["access_token"])).status_code == 200


def test_client_credentials_in_the_form_are_accepted_and_masked_when_recorded(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    form = {**FORM, "client_id": ws.client_id, "client_secret": ws.client_secret}
    response = http.post(TOKEN_PATH, data=form)
    assert response.status_code == 200
    (recorded,) = ws.requests
    assert recorded.form is not None
    assert recorded.form["client_secret"] == "****"
    assert recorded.form["grant_type"] == "client_credentials"
    assert ws.client_secret not in repr(recorded)


def test_basic_credentials_are_masked_when_recorded(http: httpx.Client, ws: FakeWorkspace) -> None:
    access_token(http, ws)
    assert ws.requests[0].headers["authorization"] == "Basic ****"


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("wrong-id", None), (None, "wrong-secret")],
)
def test_wrong_client_credentials_are_invalid_client(
    http: httpx.Client, ws: FakeWorkspace, client_id: str | None, secret: str | None
) -> None:
    auth = (client_id or ws.client_id, secret or ws.client_secret)
    response = http.post(TOKEN_PATH, data=FORM, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]
    assert ws.client_secret not in response.text


def test_another_grant_type_is_unsupported(http: httpx.Client, ws: FakeWorkspace) -> None:
    form = {"grant_type": "password", "username": "x"}
    response = http.post(TOKEN_PATH, data=form, auth=(ws.client_id, ws.client_secret))
    assert (response.status_code, response.json()["error"]) == (400, "unsupported_grant_type")
    unknown = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "databricks-cli"}
    response = http.post(TOKEN_PATH, data=unknown)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_expire_tokens_invalidates_issued_tokens_only(
    http: httpx.Client, ws: FakeWorkspace
) -> None:
    old = access_token(http, ws)
    ws.expire_tokens()
    response = http.get(LIST, headers=bearer(old))
    assert response.status_code == 401
    assert "expired" in response.json()["message"]
    assert http.get(LIST, headers=bearer(access_token(http, ws))).status_code == 200
    assert http.get(LIST, headers=bearer(ws.token)).status_code == 200


def test_accepts_answers_as_the_serving_api_would(http: httpx.Client, ws: FakeWorkspace) -> None:
    issued = access_token(http, ws)
    for token in (ws.token, issued, "dapi-not-issued-here"):
        served = http.get(LIST, headers=bearer(token)).status_code == 200
        assert ws.accepts(token) is served
    assert ws.accepts(ws.token) and ws.accepts(issued)
    ws.expire_tokens()
    assert not ws.accepts(issued) and ws.accepts(ws.token) and not ws.accepts("")


def test_tokens_expire_after_their_lifetime_by_the_injected_clock() -> None:
    clock = SteppingClock()
    with (
        FakeWorkspace(token_lifetime=60.0, clock=clock) as fake,
        httpx.Client(base_url=fake.url) as http,
    ):
        token = access_token(http, fake)
        assert (
            http.post(TOKEN_PATH, data=FORM, auth=(fake.client_id, fake.client_secret)).json()[
                "expires_in"
            ]
            == 60
        )
        clock.sleep(59.0)
        assert http.get(LIST, headers=bearer(token)).status_code == 200
        clock.sleep(1.0)
        assert http.get(LIST, headers=bearer(token)).status_code == 401


def test_oauth_discovery_points_at_this_workspace(http: httpx.Client, ws: FakeWorkspace) -> None:
    document = http.get("/oidc/.well-known/oauth-authorization-server").json()
    assert document["token_endpoint"] == f"{ws.url}/oidc/v1/token"
    assert document["authorization_endpoint"] == f"{ws.url}/oidc/v1/authorize"
