"""The ``brickgate`` command line (needs the ``cli`` extra: typer and rich)."""

from __future__ import annotations

from brickgate.cli.app import app, main

__all__ = ["app", "main"]
