"""``--protocol`` and ``--tag``: how a chat request goes on the wire, and its gateway tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from brickgate.domain.params import ChatParams

PROTOCOL_CHOICES = ("auto", "chat", "responses", "messages")


def _check_protocol(value: str) -> str:
    if value not in PROTOCOL_CHOICES:
        raise typer.BadParameter(f"use one of {', '.join(PROTOCOL_CHOICES)}")
    return value


ProtocolOption = Annotated[
    str,
    typer.Option(
        "--protocol",
        callback=_check_protocol,
        help="Wire protocol: auto (default), chat, responses or messages.",
    ),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", help="AI Gateway request tag KEY=VALUE (repeatable)."),
]


def parse_tags(values: list[str] | None) -> dict[str, str]:
    """``KEY=VALUE`` strings as a tag mapping; raises ``typer.BadParameter`` for a bad one."""
    tags: dict[str, str] = {}
    for value in values or ():
        key, sep, tag = value.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{value!r} is not KEY=VALUE", param_hint="--tag")
        tags[key.strip()] = tag
    return tags


def add_wire_options(params: ChatParams, protocol: str, tags: list[str] | None) -> None:
    """Put ``--protocol`` (unless ``auto``) and ``--tag`` values into ``params``."""
    if protocol != "auto":
        params["protocol"] = protocol
    parsed = parse_tags(tags)
    if parsed:
        params["tags"] = parsed
