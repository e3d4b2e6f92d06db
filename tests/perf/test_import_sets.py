"""What a cold process imports: ``import brickgate``, a first request, ``brickgate --version``.

Each case runs in a fresh interpreter and reports ``sys.modules``; no timing is measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from brickgate.testing import FakeWorkspace

LIBRARY_HEAVY = (
    "dependency_injector",
    "pydantic",
    "pydantic_settings",
    "keyring",
    "typer",
    "rich",
    "yaml",
    "brickgate.container",
    "brickgate.containers",
)
"""Never needed by a client made with ``Client(host=..., token=...)`` and its requests."""

FIRST_REQUEST_BRICKGATE_MODULES = 90
"""About 15 % over the measured count (77, sync client): a guard against eager wiring."""

NOT_FOR_A_CHAT = (
    "brickgate.domain.batch",
    "brickgate.domain.sql",
    "brickgate.domain.calls.statements",
    "brickgate.domain.calls.oauth",
    "brickgate.domain.calls.messages",
    "brickgate.domain.calls.responses",
    "brickgate.domain.protocols.anthropic",
    "brickgate.domain.protocols.anthropic_stream",
    "brickgate.domain.protocols.responses",
    "brickgate.domain.protocols.responses_stream",
    "brickgate.domain.sse",
    "brickgate.domain.tokens",
    "brickgate.adapters.credentials.token_tools",
    "brickgate.services.batch_items",
    "brickgate.services.sql_batch",
    "brickgate.services._sync.batch",
    "brickgate.services._async.batch",
    "brickgate.services._sync.sql_batch",
    "brickgate.services._async.sql_batch",
    "brickgate.services._sync.streams",
    "brickgate.services._async.streams",
)
"""Batches, SQL, streams, OAuth and the other protocols: a plain chat on a PAT needs none."""


def modules_after(code: str, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded by ``code`` run in a fresh interpreter (it must print nothing);
    ``env`` is added to the environment."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The ``names`` in ``modules`` that the HTTP libraries themselves do not import.

    httpx imports rich (for its command line) when rich, click and pygments are installed, as
    they are beside brickgate's CLI: that is httpx's cost, not ours.
    """
    theirs = _http_libraries_imports()
    return sorted(name for name in names if name in modules and name not in theirs)


_HTTP_IMPORTS: set[str] = set()


def _http_libraries_imports() -> set[str]:
    if not _HTTP_IMPORTS:
        _HTTP_IMPORTS.update(modules_after("import httpx") & {"rich", "click", "pygments"})
        _HTTP_IMPORTS.add("")
    return _HTTP_IMPORTS


def test_import_brickgate_loads_no_http_library_container_or_event_loop() -> None:
    modules = modules_after("import brickgate")
    heavy = (*LIBRARY_HEAVY, "httpx", "httpcore", "httpx2", "asyncio", "brickgate.settings")
    assert loaded(modules, heavy) == []
    assert sorted(m for m in modules if m.startswith("brickgate")) == [
        "brickgate",
        "brickgate._lazy",
        "brickgate._version",
    ]


def test_public_names_load_on_first_use() -> None:
    modules = modules_after("import brickgate\nbrickgate.RateLimitError, brickgate.ChatResponse")
    assert {"brickgate.domain.errors", "brickgate.domain.chat"} <= modules
    assert "brickgate.domain.batch" not in modules


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_first_request_imports_only_what_it_needs(kind: str) -> None:
    sync_code = (
        "import sys, brickgate\n"
        "client = brickgate.Client(host=sys.argv[1], token=sys.argv[2],"
        " trusted_hosts=['127.0.0.1'])\n"
        "client.chat(sys.argv[3], 'Hello', max_tokens=5)\n"
        "client.close()\n"
    )
    async_code = (
        "import asyncio, sys, brickgate\n"
        "async def main():\n"
        "    async with brickgate.AsyncClient(host=sys.argv[1], token=sys.argv[2],"
        " trusted_hosts=['127.0.0.1']) as client:\n"
        "        await client.chat(sys.argv[3], 'Hello', max_tokens=5)\n"
        "asyncio.run(main())\n"
    )
    with FakeWorkspace() as ws:
        code = sync_code if kind == "sync" else async_code
        modules = modules_after(code, ws.url, ws.token, "databricks-meta-llama-3-3-70b-instruct")
    assert loaded(modules, LIBRARY_HEAVY) == []
    other_side = "brickgate._async." if kind == "sync" else "brickgate._sync."
    assert sorted(m for m in modules if m.startswith(other_side) and "deadline" not in m) == []
    unused_sources = ("m2m", "cli", "browser", "oidc", "azure")
    assert [m for m in modules if m.rsplit(".", 1)[-1] in unused_sources] == []
    assert sorted(modules.intersection(NOT_FOR_A_CHAT)) == []
    if kind == "sync":
        assert "asyncio" not in modules
    else:
        assert "httpx2" not in modules, "the suite runs on httpx (BRICKGATE_HTTP_BACKEND=httpx)"
    ours = [m for m in modules if m.startswith("brickgate")]
    assert len(ours) <= FIRST_REQUEST_BRICKGATE_MODULES, sorted(ours)


def test_an_async_client_on_httpx2_never_imports_httpx() -> None:
    code = (
        "import asyncio, sys, brickgate\n"
        "async def main():\n"
        "    async with brickgate.AsyncClient(host=sys.argv[1], token=sys.argv[2],"
        " trusted_hosts=['127.0.0.1']) as client:\n"
        "        await client.chat(sys.argv[3], 'Hello', max_tokens=5)\n"
        "        async for _ in client.stream(sys.argv[3], 'Hello', max_tokens=5):\n"
        "            pass\n"
        "asyncio.run(main())\n"
    )
    with FakeWorkspace() as ws:
        model = "databricks-meta-llama-3-3-70b-instruct"
        modules = modules_after(
            code, ws.url, ws.token, model, env={"BRICKGATE_HTTP_BACKEND": "auto"}
        )
    assert "httpx2" in modules
    assert sorted(m for m in modules if m == "httpx" or m.startswith("httpx.")) == []


def test_brickgate_version_loads_neither_the_cli_libraries_nor_httpx() -> None:
    modules = modules_after(
        "import sys\nsys.argv = ['brickgate', '--version']\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    from brickgate._entry import main\n"
        "    main()\n"
    )
    heavy = (*LIBRARY_HEAVY, "httpx", "httpcore", "asyncio", "click", "brickgate.cli.app")
    assert loaded(modules, heavy) == []


def test_brickgate_help_loads_neither_httpx_nor_the_container() -> None:
    modules = modules_after(
        "import sys\nsys.argv = ['brickgate', '--help']\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    from brickgate._entry import main\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    heavy = ("httpx", "httpcore", "dependency_injector", "brickgate.container", "keyring")
    assert loaded(modules, heavy) == []
