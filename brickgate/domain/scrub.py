"""Scrubbing the exact secrets of a request out of text built from what a server sent."""

from __future__ import annotations

from collections.abc import Sequence

from brickgate.domain.redaction import REDACTED, WINDOW, Redactor, redact

MARK = REDACTED
__all__ = ["MARK", "WINDOW", "scrub", "scrub_error"]


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` without any of ``secrets``, nor any ``WINDOW``-character piece of one, nor any
    value the process-wide redactor knows (every ``Secret`` registers itself there).

    A server that echoes the ``Authorization`` header, whole or cut, gets it back as ``MARK``.
    """
    if secrets:
        request = Redactor(capacity=max(len(secrets), 1))
        for secret in secrets:
            request.register(secret)
        text = request.redact(text)
    return redact(text)


def scrub_error(error: BaseException, secrets: Sequence[str]) -> BaseException:
    """``error`` with ``secrets`` scrubbed from its arguments and its text attributes; returned."""
    if not secrets:
        return error
    error.args = tuple(scrub(a, secrets) if isinstance(a, str) else a for a in error.args)
    for name, value in vars(error).items():
        if isinstance(value, str):
            setattr(error, name, scrub(value, secrets))
    return error
