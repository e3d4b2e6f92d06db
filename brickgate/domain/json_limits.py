"""JSON parsing with a nesting limit: a typed error instead of ``RecursionError``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["DEFAULT_MAX_DEPTH", "JsonDepthError", "check_depth", "loads_bounded"]

DEFAULT_MAX_DEPTH = 128
_TOKENS_BYTES = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_TOKENS_TEXT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class JsonDepthError(ValueError):
    """JSON nested deeper than the limit; ``what`` names the document, ``limit`` the depth.

    It is a ``ValueError`` like ``json.JSONDecodeError``, so code that already turns bad JSON
    into a typed brickgate error turns this one too; the message never quotes the document.
    """

    def __init__(self, *, what: str, limit: int) -> None:
        self.what = what
        self.limit = limit
        super().__init__(f"{what} is nested more than {limit} levels deep")


def check_depth(
    data: bytes | bytearray | memoryview | str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    what: str = "the JSON",
) -> None:
    """Raise ``JsonDepthError`` when ``data`` opens more than ``max_depth`` nested arrays/objects.

    Brackets inside strings do not count. When the document holds at most ``max_depth``
    brackets in all (the usual case) this is two C-speed counts; otherwise one regex pass over
    its strings and brackets. Never parses the document and never recurses.
    """
    if isinstance(data, memoryview):
        data = data.tobytes()
    if isinstance(data, str):
        if data.count("[") + data.count("{") <= max_depth:
            return
        _walk((match.group()[0] for match in _TOKENS_TEXT.finditer(data)), max_depth, what)
        return
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return
    _walk((chr(match.group()[0]) for match in _TOKENS_BYTES.finditer(data)), max_depth, what)


def _walk(firsts: Iterable[str], max_depth: int, what: str) -> None:
    depth = 0
    for first in firsts:
        if first in "[{":
            depth += 1
            if depth > max_depth:
                raise JsonDepthError(what=what, limit=max_depth)
        elif first in "]}":
            depth -= 1


def loads_bounded(
    data: bytes | bytearray | memoryview | str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    what: str = "the JSON",
) -> Any:
    """``json.loads(data)`` after ``check_depth``; returns the decoded value.

    Raises ``JsonDepthError`` for nesting beyond ``max_depth`` (also if the parser itself runs
    out of stack), ``json.JSONDecodeError`` for invalid JSON and ``UnicodeDecodeError`` for
    bytes that are not UTF-8/16/32 text; all three are ``ValueError``.
    """
    if isinstance(data, memoryview):
        data = data.tobytes()
    check_depth(data, max_depth=max_depth, what=what)
    try:
        return json.loads(data)
    except RecursionError:
        raise JsonDepthError(what=what, limit=max_depth) from None
