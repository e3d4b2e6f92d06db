"""Workload identity federation: env, file and GitHub Actions ID tokens exchanged at the host."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from brickgate.adapters.tokens import async_token_source_for
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.domain.errors import (
    AuthenticationError,
    CredentialSourceError,
    SourceUnavailableError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeClock, FakeWorkspace

from .conftest import SourceFor, token_requests

JWT = "eyJhbGciOiJSUzI1NiJ9.workload.sig"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.fixture
def jwt(workspace: FakeWorkspace) -> str:
    """A workload OIDC token the workspace's federation policy accepts (for any client)."""
    workspace.federate(JWT)
    return JWT


def test_env_oidc_exchanges_the_variable(
    jwt: str, workspace: FakeWorkspace, source_for: SourceFor
) -> None:
    source = source_for("env-oidc", environ={"DATABRICKS_OIDC_TOKEN": jwt}, client_id="sp-app")
    assert workspace.accepts(source.token().get_secret_value())
    [form] = token_requests(workspace)
    assert form["grant_type"] == EXCHANGE and form["client_id"] == "sp-app"
    assert form["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    assert workspace.login_secrets() == [jwt]
    assert source.describe() == "env-oidc (client id sp-app)"


def test_env_oidc_reads_the_variable_named_by_token_env(
    jwt: str, workspace: FakeWorkspace, source_for: SourceFor
) -> None:
    source = source_for("env-oidc", environ={"DATABRICKS_OIDC_TOKEN_ENV": "MY_JWT", "MY_JWT": jwt})
    source.token()
    assert workspace.login_secrets() == [jwt]
    assert "client_id" not in token_requests(workspace)[0]


def test_env_oidc_without_a_token_is_skipped(source_for: SourceFor) -> None:
    source = source_for("env-oidc", environ={})
    with pytest.raises(SourceUnavailableError, match="DATABRICKS_OIDC_TOKEN is not set"):
        source.token()


def test_file_oidc_rereads_the_file_on_refresh(
    tmp_path: Path, jwt: str, workspace: FakeWorkspace, source_for: SourceFor, clock: FakeClock
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(jwt + "\n")
    source = source_for("file-oidc", environ={"DATABRICKS_OIDC_TOKEN_FILEPATH": str(token_file)})
    source.token()
    token_file.write_text("rotated-token")
    clock.advance(3570)
    with pytest.raises(AuthenticationError) as caught:
        source.token()
    assert "federation policy" in str(caught.value) and "rotated-token" not in str(caught.value)
    assert len(token_requests(workspace, EXCHANGE)) == 2
    assert workspace.login_secrets() == [jwt, "rotated-token"]


@pytest.mark.parametrize(("content", "message"), [(None, "does not exist"), ("", "is empty")])
def test_file_oidc_missing_or_empty(
    tmp_path: Path, source_for: SourceFor, content: str | None, message: str
) -> None:
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    source = source_for("file-oidc", environ={}, oidc_token_filepath=str(token_file))
    with pytest.raises(CredentialSourceError, match=message):
        source.token()


def github_requests(workspace: FakeWorkspace, environ: dict[str, str]) -> list[tuple[str, str]]:
    """``(audience, Authorization)`` of every request to the fake GitHub ID-token endpoint."""
    path = urlsplit(environ["ACTIONS_ID_TOKEN_REQUEST_URL"]).path
    return [
        (parse_qs(r.query)["audience"][0], r.headers["authorization"])
        for r in workspace.requests
        if r.path == path
    ]


async def test_github_oidc_asks_github_with_the_audience(
    workspace: FakeWorkspace,
    host: WorkspaceHost,
    async_transport: AsyncHttpTransport,
    clock: FakeClock,
) -> None:
    environ = workspace.github_actions_environ(client_id="sp-app")
    source = async_token_source_for(
        "github-oidc",
        host=host,
        transport=async_transport,
        clock=clock,
        environ=environ,
        client_id="sp-app",
    )
    assert workspace.accepts((await source.token()).get_secret_value())
    assert workspace.github.audiences == [f"{host.url}/oidc/v1/token"]
    assert github_requests(workspace, environ) == [(f"{host.url}/oidc/v1/token", "Bearer ****")]
    assert workspace.login_secrets() == [workspace.github.id_token]
    assert token_requests(workspace, EXCHANGE)[0]["client_id"] == "sp-app"


def test_github_oidc_refused_and_outside_actions(
    workspace: FakeWorkspace, source_for: SourceFor
) -> None:
    environ = {**workspace.github_actions_environ(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong"}
    source = source_for("github-oidc", environ=environ, audience="acct-1")
    with pytest.raises(CredentialSourceError, match="HTTP 401"):
        source.token()
    from_variable = source_for(
        "github-oidc",
        environ={**environ, "DATABRICKS_TOKEN_AUDIENCE": "aud-2"},
        account_id="acct-3",
    )
    with pytest.raises(CredentialSourceError):
        from_variable.token()
    assert github_requests(workspace, environ) == [
        ("acct-1", "Bearer ****"),
        ("aud-2", "Bearer ****"),
    ]
    assert workspace.github.audiences == [] and token_requests(workspace) == []
    outside = source_for("github-oidc", environ={})
    with pytest.raises(SourceUnavailableError, match="id-token: write"):
        outside.token()
