"""Shared fixtures: every test runs with a clean environment and a private HOME."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
_PREFIXES = ("DATABRICKS_", "BRICKGATE_", "PYTHON_KEYRING_")


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Clear DATABRICKS_*/BRICKGATE_* variables and point HOME and config dirs at a temp dir.

    The suite runs on the httpx backend (``BRICKGATE_HTTP_BACKEND=httpx``), which ``auto``
    would replace with httpx2 for async clients; httpx2 and ``auto`` have their own tests.
    """
    for name in list(os.environ):
        if name.startswith(_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("BRICKGATE_CONFIG_DIR", str(home / ".config" / "brickgate"))
    monkeypatch.setenv("BRICKGATE_HTTP_BACKEND", "httpx")
    yield home
