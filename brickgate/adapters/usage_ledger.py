"""The gateway's usage ledger: one SQLite row per request, committed when the request ends."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from brickgate.domain.errors import ConfigurationError

__all__ = ["GROUPINGS", "LedgerRow", "UsageLedger", "UsageTotal", "default_ledger_path"]

GROUPINGS = ("model", "day", "key")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    key_id TEXT NOT NULL,
    model TEXT NOT NULL,
    protocol TEXT NOT NULL,
    upstream TEXT NOT NULL,
    status INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_at ON usage (at);
"""
_GROUP_SQL = {
    "model": "model",
    "day": "strftime('%Y-%m-%d', at, 'unixepoch')",
    "key": "key_id",
}


def default_ledger_path() -> Path:
    """``usage.sqlite3`` in the user data directory (``platformdirs.user_data_dir``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("brickgate")) / "usage.sqlite3"


@dataclass(frozen=True)
class LedgerRow:
    """One finished request: when, who (key id, never the key), what, how it went."""

    at: float
    key_id: str
    model: str
    protocol: str
    upstream: str
    status: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    latency_ms: float = 0.0
    request_id: str = ""


@dataclass(frozen=True)
class UsageTotal:
    """Totals for one group (a model, a day or a key id)."""

    group: str
    requests: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    mean_latency_ms: float


class UsageLedger:
    """An SQLite usage ledger at ``path`` (WAL mode; the file and its folder made private).

    ``record`` commits each row at once, so a killed process loses no finished request.
    Thread safe. Raises ``ConfigurationError`` when the database cannot be opened.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise ConfigurationError(
                f"cannot open the usage ledger at {path} ({type(error).__name__}: {error}); "
                "choose another file with --usage-db"
            ) from None
        self._lock = threading.Lock()

    def record(self, row: LedgerRow) -> None:
        """Append ``row`` and commit it."""
        with self._lock:
            self._db.execute(
                "INSERT INTO usage (at, key_id, model, protocol, upstream, status, "
                "prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, latency_ms, "
                "request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.at,
                    row.key_id,
                    row.model,
                    row.protocol,
                    row.upstream,
                    row.status,
                    row.prompt_tokens,
                    row.completion_tokens,
                    row.cached_tokens,
                    row.reasoning_tokens,
                    row.latency_ms,
                    row.request_id,
                ),
            )

    def count(self) -> int:
        """How many rows the ledger holds."""
        with self._lock:
            (total,) = self._db.execute("SELECT COUNT(*) FROM usage").fetchone()
        return int(total)

    def totals(self, *, since: float, by: str = "model") -> Sequence[UsageTotal]:
        """Totals per ``by`` group (``model``, ``day`` or ``key``) of rows at or after ``since``.

        Raises ``ConfigurationError`` for another grouping.
        """
        group = _GROUP_SQL.get(by)
        if group is None:
            raise ConfigurationError(f"--by {by!r} is not one of {', '.join(GROUPINGS)}")
        query = (
            f"SELECT {group} AS g, COUNT(*), SUM(status >= 400), SUM(prompt_tokens), "  # noqa: S608
            "SUM(completion_tokens), SUM(cached_tokens), SUM(reasoning_tokens), AVG(latency_ms) "
            "FROM usage WHERE at >= ? GROUP BY g ORDER BY g"
        )
        with self._lock:
            rows = self._db.execute(query, (since,)).fetchall()
        return [
            UsageTotal(
                str(g),
                int(n),
                int(e or 0),
                int(p or 0),
                int(c or 0),
                int(k or 0),
                int(r or 0),
                float(lat or 0),
            )
            for g, n, e, p, c, k, r, lat in rows
        ]

    def close(self) -> None:
        """Close the database; idempotent."""
        with self._lock:
            self._db.close()
