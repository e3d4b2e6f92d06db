"""What ``brickgate --help`` (and a command's ``--help``) imports in a fresh process.

Each case runs the console script's ``main`` in a fresh interpreter and reports ``sys.modules``
and what was printed; no timing is measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
import typer

from brickgate.cli import app

HELP_NEVER_LOADS = (
    "rich",
    "typer.rich_utils",
    "markdown_it",
    "pygments",
    "pydantic",
    "httpx",
    "httpx2",
    "httpcore",
    "h11",
    "asyncio",
    "socket",
    "ssl",
    "json",
    "logging",
    "hashlib",
    "getpass",
    "dependency_injector",
    "keyring",
    "prompt_toolkit",
    "platformdirs",
    "sqlite3",
    "starlette",
    "uvicorn",
    "uvloop",
)
"""Third-party and standard-library modules that only running a command may need."""

CLI_WORK_MODULES = (
    "brickgate.cli.batch_run",
    "brickgate.cli.debug",
    "brickgate.cli.diagnose",
    "brickgate.cli.errors",
    "brickgate.cli.history",
    "brickgate.cli.probe",
    "brickgate.cli.progress",
    "brickgate.cli.render",
    "brickgate.cli.session",
)
"""The command line's own modules that do a command's work: imported when it runs."""

LIBRARY_MODULES_HELP_MAY_LOAD = frozenset(
    {"brickgate", "brickgate._entry", "brickgate._lazy", "brickgate._version"}
)
"""Outside ``brickgate.cli``, the only brickgate modules help needs."""

GLOBAL_OPTIONS = ("--profile", "--host", "--trust-host", "--debug", "--version", "--help")

_RUN = """
import contextlib, io, sys
sys.argv = ["brickgate", *sys.argv[1:]]
out, err = io.StringIO(), io.StringIO()
code = 0
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    from brickgate._entry import main
    try:
        main()
    except SystemExit as exit:
        code = exit.code
modules = sorted(sys.modules)
import json
print(json.dumps({"modules": modules, "out": out.getvalue(), "code": code}))
"""


def run_fresh(*args: str) -> dict[str, Any]:
    """``brickgate ARGS`` run through the console script in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def heavy_loaded(modules: list[str]) -> list[str]:
    """The modules in ``modules`` that help should not need."""
    loaded = set(modules)
    third_party = [name for name in HELP_NEVER_LOADS if name in loaded]
    work = [name for name in CLI_WORK_MODULES if name in loaded]
    library = [
        name
        for name in loaded
        if name.startswith("brickgate")
        and not name.startswith("brickgate.cli")
        and name not in LIBRARY_MODULES_HELP_MAY_LOAD
    ]
    return sorted([*third_party, *work, *library])


def command_names() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(getattr(group, "commands", {}))


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--help",), 0),
        ((), 2),
        (("chat", "--help"), 0),
        (("batch", "--help"), 0),
        (("auth", "status", "--help"), 0),
        (("serve", "--help"), 0),
    ],
    ids=["help", "no-args", "chat-help", "batch-help", "auth-status-help", "serve-help"],
)
def test_help_loads_only_typer_and_the_command_table(args: tuple[str, ...], code: int) -> None:
    run = run_fresh(*args)
    assert run["code"] == code
    assert run["out"].startswith("Usage: brickgate")
    assert heavy_loaded(run["modules"]) == []


@pytest.mark.parametrize("args", [("--help",), ()], ids=["help", "no-args"])
def test_help_lists_every_command_and_global_option(args: tuple[str, ...]) -> None:
    text = run_fresh(*args)["out"]
    section = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in section.splitlines() if not line.startswith("   ")]
    assert sorted(row.split()[0] for row in rows) == command_names()
    for option in GLOBAL_OPTIONS:
        assert option in text


def test_the_guard_sees_what_running_a_command_loads(tmp_path: Any) -> None:
    run = run_fresh("usage", "--usage-db", str(tmp_path / "missing.db"))
    assert run["code"] == 2
    assert {"rich", "brickgate.cli.errors"} <= set(heavy_loaded(run["modules"]))
