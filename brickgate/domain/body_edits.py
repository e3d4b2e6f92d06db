"""Copy-on-write edits of the lists in a chat body, shared by the request rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def fix_each(
    body: dict[str, Any], key: str, fix: Callable[[Mapping[str, Any]], dict[str, Any] | None]
) -> list[int]:
    """Replace each dict item of ``body[key]`` that ``fix`` rewrites; return their positions."""
    items = body.get(key)
    if not isinstance(items, list):
        return []
    fixed: list[Any] | None = None
    changed: list[int] = []
    for position, item in enumerate(items):
        new_item = fix(item) if isinstance(item, Mapping) else None
        if new_item is not None:
            if fixed is None:
                fixed = list(items)
            fixed[position] = new_item
            changed.append(position)
    if fixed is not None:
        body[key] = fixed
    return changed


def messages_places(positions: list[int]) -> str:
    return ", ".join(f"messages[{position}]" for position in positions)
