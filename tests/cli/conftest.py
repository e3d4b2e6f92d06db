"""Fixtures for the command-line tests: a FakeWorkspace and an in-process runner."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.cli import app
from brickgate.testing import FakeWorkspace, MemoryKeyring

LOOPBACK = "127.0.0.1"


@dataclass
class Outcome:
    """What one run printed, and how it exited."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Cli:
    """Runs the real ``brickgate`` Typer app in-process, with a private in-memory keyring."""

    def __init__(self) -> None:
        self.keyring = MemoryKeyring()
        store = KeyringStore(backend=self.keyring, trusted_hosts=(LOOPBACK,))
        self.overrides: dict[str, Any] = {"keyring_store": store}

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Outcome:
        result = CliRunner().invoke(
            app,
            list(args),
            input=input,
            env=dict(env or {}),
            obj={**self.overrides, **overrides},
            prog_name="brickgate",
        )
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)


def unavailable_keyring_store() -> KeyringStore:
    """A keyring store on keyring's "fail" backend: a machine without any keyring."""
    import keyring.backends.fail

    return KeyringStore(backend=keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]


def last_body(workspace: FakeWorkspace) -> dict[str, Any]:
    """The JSON body of the last request the workspace received."""
    body = workspace.requests[-1].json
    assert isinstance(body, dict)
    return body


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def workspace() -> Iterator[FakeWorkspace]:
    with FakeWorkspace() as ws:
        yield ws


@pytest.fixture
def ws_env(workspace: FakeWorkspace) -> dict[str, str]:
    """Environment variables pointing at the fake workspace (loopback trusted)."""
    return {
        "DATABRICKS_HOST": workspace.url,
        "DATABRICKS_TOKEN": workspace.token,
        "BRICKGATE_TRUSTED_HOSTS": LOOPBACK,
        "BRICKGATE_MAX_RETRIES": "0",
    }
