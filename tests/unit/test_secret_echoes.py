"""Token-shaped names and values are not echoed; printed errors and debug logs are redacted."""

from __future__ import annotations

import logging

import pytest

import brickgate
from brickgate.cli.debug import enable_debug_logging
from brickgate.cli.errors import one_line
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    ApiError,
    NoCredentialsError,
    TransportError,
    UnknownProfileError,
)
from brickgate.services.credential_chain import masked_variables

TOKEN = "dapi" + "c0ffee" * 6
OPAQUE = "Qm9vbGVhbkxvZ2ljMTIzNDU2Nzg5MA"


def windows(secret: str, size: int = 12) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def assert_hidden(secret: str, text: str) -> None:
    assert not [w for w in windows(secret) if w in text], text


@pytest.mark.parametrize("name", [TOKEN, OPAQUE, "adb-1.azuredatabricks.net::" + TOKEN])
def test_a_token_passed_as_the_profile_is_not_echoed(name: str) -> None:
    with pytest.raises(UnknownProfileError) as caught:
        brickgate.resolve_credentials(profile=name)
    line = one_line(caught.value, profile=name)
    for text in (str(caught.value), repr(caught.value), line):
        assert_hidden(name, text)
    assert "looks like a token" in str(caught.value)
    assert "hint: create it with `brickgate login`" in line


def test_an_ordinary_unknown_profile_is_still_named() -> None:
    with pytest.raises(UnknownProfileError) as caught:
        brickgate.resolve_credentials(profile="staging")
    assert "no profile named 'staging'" in str(caught.value)
    assert "brickgate login --profile staging" in one_line(caught.value, profile="staging")


def test_an_auth_type_that_is_not_one_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    short = "Zx9qLmN3pQr7"
    monkeypatch.setenv("DATABRICKS_AUTH_TYPE", short)
    with pytest.raises(NoCredentialsError) as caught:
        brickgate.resolve_credentials()
    assert short not in str(caught.value)
    assert short not in one_line(caught.value)
    assert "DATABRICKS_AUTH_TYPE=***" in str(caught.value)


def test_known_values_are_still_shown() -> None:
    shown = masked_variables(
        {"DATABRICKS_AUTH_TYPE": "pat", "DATABRICKS_CONFIG_PROFILE": OPAQUE, "BRICKGATE_X": "1"}
    )
    assert shown == [
        "BRICKGATE_X=***",
        "DATABRICKS_AUTH_TYPE='pat'",
        "DATABRICKS_CONFIG_PROFILE=***",
    ]


def test_printed_errors_carry_no_piece_of_a_secret_in_play() -> None:
    secret = Secret("Opaque-Secret-Value-0123456789", what="client secret")
    value = secret.get_secret_value()
    for error in (
        TransportError(f"<html>echo: {value[3:20]}</html>"),
        ApiError(f"bad token {value}", status=401),
        TransportError(f"echo Authorization: Bearer not-registered-{TOKEN[4:]}"),
    ):
        line = one_line(error)
        assert_hidden(value, line)
        assert "[REDACTED]" in line


def test_debug_logs_of_http_libraries_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    secret = Secret("Fresh-Debug-Secret-9876543210")
    undo = enable_debug_logging()
    try:
        logging.getLogger("httpcore.http11").debug(
            "receive_response_headers.complete return_value=%r",
            [(b"location", f"/cb?x={secret.get_secret_value()}".encode())],
        )
        try:
            raise RuntimeError(f"echoed {secret.get_secret_value()}")
        except RuntimeError:
            logging.getLogger("httpx").exception("failed")
    finally:
        undo()
    err = capsys.readouterr().err
    assert "receive_response_headers.complete" in err
    assert "RuntimeError: echoed [REDACTED]" in err
    assert_hidden(secret.get_secret_value(), err)
