"""One measurement in a fresh process: ``python -m bench worker --scenario S --system X ...``.

Prints ``RESULT <json>``. Memory figures are VmRSS/VmHWM from ``/proc/self/status`` (KiB).
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
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
        "rss_before_kb": rss0,
        "maxrss_kb": peak_rss_kb(),
    }


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
        elif scenario.startswith("async"):
            result = concurrent(system, base, params["async_n"], int(scenario[5:]))
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    except Unsupported as exc:
        result = {"unsupported": str(exc)}
    print("RESULT " + json.dumps(result), flush=True)
