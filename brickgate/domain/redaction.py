"""Redaction by value: scrub the secrets in play, and anything shaped like one, from any text."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import OrderedDict
from typing import NamedTuple, Protocol
from urllib.parse import quote

__all__ = [
    "DEFAULT_CAPACITY",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "WINDOW",
    "RedactingFilter",
    "Redactor",
    "looks_like_secret",
    "redact",
    "redactor",
    "register_secret",
    "shown_name",
]

REDACTED = "[REDACTED]"
WINDOW = 12
MIN_SECRET_LENGTH = 8
DEFAULT_CAPACITY = 128
_BLOCK = WINDOW // 2


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The secret-shaped patterns and their replacements, compiled on first use."""
    return (
        (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]+"), rf"\1\2{REDACTED}"),
        (
            re.compile(r"(?i)\b(basic)(\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}=*"),
            rf"\1\2{REDACTED}",
        ),
        (
            re.compile(
                r"""(?i)\b(authorization|x-databricks-token|api[_-]?key)(["']?\s*[:=]\s*["']?)"""
                r"""(?!(?:bearer|basic)\b)[^\s"',;&}]+"""
            ),
            rf"\1\2{REDACTED}",
        ),
        (
            re.compile(
                r"""(?i)\b(client_secret|access_token|refresh_token|id_token|password)"""
                r"""(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+"""
            ),
            rf"\1\2{REDACTED}",
        ),
        (re.compile(r"(?i)\b(?:dapi|dose|dkea)(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{8,}"), REDACTED),
        (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?"), REDACTED),
    )


@functools.cache
def _secret_shaped() -> re.Pattern[str]:
    return re.compile(
        r"(?i)\b(?:(?:dapi|dose|dkea)(?=[a-z_-]*[0-9])|eyj)[a-z0-9_-]{6,}|::|[0-9a-f]{24,}"
        r"|(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{24,}"
    )


class SecretLike(Protocol):
    """Anything holding a secret: ``brickgate.domain.credentials.Secret`` and the like."""

    def get_secret_value(self) -> str: ...


class _Snapshot(NamedTuple):
    """The registered values, and each 6-character block at offsets 0, 6, 12... of them."""

    exact: tuple[str, ...]
    blocks: dict[str, tuple[tuple[str, int], ...]]


_EMPTY = _Snapshot((), {})


class Redactor:
    """Scrubs registered secret values and secret-shaped strings from text; thread-safe.

    ``register(value)`` adds a value (and its URL-encoded form when that differs); at most
    ``capacity`` values are kept, the least recently registered dropped first. ``redact(text)``
    replaces with ``[REDACTED]``: every run of ``WINDOW`` (12) or more characters that also
    occurs in a registered value of 12+ characters, every whole registered value of 8 to 11
    characters, bearer/basic credentials, ``Authorization``/``client_secret``/``access_token``
    ... values, ``dapi``/``dose``/``dkea`` tokens and JWTs. Values under 8 characters are not
    registered (they would scrub ordinary words). Reading never blocks on a writer.
    """

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = max(1, capacity)
        self._values: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._snapshot = _EMPTY

    def __repr__(self) -> str:
        return f"Redactor({len(self._values)} values registered)"

    @property
    def registered(self) -> int:
        """How many values (original and URL-encoded forms) are registered."""
        return len(self._values)

    def register(self, value: str | SecretLike | None) -> None:
        """Scrub ``value`` (text or a ``Secret``) from now on; ``None`` and short values are not."""
        text = value if isinstance(value, str) or value is None else value.get_secret_value()
        if not text or len(text) < MIN_SECRET_LENGTH:
            return
        forms = dict.fromkeys((text, quote(text, safe="")))
        with self._lock:
            for form in forms:
                self._values.pop(form, None)
                self._values[form] = None
            while len(self._values) > self._capacity:
                self._values.popitem(last=False)
            self._snapshot = _snapshot(tuple(self._values))

    def forget(self, value: str | SecretLike) -> None:
        """Stop scrubbing ``value`` (and its URL-encoded form)."""
        text = value if isinstance(value, str) else value.get_secret_value()
        with self._lock:
            for form in (text, quote(text, safe="")):
                self._values.pop(form, None)
            self._snapshot = _snapshot(tuple(self._values))

    def clear(self) -> None:
        """Forget every registered value."""
        with self._lock:
            self._values.clear()
            self._snapshot = _EMPTY

    def redact(self, text: str) -> str:
        """``text`` with every registered value, long piece of one, and secret shape replaced."""
        snapshot = self._snapshot
        if snapshot.exact or snapshot.blocks:
            text = _scrub_values(text, snapshot)
        for pattern, replacement in _patterns():
            text = pattern.sub(replacement, text)
        return text

    def contains_secret(self, text: str) -> bool:
        """Whether ``redact`` would change ``text``."""
        return self.redact(text) != text


def _snapshot(values: tuple[str, ...]) -> _Snapshot:
    exact = tuple(sorted((v for v in values if len(v) < WINDOW), key=len, reverse=True))
    blocks: dict[str, list[tuple[str, int]]] = {}
    for value in values:
        if len(value) < WINDOW:
            continue
        for offset in range(0, len(value) - _BLOCK + 1, _BLOCK):
            blocks.setdefault(value[offset : offset + _BLOCK], []).append((value, offset))
    return _Snapshot(exact, {block: tuple(places) for block, places in blocks.items()})


def _scrub_values(text: str, snapshot: _Snapshot) -> str:
    spans = _long_matches(text, snapshot.blocks)
    for value in snapshot.exact:
        start = text.find(value)
        while start != -1:
            spans.append((start, start + len(value)))
            start = text.find(value, start + 1)
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end in _merged(spans):
        pieces.append(text[position:start])
        pieces.append(REDACTED)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _long_matches(
    text: str, blocks: dict[str, tuple[tuple[str, int], ...]]
) -> list[tuple[int, int]]:
    """Spans of ``text`` of ``WINDOW``+ characters that also occur in a registered value.

    Any such span holds one of the value's blocks at an offset that is a multiple of 6, so
    each block is found with ``str.find`` and the match grown both ways from it; a match is
    grown once per alignment of text and value.
    """
    spans: list[tuple[int, int]] = []
    grown: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for block, places in blocks.items():
        found = text.find(block)
        while found != -1:
            for value, offset in places:
                runs = grown.setdefault((value, found - offset), [])
                if any(start <= found < end for start, end in runs):
                    continue
                start, end = _grow(text, found, value, offset)
                runs.append((start, end))
                if end - start >= WINDOW:
                    spans.append((start, end))
            found = text.find(block, found + 1)
    return spans


def _grow(text: str, found: int, value: str, offset: int) -> tuple[int, int]:
    start, at = found, offset
    while start > 0 and at > 0 and text[start - 1] == value[at - 1]:
        start -= 1
        at -= 1
    end, at = found + _BLOCK, offset + _BLOCK
    while end < len(text) and at < len(value) and text[end] == value[at]:
        end += 1
        at += 1
    return start, end


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


_PROCESS_REDACTOR = Redactor()


def redactor() -> Redactor:
    """The process-wide ``Redactor`` every ``Secret`` registers its value with."""
    return _PROCESS_REDACTOR


def register_secret(value: str | SecretLike | None) -> None:
    """Register ``value`` with the process-wide redactor (see ``Redactor.register``)."""
    _PROCESS_REDACTOR.register(value)


def redact(text: str) -> str:
    """``text`` scrubbed by the process-wide redactor (see ``Redactor.redact``)."""
    return _PROCESS_REDACTOR.redact(text)


def looks_like_secret(text: str) -> bool:
    """Whether ``text`` (a profile name, an auth type...) may be a pasted token or secret.

    True for ``dapi``/``dose``/``dkea``/JWT prefixes, a ``::`` login, 24+ hex digits, 24+
    letters and digits mixed with no separator, or a piece of a registered secret.
    """
    return bool(_secret_shaped().search(text)) or _PROCESS_REDACTOR.contains_secret(text)


def shown_name(text: str) -> str:
    """``repr(text)`` for a name to echo in a message, or a placeholder if it looks secret."""
    if looks_like_secret(text):
        return "(a name that looks like a token, not shown)"
    return repr(text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message, exception and stack text.

    Attach it to a handler (``handler.addFilter(RedactingFilter())``): handler filters see the
    records of child loggers such as ``httpcore.http11``, logger filters do not. The record is
    always kept; its ``msg`` becomes the redacted, formatted message and ``args`` is emptied.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor if redactor is not None else _PROCESS_REDACTOR
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always returns True."""
        try:
            message = record.getMessage()
        except Exception:
            message = f"{record.msg!s} (unformattable arguments dropped)"
        record.msg = self._redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redactor.redact(record.stack_info)
        return True
