"""The HTTP libraries' own log records, scrubbed of the secrets of the call that made them.

httpcore logs response headers at DEBUG (an echoed ``Location`` included) and httpx logs the
status line at INFO; a server can put the token it received into either. ``install`` adds a
filter to those loggers that replaces the current call's secrets (see ``deadline``).
"""

from __future__ import annotations

import logging

from brickgate.adapters.transport.deadline import current_secrets
from brickgate.domain.scrub import scrub

_PARTS = (".connection", ".http11", ".http2", ".proxy", ".socks")
LOGGERS = (
    *(f"{library}{part}" for library in ("httpcore", "httpcore2") for part in _PARTS),
    "httpx",
    "httpx2",
)


class CallSecretsFilter(logging.Filter):
    """Rewrites a record whose text holds a secret of the current call; keeps every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place; always ``True``."""
        secrets = current_secrets()
        if secrets:
            text = record.getMessage()
            clean = scrub(text, secrets)
            if clean != text:
                record.msg, record.args = clean, None
        return True


_FILTER = CallSecretsFilter()


def install() -> None:
    """Add the filter to the HTTP libraries' loggers, once."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
