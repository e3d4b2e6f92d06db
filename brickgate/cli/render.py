"""How results look: rich tables for people, plain JSON for programs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from brickgate.cli.errors import cli_words
from brickgate.domain.catalog import Capabilities, ModelEntry
from brickgate.domain.chat import ChatResponse, Endpoint, Usage
from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    TokenSourceCredential,
)
from brickgate.domain.resolution import Resolution

if TYPE_CHECKING:
    from brickgate.cli.diagnose import SourceReport

_CAPABILITY_NAMES = ("tools", "vision", "reasoning", "structured_output")


def to_json(value: Any) -> str:
    """Compact-but-readable JSON text for ``value`` (keys in the order given)."""
    return json.dumps(value, ensure_ascii=False)


def usage_dict(usage: Usage | None) -> dict[str, int] | None:
    """The usage counters that are set, or ``None``."""
    if usage is None:
        return None
    return {key: value for key, value in asdict(usage).items() if value is not None}


def response_dict(response: ChatResponse) -> dict[str, Any]:
    """A chat reply as the JSON ``brickgate chat --json`` prints."""
    return {
        "text": response.text,
        "reasoning": response.reasoning,
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": call.arguments}
            for call in response.tool_calls
        ],
        "usage": usage_dict(response.usage),
        "model": response.model,
        "finish_reason": response.finish_reason,
        "adjustments": [
            {"rule": item.rule, "detail": item.detail} for item in response.adjustments
        ],
    }


def usage_line(response: ChatResponse) -> str:
    """``model · N prompt + M completion = T tokens`` for standard error."""
    usage = response.usage
    counts = (
        f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion = "
        f"{usage.total_tokens} tokens"
        if usage is not None
        else "usage not reported"
    )
    finish = f" · finish: {response.finish_reason}" if response.finish_reason else ""
    return f"{response.model or 'model unknown'} · {counts}{finish}"


def _number(value: int | None) -> str:
    return f"{value:,}" if value is not None else "—"


def capability_text(capabilities: Capabilities) -> str:
    """Space-separated capability names as ``--json`` spells them, e.g. ``tools vision``."""
    return " ".join(n for n in _CAPABILITY_NAMES if getattr(capabilities, n))


def model_dict(entry: ModelEntry) -> dict[str, Any]:
    """One ``brickgate models --json`` item."""
    spec = entry.spec
    return {
        "name": entry.name,
        "availability": str(entry.availability),
        "ready": entry.ready,
        "provider": spec.provider if spec else None,
        "task": spec.task if spec else (entry.endpoint.task if entry.endpoint else None),
        "status": spec.status if spec else None,
        "context_window": spec.context_window if spec else None,
        "max_output": spec.max_output if spec else None,
        "capabilities": [n for n in _CAPABILITY_NAMES if spec and getattr(spec.capabilities, n)],
        "protocols": list(spec.protocols) if spec else [],
    }


def models_table(entries: Sequence[ModelEntry]) -> Table:
    """The ``brickgate models`` table."""
    table = Table(title="Models", title_justify="left")
    table.add_column("Model", no_wrap=True)
    for column in ("Availability", "Provider", "Task"):
        table.add_column(column)
    table.add_column("Context", justify="right")
    table.add_column("Max out", justify="right")
    table.add_column("Capabilities")
    table.add_column("Protocols")
    for entry in entries:
        spec = entry.spec
        availability = str(entry.availability)
        if spec is not None and spec.status != "active":
            availability += f" ({spec.status})"
        cells = (
            entry.name,
            availability,
            spec.provider if spec else "",
            spec.task if spec else (entry.endpoint.task or "" if entry.endpoint else ""),
            _number(spec.context_window if spec else None),
            _number(spec.max_output if spec else None),
            capability_text(spec.capabilities) if spec else "",
            ", ".join(spec.protocols) if spec else "",
        )
        table.add_row(*(Text(cell) for cell in cells))
    return table


def endpoint_dict(endpoint: Endpoint) -> dict[str, Any]:
    """One ``brickgate endpoints --json`` item."""
    return asdict(endpoint)


def endpoints_table(endpoints: Sequence[Endpoint]) -> Table:
    """The ``brickgate endpoints`` table."""
    table = Table(title="Serving endpoints", title_justify="left")
    table.add_column("Name", no_wrap=True)
    for column in ("Task", "State", "Served"):
        table.add_column(column)
    for endpoint in endpoints:
        state = "ready" if endpoint.ready else (endpoint.state or "not ready").lower()
        served = endpoint.foundation_model or ", ".join(endpoint.served_entities)
        table.add_row(*(Text(cell) for cell in (endpoint.name, endpoint.task or "", state, served)))
    return table


def credential_lines(credential: Credential) -> list[str]:
    """Host, cloud and auth method of ``credential``, the secret masked (``dapi…cdef``)."""
    lines = [f"Host:   {credential.host.url}", f"Cloud:  {credential.host.cloud}"]
    if isinstance(credential, OAuthClientCredentials):
        lines.append(
            f"Auth:   OAuth machine-to-machine, client id {credential.client_id}, "
            f"secret {credential.client_secret.masked()}"
        )
    elif isinstance(credential, TokenSourceCredential):
        lines.append(f"Auth:   {credential.describe()}")
    else:
        lines.append(f"Auth:   personal access token {credential.token.masked()}")
    return lines


def credential_dict(credential: Credential) -> dict[str, str]:
    """Host, cloud and auth method of ``credential`` as JSON, the secret masked."""
    shown = {"host": credential.host.url, "cloud": str(credential.host.cloud)}
    if isinstance(credential, OAuthClientCredentials):
        return {
            **shown,
            "auth": "oauth-m2m",
            "client_id": credential.client_id,
            "client_secret": credential.client_secret.masked(),
        }
    if isinstance(credential, TokenSourceCredential):
        return {**shown, "auth": credential.auth_type, "description": credential.describe()}
    return {**shown, "auth": "pat", "token": credential.token.masked()}


def trace_table(resolution: Resolution) -> Table:
    """Every credential source checked: used, skipped (why) or shadowed (by what)."""
    return sources_table(
        (entry.source, entry.outcome, entry.reason, entry.where) for entry in resolution.trace
    )


def report_table(rows: Sequence[SourceReport]) -> Table:
    """The table of ``sources_table`` for rows of a diagnosis."""
    return sources_table((row.source, row.outcome, row.reason, row.where) for row in rows)


def sources_table(rows: Iterable[tuple[str, str, str, str]]) -> Table:
    """A table of (source, outcome, why, where) rows, outcomes coloured."""
    table = Table(title="Credential sources, in the order they were checked", title_justify="left")
    for column in ("Source", "Outcome", "Why", "Where"):
        table.add_column(column, overflow="fold")
    styles = {"used": "green", "usable": "green", "shadowed": "yellow", "skipped": "dim"}
    for source, outcome, reason, where in rows:
        style = styles.get(outcome, "red")
        shown = Text(cli_words(reason))
        table.add_row(Text(source), Text(outcome, style=style), shown, Text(where))
    return table
