"""Scrubbing the exact secrets of a request out of text built from what a server sent."""

from __future__ import annotations

from collections.abc import Sequence

WINDOW = 12
MARK = "[REDACTED]"


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` without any of ``secrets``, nor any ``WINDOW``-character piece of one.

    A server that echoes the ``Authorization`` header, whole or cut, gets it back as ``MARK``.
    """
    for secret in secrets:
        if not secret:
            continue
        if secret in text:
            text = text.replace(secret, MARK)
        for start in range(len(secret) - WINDOW + 1):
            piece = secret[start : start + WINDOW]
            if piece in text:
                text = text.replace(piece, MARK)
    return text


def scrub_error(error: BaseException, secrets: Sequence[str]) -> BaseException:
    """``error`` with ``secrets`` scrubbed from its arguments and its text attributes; returned."""
    if not secrets:
        return error
    error.args = tuple(scrub(a, secrets) if isinstance(a, str) else a for a in error.args)
    for name, value in vars(error).items():
        if isinstance(value, str):
            setattr(error, name, scrub(value, secrets))
    return error
