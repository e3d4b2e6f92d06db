"""``--debug``: DEBUG logging to standard error with anything secret-looking masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from typing import TextIO

from brickgate.domain.redaction import RedactingFilter

_SECRET_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[^\s'\",]+"),
    re.compile(r"\b(dapi|dose|dkea)[A-Za-z0-9_-]{6,}"),
    re.compile(r"(?i)(client_secret|access_token|refresh_token|token)=([^&\s'\"]+)"),
)
MASK = "****"


def mask_secrets(text: str) -> str:
    """``text`` with bearer credentials, Databricks tokens and token form fields masked."""
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)}={MASK}", text)


class MaskingFilter(logging.Filter):
    """Rewrites each record's message with ``mask_secrets`` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the formatted message in place; always keeps the record."""
        record.msg = mask_secrets(record.getMessage())
        record.args = None
        return True


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at emit time (test runners swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def enable_debug_logging() -> Callable[[], None]:
    """Send DEBUG records of every logger to stderr, masked; return a function undoing it."""
    root = logging.getLogger()
    handler = _CurrentStderrHandler()
    handler.addFilter(MaskingFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(previous)

    return undo
