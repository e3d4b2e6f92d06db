"""Secret and the credentials holding one: the value never shows, bad values are refused."""

from __future__ import annotations

import copy
import dataclasses
import logging
import pickle
from collections.abc import Callable

import pytest

from brickgate import (
    InvalidCredentialError,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    WorkspaceHost,
)
from brickgate.domain.credentials import MASK
from tests.data_vectors import vector_id

VALUE = "dapi0123456789abcdef0123456789abcdef"
HOST = WorkspaceHost.parse("myws.cloud.databricks.com")


def _pat() -> PersonalAccessToken:
    return PersonalAccessToken(host=HOST, token=Secret(VALUE))


def _oauth() -> OAuthClientCredentials:
    return OAuthClientCredentials(
        host=HOST, client_id="sp-client", client_secret=Secret(VALUE, what="client secret")
    )


RENDERINGS: dict[str, Callable[[object], str]] = {
    "repr": repr,
    "str": str,
    "f-string": lambda obj: f"{obj}",
    "f-string !r": lambda obj: f"{obj!r}",
    "str.format": "{0} {0!r} {0!s}".format,
    "percent %s": lambda obj: "%s" % (obj,),  # noqa: UP031
    "percent %r": lambda obj: "%r" % (obj,),  # noqa: UP031
    "in a list": lambda obj: str([obj]),
    "in a dict": lambda obj: str({"token": obj}),
}
HOLDERS: dict[str, Callable[[], object]] = {
    "secret": lambda: Secret(VALUE),
    "personal access token": _pat,
    "oauth client credentials": _oauth,
    "asdict of a token": lambda: dataclasses.asdict(_pat()),
    "deep copy of a token": lambda: copy.deepcopy(_pat()),
}


@pytest.mark.parametrize("holder", list(HOLDERS))
@pytest.mark.parametrize("rendering", list(RENDERINGS))
def test_no_rendering_shows_the_value(holder: str, rendering: str) -> None:
    shown = RENDERINGS[rendering](HOLDERS[holder]())
    assert MASK in shown
    assert VALUE not in shown
    assert VALUE[4:12] not in shown


@pytest.mark.parametrize("holder", list(HOLDERS))
def test_logging_never_shows_the_value(holder: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("brickgate.tests.secret")
    held = HOLDERS[holder]()
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.debug("held %s", held)
        logger.info("held %r", held)
        logger.warning(held)
        logger.error("held %(held)s", {"held": held})
        logger.critical("held in extra", extra={"held": held})
    assert len(caplog.records) == 5
    assert MASK in caplog.text
    assert VALUE not in caplog.text
    for record in caplog.records:
        assert VALUE not in record.getMessage()


@pytest.mark.parametrize(("spec", "shown"), [(">12", "  " + MASK), ("", MASK), ("d", MASK)])
def test_a_format_spec_pads_the_mask_or_is_ignored(spec: str, shown: str) -> None:
    assert format(Secret(VALUE), spec) == shown


def test_the_value_comes_out_only_through_get_secret_value() -> None:
    secret = Secret(VALUE)
    assert secret.get_secret_value() == VALUE
    assert not hasattr(secret, "__dict__")
    assert VALUE not in dir(secret)


@pytest.mark.parametrize(
    ("value", "position"),
    [
        (" " + VALUE, 1),
        (VALUE + "\n", len(VALUE) + 1),
        (VALUE + "\r\nX-Evil: 1", len(VALUE) + 1),
        ("dapi 123", 5),
        ("dapi\t123", 5),
        ("dapi\x00123", 5),
        ("dapi\x7f123", 5),
        ("dapi\u00e9123", 5),
        ("dapi\u200b123", 5),
        ("dapi\u00a0123", 5),
        ("\ufeffdapi123", 1),
    ],
    ids=vector_id,
)
def test_whitespace_control_or_non_ascii_is_refused(value: str, position: int) -> None:
    with pytest.raises(InvalidCredentialError) as caught:
        Secret(value)
    assert f"at position {position}" in str(caught.value)
    assert "dapi" not in str(caught.value)
    assert "123" not in str(caught.value)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(InvalidCredentialError, match="the token is empty"):
        Secret("")


def test_the_error_names_what_the_secret_is() -> None:
    with pytest.raises(InvalidCredentialError, match="the client secret contains"):
        Secret("a b", what="client secret")


def test_non_text_is_refused_without_showing_it() -> None:
    with pytest.raises(InvalidCredentialError, match="must be text, not bytes") as caught:
        Secret(VALUE.encode())  # type: ignore[arg-type]
    assert VALUE not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (VALUE, "dapi…cdef"),
        ("x" * 19, MASK),
        ("short", MASK),
        ("!", MASK),
    ],
    ids=["long token shows 4 + 4", "19 characters", "short", "one character"],
)
def test_masked_hint(value: str, hint: str) -> None:
    assert Secret(value).masked() == hint


def test_equality_compares_values_and_never_equals_plain_text() -> None:
    assert Secret(VALUE) == Secret(VALUE)
    assert Secret(VALUE) != Secret(VALUE + "0")
    assert Secret(VALUE) != VALUE
    assert hash(Secret(VALUE)) == hash(Secret(VALUE))
    assert len({Secret(VALUE), Secret(VALUE), Secret("other")}) == 2


def test_pickling_keeps_the_value() -> None:
    restored = pickle.loads(pickle.dumps(_pat()))  # noqa: S301
    assert restored == _pat()
    assert restored.token.get_secret_value() == VALUE


def test_oauth_credentials_default_scope_and_type() -> None:
    credentials = _oauth()
    assert (credentials.scopes, credentials.auth_type) == ("all-apis", "oauth-m2m")
    assert _pat().auth_type == "pat"


@pytest.mark.parametrize("client_id", ["", "sp client", "sp\nclient", "sp-\u00e9"], ids=vector_id)
def test_oauth_client_id_with_whitespace_or_control_is_refused(client_id: str) -> None:
    with pytest.raises(InvalidCredentialError, match="client id"):
        OAuthClientCredentials(host=HOST, client_id=client_id, client_secret=Secret(VALUE))
