"""Redaction by value: registered secrets, any long piece of one, and secret-shaped strings."""

from __future__ import annotations

import io
import logging
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brickgate.domain.credentials import Secret
from brickgate.domain.redaction import (
    REDACTED,
    WINDOW,
    RedactingFilter,
    Redactor,
    looks_like_secret,
    redact,
    redactor,
    shown_name,
)

TOKEN = "dapi" + "0123456789abcdef" * 2
SECRET = "Zq8-client-S3cret_value+/=x"
TOKEN_CHARS = st.characters(codec="ascii", categories=("L", "N"), include_characters="-_+/=.~")


def windows(secret: str, size: int = WINDOW) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def leaked_window(secret: str, text: str) -> str | None:
    return next((w for w in windows(secret) if w in text), None)


@pytest.fixture
def scrubber() -> Redactor:
    value = Redactor()
    value.register(TOKEN)
    value.register(SECRET)
    return value


def test_a_registered_value_is_replaced_wherever_it_appears(scrubber: Redactor) -> None:
    text = f"<html>echo: {TOKEN}</html> and again{SECRET}!"
    assert scrubber.redact(text) == f"<html>echo: {REDACTED}</html> and again{REDACTED}!"


@pytest.mark.parametrize(
    ("start", "stop"), [(0, 12), (5, 19), (3, 30), (24, 36), (10, 22), (1, 35)]
)
def test_any_piece_of_twelve_or_more_characters_is_replaced(
    scrubber: Redactor, start: int, stop: int
) -> None:
    piece = TOKEN[start:stop]
    out = scrubber.redact(f"prefix {piece} suffix")
    assert out == f"prefix {REDACTED} suffix"


def test_pieces_shorter_than_the_window_are_kept(scrubber: Redactor) -> None:
    piece = TOKEN[10:21]
    assert scrubber.redact(f"id {piece}") == f"id {piece}"


def test_short_values_are_matched_whole_and_tiny_ones_not_registered() -> None:
    scrubber = Redactor()
    scrubber.register("k3y-9chars")
    scrubber.register("abc")
    assert scrubber.registered == 1
    assert scrubber.redact("x k3y-9chars y abc") == f"x {REDACTED} y abc"


def test_url_encoded_forms_are_scrubbed_too() -> None:
    scrubber = Redactor()
    scrubber.register("a+b/c=d-secret-value")
    out = scrubber.redact("client_id=x&s=a%2Bb%2Fc%3Dd-secret-value")
    assert out == f"client_id=x&s={REDACTED}"


def test_secret_objects_register_themselves_with_the_process_redactor() -> None:
    value = "Gx7-this-is-a-fresh-secret-98765"
    Secret(value, what="client secret")
    assert redact(f"server said {value[2:20]}") == f"server said {REDACTED}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi", f"Authorization: Bearer {REDACTED}"),
        ('{"authorization": "Bearer x1"}', f'{{"authorization": "Bearer {REDACTED}"}}'),
        ("authorization=s3cr3t&x=1", f"authorization={REDACTED}&x=1"),
        ("basic Y2xpZW50OnNlY3JldA==", f"basic {REDACTED}"),
        ("uses basic authentication", "uses basic authentication"),
        ("token dapi1234567890abcdef here", f"token {REDACTED} here"),
        ("DOSE0123456789abcdef", REDACTED),
        ('"access_token": "opaque"', f'"access_token": "{REDACTED}"'),
        ("client_secret=abc&grant_type=x", f"client_secret={REDACTED}&grant_type=x"),
        ("refresh_token: r-1", f"refresh_token: {REDACTED}"),
        ("jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.sig-part", f"jwt {REDACTED}"),
        ('"max_tokens": 5, "total_tokens": 9', '"max_tokens": 5, "total_tokens": 9'),
        ("request id 1234abcd-5678-90ef-1234-567890abcdef", None),
    ],
)
def test_secret_shapes_are_scrubbed_and_ordinary_text_is_not(
    text: str, expected: str | None
) -> None:
    assert Redactor().redact(text) == (text if expected is None else expected)


@settings(max_examples=300, deadline=None)
@given(
    secret=st.text(TOKEN_CHARS, min_size=WINDOW, max_size=80),
    noise=st.text(TOKEN_CHARS | st.sampled_from(" :\"'<>\n"), max_size=40),
    cuts=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), max_size=4),
)
def test_no_window_of_a_registered_secret_survives(
    secret: str, noise: str, cuts: list[tuple[int, int]]
) -> None:
    parts = [noise]
    for start, stop in cuts:
        parts.append(secret[min(start, stop) : max(start, stop)])
        parts.append(noise)
    parts.append(secret)
    text = "".join(parts)
    scrubber = Redactor()
    scrubber.register(secret)
    out = scrubber.redact(text)
    assert leaked_window(secret, out) is None
    assert scrubber.redact(out) == out


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(codec="ascii", categories=("L", "N", "Zs")), max_size=80))
def test_text_without_secrets_or_secret_shapes_is_unchanged(text: str) -> None:
    scrubber = Redactor()
    scrubber.register("\x7f" * 20)
    shaped = any(word.lower().startswith(("dapi", "dose", "dkea", "eyj")) for word in text.split())
    words = text.lower().split()
    follows_scheme = any(a in ("bearer", "basic") for a in words[:-1])
    if not shaped and not follows_scheme:
        assert scrubber.redact(text) == text


def test_the_oldest_values_are_dropped_beyond_the_capacity() -> None:
    scrubber = Redactor(capacity=2)
    for value in ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"):
        scrubber.register(value)
    out = scrubber.redact("aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb cccccccccccccccc")
    assert out == f"aaaaaaaaaaaaaaaa {REDACTED} {REDACTED}"


def test_forget_and_clear() -> None:
    scrubber = Redactor()
    scrubber.register("alpha-1111111111111")
    scrubber.register("bravo-2222222222222")
    scrubber.forget("alpha-1111111111111")
    assert scrubber.redact("alpha-1111111111111") == "alpha-1111111111111"
    scrubber.clear()
    assert scrubber.registered == 0
    assert scrubber.redact("bravo-2222222222222") == "bravo-2222222222222"


def test_registering_from_many_threads_keeps_every_value() -> None:
    scrubber = Redactor(capacity=1000)
    values = [f"thread-secret-{n:04d}-value" for n in range(200)]

    def register(chunk: list[str]) -> None:
        for value in chunk:
            scrubber.register(value)
            scrubber.redact(value)

    threads = [threading.Thread(target=register, args=(values[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert scrubber.registered == 200
    assert all(scrubber.redact(value) == REDACTED for value in values)


def test_a_text_made_of_copies_of_the_secret_is_scrubbed_whole(scrubber: Redactor) -> None:
    assert scrubber.redact(TOKEN * 500 + "tail") == REDACTED + "tail"


@pytest.mark.parametrize(
    "name",
    [TOKEN, "dose1234567890", "eyJhbGciOiJIUzI1NiJ9", "host::token", "a1" * 12, "f" * 24],
)
def test_token_shaped_names_are_not_shown(name: str) -> None:
    assert looks_like_secret(name)
    assert name not in shown_name(name)


@pytest.mark.parametrize("name", ["DEFAULT", "prod", "my-workspace-eu-west-1", "staging_2"])
def test_ordinary_names_are_shown_quoted(name: str) -> None:
    assert not looks_like_secret(name)
    assert shown_name(name) == repr(name)


def test_a_name_holding_a_piece_of_a_registered_secret_is_not_shown() -> None:
    value = "Kp-registered-secret-0042"
    redactor().register(value)
    assert looks_like_secret(f"x-{value[:14]}")


def make_logger(scrubber: Redactor) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(scrubber))
    logger = logging.getLogger("tests.redaction.parent")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_the_log_filter_scrubs_messages_arguments_and_child_loggers(scrubber: Redactor) -> None:
    logger, stream = make_logger(scrubber)
    logger.debug("send headers %r", [(b"authorization", f"Bearer {TOKEN}".encode())])
    logging.getLogger("tests.redaction.parent.http11").debug("Location: /x?t=%s", TOKEN[:20])
    output = stream.getvalue()
    assert leaked_window(TOKEN, output) is None
    assert output.count(REDACTED) == 2


def test_the_log_filter_scrubs_exception_text(scrubber: Redactor) -> None:
    logger, stream = make_logger(scrubber)
    try:
        raise ValueError(f"server echoed {SECRET}")
    except ValueError:
        logger.exception("failed")
    assert leaked_window(SECRET, stream.getvalue()) is None
    assert "ValueError: server echoed [REDACTED]" in stream.getvalue()


def test_the_log_filter_survives_a_broken_log_call(scrubber: Redactor) -> None:
    logger, stream = make_logger(scrubber)
    logger.debug("two %s %s", TOKEN)
    assert "unformattable" in stream.getvalue()
    assert TOKEN not in stream.getvalue()
