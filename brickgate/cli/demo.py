"""``brickgate demo``: every part working against a local fake workspace, no account needed."""

from __future__ import annotations

import typer

from brickgate.cli.state import CliState

DEMO_PROFILE = "demo"
DEMO_MODEL = "databricks-claude-sonnet-4-5"
DEMO_PROMPT = "Say hello to a newcomer trying brickgate."
LOOPBACK = "127.0.0.1"


def demo(ctx: typer.Context) -> None:
    """Start a fake workspace on loopback, log in to it in memory, list models, stream a reply."""
    from dependency_injector import providers

    from brickgate._sync.client import Client
    from brickgate.cli.chat import stream_reply
    from brickgate.cli.render import credential_lines, models_table, trace_table, usage_line
    from brickgate.domain.catalog import Availability
    from brickgate.domain.credentials import parse_login
    from brickgate.testing import FakeWorkspace
    from brickgate.testing.memory_store import MemoryCredentialStore

    state: CliState = ctx.obj
    out = state.out
    settings = state.settings(profile=DEMO_PROFILE).model_copy(
        update={"trusted_hosts": (LOOPBACK,), "use_keyring": False}
    )
    with FakeWorkspace() as workspace:
        out.rule("1. A fake Databricks workspace")
        out.print(f"Serving the Databricks REST contract on {workspace.url}", markup=False)

        out.rule("2. Log in (kept in memory: no file written, no keyring touched)")
        credential = parse_login(f"{workspace.url}::{workspace.token}", trusted_hosts=[LOOPBACK])
        store = MemoryCredentialStore(name="demo login (memory)")
        store.save(DEMO_PROFILE, credential)
        container = state.container(
            settings, credential_sources=providers.Object([store]), keyring_store=store
        )
        resolution = container.credential_chain().resolve(DEMO_PROFILE)
        for line in credential_lines(resolution.credential):
            out.print(line, markup=False)
        out.print(trace_table(resolution))

        with Client(container=container) as client:
            out.rule("3. Models this workspace serves")
            served = [m for m in client.models() if m.availability is Availability.SERVED]
            out.print(models_table(served))

            out.rule(f"4. A streamed chat reply from {DEMO_MODEL}")
            out.print(f"you> {DEMO_PROMPT}", markup=False)
            messages = [{"role": "user", "content": DEMO_PROMPT}]
            response = stream_reply(client, DEMO_MODEL, messages, {"max_tokens": 256}, show=True)
            state.err.print(usage_line(response), style="dim", markup=False)

    out.rule("Next")
    out.print(
        "Log in to your own workspace with `brickgate login`, then try "
        f'`brickgate models` and `brickgate chat -m {DEMO_MODEL} "Hello"`.',
        markup=False,
    )
