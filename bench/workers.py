"""One measurement in a fresh process: ``python -m bench worker --scenario S --system X ...``.

Prints ``RESULT <json>``. Memory figures are VmRSS/VmHWM from ``/proc/self/status`` (KiB).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.systems import SYSTEMS, Unsupported

Result = dict[str, Any]


def _status_kb(field: str) -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_kb() -> int:
    """Current resident set size, KiB."""
    return _status_kb("VmRSS:")


def peak_rss_kb() -> int:
    """Peak resident set size, KiB."""
    return _status_kb("VmHWM:")


def _latencies(lat: list[int], cpu: float, rss0: int) -> Result:
    n = len(lat)
    lat.sort()
    return {
        "requests": n,
        "median_us": statistics.median(lat) / 1e3,
        "p99_us": lat[min(n - 1, int(n * 0.99))] / 1e3,
        "cpu_us_per_req": cpu / n * 1e6,
        "rss_before_kb": rss0,
        "maxrss_kb": peak_rss_kb(),
    }


def seq(system: Any, base: str, n: int, warmup: int) -> Result:
    """Sequential non-streaming chat: warm-up, then ``n`` timed requests."""
    if system.is_async:
        return asyncio.run(_aseq(system, base, n, warmup))
    system.setup(base)
    for _ in range(warmup):
        system.chat()
    rss0 = rss_kb()
    clock = time.perf_counter_ns
    lat = [0] * n
    cpu0 = time.process_time()
    for i in range(n):
        start = clock()
        system.chat()
        lat[i] = clock() - start
    return _latencies(lat, time.process_time() - cpu0, rss0)


async def _aseq(system: Any, base: str, n: int, warmup: int) -> Result:
    await system.asetup(base)
    for _ in range(warmup):
        await system.achat()
    rss0 = rss_kb()
    clock = time.perf_counter_ns
    lat = [0] * n
    cpu0 = time.process_time()
    for i in range(n):
        start = clock()
        await system.achat()
        lat[i] = clock() - start
    result = _latencies(lat, time.process_time() - cpu0, rss0)
    await system.aclose()
    return result


def stream(system: Any, base: str, chunks: int, times: int) -> Result:
    """One streamed reply of ``chunks`` chunks, ``times`` times; the median stream."""
    if system.is_async:
        return asyncio.run(_astream(system, base, chunks, times))
    system.setup(base)
    system.stream(200)
    return _timed_streams(lambda: system.stream(chunks), chunks, times)


def _timed_streams(run: Any, chunks: int, times: int) -> Result:
    walls, cpus, seen = [], [], 0
    for _ in range(times):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        seen = run()
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return _stream_result(walls, cpus, seen, chunks)


def _stream_result(walls: list[float], cpus: list[float], seen: int, chunks: int) -> Result:
    wall = statistics.median(walls)
    return {
        "requests": len(walls),
        "total_ms": wall * 1e3,
        "chunks_per_s": chunks / wall,
        "cpu_ms": statistics.median(cpus) * 1e3,
        "chunks_seen": seen,
        "maxrss_kb": peak_rss_kb(),
    }


async def _astream(system: Any, base: str, chunks: int, times: int) -> Result:
    await system.asetup(base)
    await system.astream(200)
    walls, cpus, seen = [], [], 0
    for _ in range(times):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        seen = await system.astream(chunks)
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    await system.aclose()
    return _stream_result(walls, cpus, seen, chunks)


async def _concurrent(system: Any, base: str, total: int, concurrency: int) -> Result:
    await system.asetup(base)
    await asyncio.gather(*(system.achat() for _ in range(concurrency)))
    rss0 = rss_kb()
    left = [total]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            await system.achat()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 120)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    await system.aclose()
    return {
        "requests": total + concurrency,
        "wall_ms": wall * 1e3,
        "req_per_s": total / wall,
        "cpu_ms": cpu * 1e3,
        "cpu_us_per_req": cpu / total * 1e6,
        "rss_before_kb": rss0,
        "maxrss_kb": peak_rss_kb(),
    }


def long_stream(system: Any, base: str, chunks: int) -> Result:
    """One stream of ``chunks`` chunks; RSS sampled every ``TICK_EVERY`` chunks.

    ``rss_growth_kb`` is the growth from the first sample at or past 10 % of the chunks to the
    end (the reply assembled by brickgate included).
    """
    if system.is_async:
        raise Unsupported("the long stream runs on sync systems")
    system.setup(base)
    system.stream(200)
    samples: list[tuple[int, int]] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    seen = system.stream(chunks, lambda count: samples.append((count, rss_kb())))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    end = rss_kb()
    early = next((kb for count, kb in samples if count >= chunks // 10), end)
    return {
        "requests": 1,
        "chunks_seen": seen,
        "chunks_per_s": seen / wall,
        "cpu_ms": cpu * 1e3,
        "rss_at_10pct_kb": early,
        "rss_end_kb": end,
        "rss_growth_kb": end - early,
        "maxrss_kb": peak_rss_kb(),
    }


def local_batch(items: int, concurrency: int = 8) -> Result:
    """``Client.batch`` over ``items`` generated prompts against an instant in-memory transport.

    Measures brickgate's own cost per item (items/s, CPU) and RSS from 10 % of the results
    to the end (the items come from a generator, so the input list is not what is measured).
    """
    import brickgate
    from bench import MODEL
    from bench.systems import InstantTransport

    client = brickgate.Client.with_transport(InstantTransport())
    prompts = ((f"item-{i}", f"prompt {i}") for i in range(items))
    step = max(1, items // 10)
    samples: list[int] = []
    done = failed = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with client.batch(MODEL, prompts, concurrency=concurrency, max_tokens=5) as run:
        for result in run:
            done += 1
            failed += result.error is not None
            if done % step == 0:
                samples.append(rss_kb())
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    client.close()
    end = rss_kb()
    early = samples[0] if samples else end
    return {
        "requests": done,
        "failed": failed,
        "items_per_s": done / wall,
        "cpu_us_per_item": cpu / max(done, 1) * 1e6,
        "rss_at_10pct_kb": early,
        "rss_end_kb": end,
        "rss_growth_kb": end - early,
        "maxrss_kb": peak_rss_kb(),
    }


def cli_walls(times: int = 5) -> Result:
    """Median wall seconds of ``brickgate --version`` and ``brickgate --help`` (fresh processes)."""
    script = os.path.join(os.path.dirname(sys.executable), "brickgate")
    command = [script] if os.path.exists(script) else [sys.executable, "-m", "brickgate"]
    found: Result = {"requests": 0}
    for flag in ("--version", "--help"):
        walls = []
        for _ in range(times):
            start = time.perf_counter()
            subprocess.run([*command, flag], capture_output=True, check=True, timeout=60)
            walls.append(time.perf_counter() - start)
        found[flag.strip("-") + "_ms"] = statistics.median(walls) * 1e3
    return found


def concurrent(system: Any, base: str, total: int, concurrency: int) -> Result:
    """``total`` requests through ``concurrency`` workers on one event loop (after a warm-up)."""
    if not system.is_async:
        raise Unsupported("the async scenario needs an async system")
    return asyncio.run(_concurrent(system, base, total, concurrency))


def cold_rest(name: str, base: str, t0: float, t1: float) -> None:
    """After the timed import (``t0``..``t1``): time construction and the first request."""
    system = SYSTEMS[name]()
    t2 = time.perf_counter()
    system.setup(base)
    t3 = time.perf_counter()
    system.chat()
    t4 = time.perf_counter()
    result = {
        "requests": 1,
        "import_ms": (t1 - t0) * 1e3,
        "setup_ms": (t3 - t2) * 1e3,
        "first_ms": (t4 - t3) * 1e3,
        "setup_first_ms": (t4 - t2) * 1e3,
        "cold_total_ms": ((t1 - t0) + (t4 - t2)) * 1e3,
        "maxrss_kb": peak_rss_kb(),
    }
    print("RESULT " + json.dumps(result), flush=True)


def run_worker(scenario: str, name: str, port: int, params: dict[str, int]) -> None:
    """Run one scenario for one system against ``127.0.0.1:port`` and print its result."""
    system = SYSTEMS[name]()
    base = f"http://127.0.0.1:{port}"
    try:
        if scenario == "seq":
            result = seq(system, base, params["n"], params["warmup"])
        elif scenario == "stream":
            result = stream(system, base, params["chunks"], params["stream_times"])
        elif scenario == "stream1m":
            result = long_stream(system, base, params["long_chunks"])
        elif scenario.startswith("batch"):
            result = local_batch(int(scenario[5:]))
        elif scenario == "cli":
            result = cli_walls()
        elif scenario.startswith("async"):
            concurrency = int(scenario[5:])
            total = max(params["async_n"], 2 * concurrency)
            result = concurrent(system, base, total, concurrency)
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    except Unsupported as exc:
        result = {"unsupported": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)
