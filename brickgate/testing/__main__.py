"""``python -m brickgate.testing``: run a FakeWorkspace in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from brickgate.testing.fake_workspace import FakeWorkspace


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m brickgate.testing",
        description="Serve a fake Databricks workspace on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument("--token", help="the PAT to accept (default: a random dapi... token)")
    parser.add_argument("--client-id", help="OAuth M2M client id to accept")
    parser.add_argument("--client-secret", help="OAuth M2M client secret to accept")
    parser.add_argument("--ai-gateway", action="store_true", help="serve /ai-gateway/mlflow/v1")
    parser.add_argument("--stream-chunks", type=int, help="chunks per streamed answer")
    return parser


def describe(ws: FakeWorkspace, out: TextIO) -> None:
    """Print how to reach ``ws``: url, credentials and example commands."""
    model = "databricks-meta-llama-3-3-70b-instruct"
    out.write(
        f"FakeWorkspace listening on {ws.url}\n"
        f"  token          {ws.token}\n"
        f"  client id      {ws.client_id}\n"
        f"  client secret  {ws.client_secret}\n"
        "Try:\n"
        f"  curl -s {ws.url}/api/2.0/serving-endpoints -H 'Authorization: Bearer {ws.token}'\n"
        f"  DATABRICKS_HOST={ws.url} DATABRICKS_TOKEN={ws.token} "
        f"brickgate --trust-host 127.0.0.1 chat -m {model} 'Hello'\n"
        f"  python -c \"import brickgate; c = brickgate.Client(host='{ws.url}', "
        f"token='{ws.token}', trusted_hosts=['127.0.0.1']); print(c.chat('{model}', 'Hi').text)\"\n"
        "Press Ctrl-C to stop.\n"
    )
    out.flush()


def main(argv: Sequence[str] | None = None, stop: threading.Event | None = None) -> int:
    """Run the server until Ctrl-C (or until ``stop`` is set); return the exit status."""
    args = _parser().parse_args(argv)
    ws = FakeWorkspace(
        token=args.token,
        client_id=args.client_id,
        client_secret=args.client_secret,
        ai_gateway=args.ai_gateway,
        stream_chunks=args.stream_chunks,
        port=args.port,
    )
    stop = stop or threading.Event()
    with ws:
        describe(ws, sys.stdout)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            sys.stdout.write("stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
