"""No refresh token, PKCE verifier, authorization code or OIDC token in logs, reprs or errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from brickgate.domain.errors import AuthenticationError
from brickgate.testing import FakeBrowser, FakeWorkspace

from .conftest import Setup
from .test_sources_end_to_end import log_in


def assert_nothing_leaked(workspace: FakeWorkspace, *texts: str) -> None:
    secrets = workspace.login_secrets()
    assert len(secrets) >= 2
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_a_browser_login_and_its_refreshes_leak_nothing(
    setup: Setup,
    workspace: FakeWorkspace,
    follow: FakeBrowser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    log_in(setup, workspace, follow, "me")
    workspace.expire_tokens()
    with setup.client(profile="me") as client:
        client.endpoints()
        shown = [
            repr(client.resolution),
            client.resolution.explain(),
            repr(client.access_token()),
            repr(setup.keyring_store()),
            repr(workspace.requests),
        ]
    workspace.revoke_refresh_tokens()
    with setup.client(profile="me") as again, pytest.raises(AuthenticationError) as caught:
        again.endpoints()
    assert "brickgate login --browser --profile me" in str(caught.value)
    assert_nothing_leaked(
        workspace, caplog.text, *shown, str(caught.value), repr(caught.value), *follow.pages
    )


def test_workload_tokens_leak_nothing(
    setup: Setup,
    workspace: FakeWorkspace,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    oidc = "eyJhbGciOiJSUzI1NiJ9.leak-check-0123456789"
    workspace.federate(oidc)
    setup.environ.update(
        DATABRICKS_HOST=workspace.url, DATABRICKS_AUTH_TYPE="env-oidc", DATABRICKS_OIDC_TOKEN=oidc
    )
    with setup.client() as client:
        client.endpoints()
        shown = [repr(client.resolution), client.resolution.explain(), repr(workspace.requests)]
    workspace.expire_tokens()
    setup.environ["DATABRICKS_OIDC_TOKEN"] = oidc + "-expired"
    with setup.client() as refused, pytest.raises(AuthenticationError) as caught:
        refused.endpoints()
    assert_nothing_leaked(workspace, caplog.text, *shown, str(caught.value))
    assert oidc not in caplog.text + "".join(shown) + str(caught.value)
