"""Workload identity federation: env, file and GitHub Actions ID tokens exchanged at the host."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from brickgate.adapters.tokens import async_token_source_for, token_source_for
from brickgate.domain.errors import (
    AuthenticationError,
    CredentialSourceError,
    SourceUnavailableError,
)
from brickgate.domain.hosts import WorkspaceHost

from .fakes import AsyncFakeTransport, FakeClock, FakeTokenEndpoint, FakeTransport

HOST = WorkspaceHost.parse("example.cloud.databricks.com")
JWT = "eyJhbGciOiJSUzI1NiJ9.workload.sig"


@pytest.fixture
def endpoint() -> FakeTokenEndpoint:
    return FakeTokenEndpoint(FakeClock(), accepted_subject=JWT)


def test_env_oidc_exchanges_the_variable(endpoint: FakeTokenEndpoint) -> None:
    source = token_source_for(
        "env-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ={"DATABRICKS_OIDC_TOKEN": JWT},
        client_id="sp-app",
    )
    assert source.token().get_secret_value() == "eyJaccess-1"
    [form] = endpoint.requests
    assert form["subject_token"] == JWT and form["client_id"] == "sp-app"
    assert form["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    assert source.describe() == "env-oidc (client id sp-app)"


def test_env_oidc_reads_the_variable_named_by_token_env(endpoint: FakeTokenEndpoint) -> None:
    environ = {"DATABRICKS_OIDC_TOKEN_ENV": "MY_JWT", "MY_JWT": JWT}
    source = token_source_for(
        "env-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ=environ,
    )
    source.token()
    assert "client_id" not in endpoint.requests[0]


def test_env_oidc_without_a_token_is_skipped(endpoint: FakeTokenEndpoint) -> None:
    source = token_source_for(
        "env-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ={},
    )
    with pytest.raises(SourceUnavailableError, match="DATABRICKS_OIDC_TOKEN is not set"):
        source.token()


def test_file_oidc_rereads_the_file_on_refresh(tmp_path: Path, endpoint: FakeTokenEndpoint) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(JWT + "\n")
    source = token_source_for(
        "file-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ={"DATABRICKS_OIDC_TOKEN_FILEPATH": str(token_file)},
    )
    source.token()
    token_file.write_text("rotated-token")
    endpoint.clock.advance(3570)
    with pytest.raises(AuthenticationError) as caught:
        source.token()
    assert "federation policy" in str(caught.value) and "rotated-token" not in str(caught.value)
    assert endpoint.requests[-1]["subject_token"] == "rotated-token"


@pytest.mark.parametrize(("content", "message"), [(None, "does not exist"), ("", "is empty")])
def test_file_oidc_missing_or_empty(
    tmp_path: Path, endpoint: FakeTokenEndpoint, content: str | None, message: str
) -> None:
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    source = token_source_for(
        "file-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ={},
        oidc_token_filepath=str(token_file),
    )
    with pytest.raises(CredentialSourceError, match=message):
        source.token()


class GitHub(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        GitHub.seen.append((query["audience"][0], self.headers["Authorization"]))
        body = json.dumps({"value": JWT}).encode()
        self.send_response(200 if self.headers["Authorization"] == "Bearer gh-req" else 403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def github() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), GitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    GitHub.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"
    server.shutdown()
    server.server_close()


async def test_github_oidc_asks_github_with_the_audience(
    github: str, endpoint: FakeTokenEndpoint
) -> None:
    environ = {"ACTIONS_ID_TOKEN_REQUEST_URL": github, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-req"}
    source = async_token_source_for(
        "github-oidc",
        host=HOST,
        transport=AsyncFakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ=environ,
        client_id="sp-app",
    )
    assert (await source.token()).get_secret_value() == "eyJaccess-1"
    assert GitHub.seen == [(f"{HOST.url}/oidc/v1/token", "Bearer gh-req")]
    assert endpoint.requests[0]["subject_token"] == JWT


def test_github_oidc_refused_and_outside_actions(github: str, endpoint: FakeTokenEndpoint) -> None:
    environ = {"ACTIONS_ID_TOKEN_REQUEST_URL": github, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong"}
    source = token_source_for(
        "github-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ=environ,
        audience="acct-1",
    )
    with pytest.raises(CredentialSourceError, match="HTTP 403"):
        source.token()
    from_variable = token_source_for(
        "github-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ={**environ, "DATABRICKS_TOKEN_AUDIENCE": "aud-2"},
        account_id="acct-3",
    )
    with pytest.raises(CredentialSourceError):
        from_variable.token()
    assert GitHub.seen == [("acct-1", "Bearer wrong"), ("aud-2", "Bearer wrong")]
    outside = token_source_for(
        "github-oidc",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        environ={},
    )
    with pytest.raises(SourceUnavailableError, match="id-token: write"):
        outside.token()
