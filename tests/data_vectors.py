"""Load the test vectors copied into tests/data from the shared reference (seed and peers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@cache
def seed_vectors() -> dict[str, Any]:
    """Return seed_vectors.json: the TypeScript provider's test vectors (altimate-code PR #649)."""
    loaded: dict[str, Any] = json.loads((DATA / "seed_vectors.json").read_text(encoding="utf-8"))
    return loaded


@cache
def peer_vectors() -> dict[str, Any]:
    """Return peer_vectors.json: databricks-sdk and other peers' normalisation vectors."""
    loaded: dict[str, Any] = json.loads((DATA / "peer_vectors.json").read_text(encoding="utf-8"))
    return loaded


def host_vectors() -> list[dict[str, Any]]:
    """Every seed host-validation vector (seed tests then follow-up adversarial tests)."""
    section = seed_vectors()["host_validation"]
    return [*section["seed_tests"], *section["followup_adversarial_tests"]]


def login_vectors() -> list[dict[str, Any]]:
    """Every seed ``host::token`` vector; ``expected`` is ``None`` when the seed refuses."""
    section = seed_vectors()["pat_parsing"]
    return [*section["seed_tests"], *section["followup_adversarial_tests"]]


def vector_id(value: object) -> str | None:
    """A readable pytest id for an input that may hold control or non-ASCII characters.

    Returns ``None`` (pytest's default id) for anything that is not text.
    """
    if not isinstance(value, str):
        return None
    shown = value.encode("unicode_escape").decode("ascii") or "<empty>"
    return shown if len(shown) <= 60 else shown[:57] + "..."


def row_ids(rows: Sequence[Sequence[object]]) -> list[str]:
    """Readable pytest ids for a table whose rows start with the input text."""
    return [vector_id(str(row[0])) or "" for row in rows]
