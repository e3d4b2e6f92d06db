"""``brickgate usage``: totals from the gateway's usage ledger."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from brickgate.cli.state import CliState

__all__ = ["parse_since", "usage"]

_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SINCE = re.compile(r"(\d+)([mhdw])")


def parse_since(text: str) -> float:
    """Seconds in ``30m``, ``24h``, ``7d`` or ``2w``; ``ConfigurationError`` otherwise."""
    match = _SINCE.fullmatch(text.strip().lower())
    if match is None:
        from brickgate.domain.errors import ConfigurationError

        raise ConfigurationError(f"--since {text!r}: use a number and m, h, d or w (7d)")
    return int(match.group(1)) * _UNITS[match.group(2)]


def usage(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 24h, 7d, 2w.")] = "7d",
    by: Annotated[str, typer.Option("--by", help="Group by model, day or key.")] = "model",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    usage_db: Annotated[
        Path | None, typer.Option("--usage-db", help="Usage ledger (SQLite) file.")
    ] = None,
) -> None:
    """Requests and tokens through the local gateway, from its usage ledger."""
    from rich.table import Table

    from brickgate.adapters.usage_ledger import UsageLedger, default_ledger_path
    from brickgate.domain.errors import ConfigurationError

    state: CliState = ctx.obj
    start = time.time() - parse_since(since)
    path = usage_db or default_ledger_path()
    if not path.exists():
        raise ConfigurationError(
            f"no usage ledger at {path}; the gateway writes one when `brickgate serve` runs"
        )
    ledger = UsageLedger(path)
    try:
        totals = ledger.totals(since=start, by=by)
    finally:
        ledger.close()
    if json_output:
        import json

        rows = [total.__dict__ for total in totals]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title=f"Gateway usage since {since} ago, by {by}")
    for name in (by, "requests", "errors", "prompt", "completion", "cached", "reasoning", "ms"):
        table.add_column(name, justify="left" if name == by else "right")
    for t in totals:
        table.add_row(
            t.group,
            str(t.requests),
            str(t.errors),
            str(t.prompt_tokens),
            str(t.completion_tokens),
            str(t.cached_tokens),
            str(t.reasoning_tokens),
            f"{t.mean_latency_ms:.0f}",
        )
    state.out.print(table)
