"""``python -m bench gateway``: what the local gateway (``brickgate serve``) adds over calling
the workspace directly.

An upstream bench server (FakeWorkspace by default) and ``brickgate serve`` (with its usage
ledger) run as child processes; raw httpx in this process calls the upstream directly and the
gateway, interleaved, ``--reps`` times:

- sequential chat (non-streamed, pass-through): p50 and p99 latency, added = gateway - direct;
- one stream of ``--chunks`` SSE chunks: chunks/s, gateway / direct;
- ``--async-n`` requests at 100 in flight from one ``httpx.AsyncClient`` (the client SDKs use):
  requests/s, gateway / direct;
- ``--raw-n`` requests at 100 in flight from a minimal raw HTTP/1.1 client: what the gateway
  process can serve at most, next to an upstream that answers from a cache (no goal).

Writes ``bench/results/gateway.json`` and ``bench/GATEWAY.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench import CHAT_PATH, MAX_TOKENS, MESSAGES, MODEL, TOKEN

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KEY = "bgk-bench-gateway-key-000000000000000000"
GOALS = {"p50_added_ms": 1.0, "stream_ratio": 0.8, "throughput_ratio": 0.7}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Gateway:
    """``brickgate serve`` in front of ``upstream_port``, stopped by its PID."""

    def __init__(self, upstream_port: int, cpu: str | None) -> None:
        from bench.runner import pinned

        self.port = _free_port()
        self._db = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115
        self._db.close()
        env = {
            **os.environ,
            "DATABRICKS_HOST": f"http://127.0.0.1:{upstream_port}",
            "DATABRICKS_TOKEN": TOKEN,
            "BENCH_GATEWAY_KEY": KEY,
        }
        for name in (
            "DATABRICKS_CLIENT_ID",
            "DATABRICKS_CLIENT_SECRET",
            "DATABRICKS_CONFIG_PROFILE",
        ):
            env.pop(name, None)
        cmd = [
            sys.executable,
            "-m",
            "brickgate",
            "--trust-host",
            "127.0.0.1",
            "serve",
            "--port",
            str(self.port),
            "--key-env",
            "BENCH_GATEWAY_KEY",
            "--usage-db",
            self._db.name,
        ]
        self.proc = subprocess.Popen(pinned(cmd, cpu), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("brickgate serve did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Terminate the gateway (kill after 10 s) and remove its ledger."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(self._db.name + suffix)


def _targets(upstream: int, gateway: int) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "direct": (
            f"http://127.0.0.1:{upstream}{CHAT_PATH}",
            {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        ),
        "gateway": (
            f"http://127.0.0.1:{gateway}/v1/chat/completions",
            {"authorization": f"Bearer {KEY}", "content-type": "application/json"},
        ),
    }


def _body(**extra: Any) -> bytes:
    body = {"model": MODEL, "messages": MESSAGES, "max_tokens": MAX_TOKENS, **extra}
    return json.dumps(body, separators=(",", ":")).encode()


def _sequential(url: str, headers: dict[str, str], n: int, warmup: int) -> dict[str, float]:
    import httpx

    body = _body()
    times: list[float] = []
    with httpx.Client(timeout=60) as client:
        for i in range(warmup + n):
            started = time.perf_counter()
            answer = client.post(url, content=body, headers=headers)
            json.loads(answer.content)
            if i >= warmup:
                times.append(time.perf_counter() - started)
            answer.raise_for_status()
    times.sort()
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
    }


def _stream(url: str, headers: dict[str, str], chunks: int) -> dict[str, float]:
    import httpx

    body = _body(stream=True, fake_chunks=chunks)
    with httpx.Client(timeout=120) as client:
        started = time.perf_counter()
        events = 0
        with client.stream(
            "POST", url, content=body, headers={**headers, "x-fake-chunks": str(chunks)}
        ) as answer:
            answer.raise_for_status()
            for line in answer.iter_lines():
                if line.startswith("data:"):
                    events += 1
        elapsed = time.perf_counter() - started
    return {"chunks": events, "chunks_per_s": events / elapsed}


async def _burst_httpx(url: str, headers: dict[str, str], n: int, width: int) -> dict[str, float]:
    """``n`` requests over ``width`` connections of one ``httpx.AsyncClient`` (as SDKs send)."""
    import httpx

    body = _body()
    limits = httpx.Limits(max_connections=width, max_keepalive_connections=width)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one() -> None:
            answer = await client.post(url, content=body, headers=headers)
            answer.raise_for_status()

        await asyncio.gather(*(one() for _ in range(width)))
        left = n

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await one()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(width)))
        elapsed = time.perf_counter() - started
    return {"req_per_s": n / elapsed}


async def _burst_raw(url: str, headers: dict[str, str], n: int, width: int) -> dict[str, float]:
    """``n`` requests over ``width`` keep-alive connections of a minimal HTTP/1.1 client (httpx's
    pool itself slows down past a few dozen connections, which would hide the server)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    body = _body()
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (
        f"POST {parts.path} HTTP/1.1\r\nhost: {parts.netloc}\r\n{head}"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body
    left = n

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(request)
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"unexpected answer {status!r}")
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)

    async def worker(ready: asyncio.Event, opened: list[int]) -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        await one(reader, writer)
        opened.append(1)
        if len(opened) == width:
            ready.set()
        await ready.wait()
        while left > 0:
            left -= 1
            await one(reader, writer)
        writer.close()

    ready, opened = asyncio.Event(), []
    tasks = [asyncio.ensure_future(worker(ready, opened)) for _ in range(width)]
    await ready.wait()
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return {"raw_req_per_s": n / elapsed}


def measure(args: Any) -> dict[str, Any]:
    """Run every repetition; return raw figures and medians."""
    from bench.runner import Server, cpus

    server_cpu, _ = cpus()
    upstream = Server(args.server, server_cpu)
    try:
        gateway = Gateway(upstream.port, None)
        try:
            targets = _targets(upstream.port, gateway.port)
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
            for rep in range(args.reps):
                for name, (url, headers) in targets.items():
                    row = _sequential(url, headers, args.n, args.warmup)
                    row.update(_stream(url, headers, args.chunks))
                    row.update(asyncio.run(_burst_httpx(url, headers, args.async_n, 100)))
                    row.update(asyncio.run(_burst_raw(url, headers, args.raw_n, 100)))
                    runs[name].append(row)
                    brief = {k: round(v, 2) for k, v in row.items()}
                    print(f"rep{rep + 1} {name:8s} {json.dumps(brief)}")
        finally:
            gateway.stop()
    finally:
        upstream.stop()
    medians = {
        name: {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        for name, rows in runs.items()
    }
    return {"server": args.server, "reps": args.reps, "runs": runs, "medians": medians}


def render(results: dict[str, Any]) -> str:
    """The Markdown table of ``results``."""
    direct, gateway = results["medians"]["direct"], results["medians"]["gateway"]
    added_p50 = gateway["p50_ms"] - direct["p50_ms"]
    added_p99 = gateway["p99_ms"] - direct["p99_ms"]
    stream = gateway["chunks_per_s"] / direct["chunks_per_s"]
    burst = gateway["req_per_s"] / direct["req_per_s"]
    raw = gateway["raw_req_per_s"] / direct["raw_req_per_s"]

    def met(ok: bool) -> str:
        return "yes" if ok else "no"

    def row(name: str, key: str, unit: str, change: str, goal: str, ok: str) -> str:
        fmt = "{:.2f}" if unit == " ms" else "{:,.0f}"
        left, right = fmt.format(direct[key]) + unit, fmt.format(gateway[key]) + unit
        return f"| {name} | {left} | {right} | {change} | {goal} | {ok} |"

    return "\n".join(
        [
            f"Upstream: `{results['server']}`; medians of {results['reps']} repetitions; "
            f"{os.cpu_count()} cores, load average (1 min) {results['loadavg'][0]:.2f} at the "
            f"start, {results['loadavg'][1]:.2f} at the end.",
            "",
            "| measure | direct | through the gateway | added / ratio | goal | met |",
            "|---|---:|---:|---:|---:|:---:|",
            row(
                "sequential chat p50",
                "p50_ms",
                " ms",
                f"{added_p50:+.2f} ms",
                "<= +1 ms",
                met(added_p50 <= GOALS["p50_added_ms"]),
            ),
            row("sequential chat p99", "p99_ms", " ms", f"{added_p99:+.2f} ms", "", ""),
            row(
                "streaming chunks/s",
                "chunks_per_s",
                "",
                f"{stream:.2f}x",
                ">= 0.8x",
                met(stream >= GOALS["stream_ratio"]),
            ),
            row(
                "requests/s, 100 in flight, httpx.AsyncClient",
                "req_per_s",
                "",
                f"{burst:.2f}x",
                ">= 0.7x",
                met(burst >= GOALS["throughput_ratio"]),
            ),
            row(
                "requests/s, 100 in flight, minimal raw client",
                "raw_req_per_s",
                "",
                f"{raw:.2f}x",
                "",
                "",
            ),
        ]
    )


def cmd_gateway(args: Any) -> None:
    """Measure, print and write the gateway table."""
    load_start = os.getloadavg()[0]
    results = measure(args)
    results["loadavg"] = [load_start, os.getloadavg()[0]]
    markdown = render(results)
    out_dir = os.path.join(HERE, "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "gateway.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    if args.latest:
        with open(os.path.join(HERE, "GATEWAY.md"), "w") as handle:
            handle.write("# Latest gateway benchmark\n\nMade by `python -m bench gateway`.\n\n")
            handle.write(markdown + "\n")
    print(markdown)
