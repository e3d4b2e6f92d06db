"""Cassette hygiene: what the record hooks scrub and how the serializer stores bodies."""

from __future__ import annotations

import json

from vcr.request import Request

from tests.e2e.cassette_hygiene import (
    PLACEHOLDER_URL,
    CassetteScrubber,
    ReadableYamlSerializer,
    provenance_of,
)

PAT = "dapi" + "ab" * 16
LIVE = "https://adb-1234567890123456.7.azuredatabricks.net"


def test_request_gets_the_placeholder_origin_and_only_stable_headers() -> None:
    scrubber = CassetteScrubber(origins=["http://127.0.0.1:5001"], secrets=[PAT])
    request = Request(
        "POST",
        "http://127.0.0.1:5001/serving-endpoints/chat/completions?x=1",
        b'{"model":"m"}',
        {
            "Authorization": f"Bearer {PAT}",
            "Host": "127.0.0.1:5001",
            "User-Agent": "brickgate/1",
            "Cookie": "session=abc",
            "X-Databricks-Org-Id": "123",
            "Content-Type": "application/json",
        },
    )

    scrubbed = scrubber.before_record_request(request)

    assert scrubbed.uri == f"{PLACEHOLDER_URL}/serving-endpoints/chat/completions?x=1"
    assert {name.lower() for name in scrubbed.headers} == {"content-type"}
    assert request.uri.startswith("http://127.0.0.1:5001")
    assert scrubbed.body == b'{"model":"m"}'


def test_form_and_json_secrets_and_hosts_are_scrubbed_in_bodies() -> None:
    scrubber = CassetteScrubber(origins=[LIVE], secrets=[PAT])
    body = json.dumps(
        {
            "access_token": "eyJhbGciOi.payload.sig",
            "refresh_token": "r1",
            "note": f"token {PAT} from {LIVE}/api and other.cloud.databricks.com",
            "creator": "jane.doe@corp.example.org",
        }
    ).encode()
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/json"], "Date": ["now"], "Server": ["x"]},
        "body": {"string": body},
    }

    scrubbed = scrubber.before_record_response(response)

    stored = json.loads(scrubbed["body"]["string"])
    assert stored["access_token"] == "scrubbed"
    assert stored["refresh_token"] == "scrubbed"
    assert PAT not in stored["note"]
    assert "azuredatabricks.net" not in stored["note"]
    assert "other.cloud.databricks.com" not in stored["note"]
    assert stored["creator"] == "someone@example.com"
    assert list(scrubbed["headers"]) == ["Content-Type"]
    form = scrubber.scrub_text("grant_type=refresh_token&refresh_token=r2&client_secret=s3")
    assert form == "grant_type=refresh_token&refresh_token=scrubbed&client_secret=scrubbed"
    login = scrubber.scrub_text(
        "grant_type=authorization_code&code=c4&code_verifier=v5&redirect_uri=http%3A%2F%2Flocalhost"
    )
    assert "c4" not in login and "v5" not in login
    assert (
        scrubber.scrub_text('{"code": "kept outside a login"}')
        == '{"code": "kept outside a login"}'
    )


def test_serializer_stores_json_as_mappings_and_sse_as_blocks_and_round_trips() -> None:
    sse = 'data: {"choices":[]}\n\ndata: [DONE]\n\n'
    cassette = {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": f"{PLACEHOLDER_URL}/serving-endpoints/chat/completions",
                    "body": '{"model": "m", "stream": true}',
                    "headers": {"content-type": ["application/json"]},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"content-type": ["text/event-stream"]},
                    "body": {"string": sse},
                },
            },
            {
                "request": {
                    "method": "GET",
                    "uri": f"{PLACEHOLDER_URL}/api/2.0/serving-endpoints",
                    "body": None,
                    "headers": {},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"content-type": ["application/json"]},
                    "body": {"string": '{"vector": [0.5, -1.25], "ok": true}'},
                },
            },
        ],
    }
    serializer = ReadableYamlSerializer({"source": "fake-workspace", "at": "2026-01-01T00:00:00Z"})

    text = serializer.serialize(cassette)
    loaded = serializer.deserialize(text)

    assert "string: |" in text
    assert "vector: [0.5, -1.25]" in text
    assert provenance_of(text) == {"source": "fake-workspace", "at": "2026-01-01T00:00:00Z"}
    assert set(loaded) == {"version", "interactions"}
    first, second = loaded["interactions"]
    assert first["response"]["body"]["string"] == sse
    assert json.loads(first["request"]["body"]) == {"model": "m", "stream": True}
    assert json.loads(second["response"]["body"]["string"]) == {"vector": [0.5, -1.25], "ok": True}
    assert second["request"]["body"] is None
