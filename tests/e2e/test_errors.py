"""E2E error answers through the public Client: unknown endpoint, bad token, rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import brickgate
from brickgate.testing import Fault
from tests.e2e.models import CHAT_MODEL, REFUSED_SECRET

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

UNKNOWN_ENDPOINT = "brickgate-e2e-no-such-endpoint"


def test_unknown_endpoint_raises_not_found(client: brickgate.Client) -> None:
    with pytest.raises(brickgate.NotFoundError) as caught:
        client.chat(UNKNOWN_ENDPOINT, "Hello?", max_tokens=16)

    assert caught.value.status == 404
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert UNKNOWN_ENDPOINT in caught.value.message


def test_refused_token_raises_permission_denied(bad_token_client: brickgate.Client) -> None:
    with pytest.raises(brickgate.PermissionDeniedError) as caught:
        bad_token_client.chat(CHAT_MODEL, "Hello?", max_tokens=16)

    assert caught.value.status == 403
    assert "Invalid access token" in caught.value.message
    assert REFUSED_SECRET not in str(caught.value)


@pytest.mark.oauth_client
def test_refused_client_secret_raises_authentication_error(
    bad_secret_client: brickgate.Client,
) -> None:
    with pytest.raises(brickgate.AuthenticationError) as caught:
        bad_secret_client.chat(CHAT_MODEL, "Hello?", max_tokens=16)

    assert caught.value.status == 401
    assert REFUSED_SECRET not in str(caught.value)


@pytest.mark.fake_workspace_only
def test_rate_limit_is_retried_then_succeeds(
    client: brickgate.Client, script_fault: Callable[..., None], vcr: Any, record_mode: str
) -> None:
    script_fault(Fault(status=429, retry_after="0"), times=1, model=CHAT_MODEL)

    reply = client.chat(CHAT_MODEL, "Hello after a rate limit.", max_tokens=64)

    assert reply.text.strip()
    answers = [response["status"]["code"] for response in vcr.responses]
    assert answers == [429, 200]
    served = vcr.play_count if record_mode == "none" else len(vcr)
    assert served == 2
