"""cProfile of one system's hot loop (sequential chat or one long stream) on the fast server."""

from __future__ import annotations

import cProfile
import io
import pstats

from bench import runner
from bench.systems import SYSTEMS


def profile(system_name: str, scenario: str, n: int, chunks: int, top: int) -> str:
    """The top ``top`` functions by own time and by cumulative time, as text.

    Starts the fast server (pinned like ``run``), warms the client up, then profiles ``n``
    sequential chats or one stream of ``chunks`` chunks. Sync systems only.
    """
    server_cpu, client_cpu = runner.cpus()
    server = runner.Server("fast", server_cpu)
    try:
        import os

        if client_cpu is not None:
            os.sched_setaffinity(0, {int(client_cpu)})
        system = SYSTEMS[system_name]()
        system.setup(f"http://127.0.0.1:{server.port}")
        for _ in range(50):
            system.chat()
        system.stream(200)
        profiler = cProfile.Profile()
        profiler.enable()
        if scenario == "seq":
            for _ in range(n):
                system.chat()
        else:
            system.stream(chunks)
        profiler.disable()
    finally:
        server.stop()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()
