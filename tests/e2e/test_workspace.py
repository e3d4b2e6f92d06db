"""E2E embeddings, endpoint listing, the model catalog and OAuth M2M through the public Client."""

from __future__ import annotations

import pytest

import brickgate
from tests.e2e.models import CHAT_MODEL, EMBEDDING_MODEL

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]


def test_embeddings_come_back_in_input_order(client: brickgate.Client) -> None:
    inputs = ["brickgate replays cassettes", "a completely different sentence"]

    result = client.embed(EMBEDDING_MODEL, inputs)

    assert len(result.vectors) == len(inputs)
    first, second = result.vectors
    assert len(first) == len(second) > 0
    assert all(isinstance(value, float) for value in first)
    assert first != second


def test_endpoint_listing_names_the_served_models(client: brickgate.Client) -> None:
    endpoints = client.endpoints()

    by_name = {endpoint.name: endpoint for endpoint in endpoints}
    assert CHAT_MODEL in by_name
    assert EMBEDDING_MODEL in by_name
    assert by_name[CHAT_MODEL].task == "llm/v1/chat"
    assert by_name[EMBEDDING_MODEL].task == "llm/v1/embeddings"
    assert by_name[CHAT_MODEL].ready is True


def test_models_merge_the_catalog_with_served_endpoints(client: brickgate.Client) -> None:
    entries = {entry.name: entry for entry in client.models()}

    chat = entries[CHAT_MODEL]
    assert chat.spec is not None
    assert chat.endpoint is not None
    assert chat.endpoint.name == CHAT_MODEL
    assert str(chat.availability) == "served"
    assert chat.ready


@pytest.mark.oauth_client
def test_oauth_m2m_client_fetches_a_token_then_chats(m2m_client: brickgate.Client) -> None:
    reply = m2m_client.chat(CHAT_MODEL, "Hello from a service principal.", max_tokens=64)

    assert reply.text.strip()
    assert reply.finish_reason == "stop"
