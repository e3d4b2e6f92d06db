"""``python -m bench``: run the benchmark suite, one worker, or a profile of the hot path.

python -m bench run [--reps 3] [--scenarios import,seq,stream,async10,async100]
python -m bench profile --scenario seq|stream [--system brickgate]
python -m bench gateway [--reps 3] [--server fakews|fast]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCENARIOS = (
    "import,cli,seq,stream,stream1m,async1,async10,async100,async500,batch1000,batch10000,"
    "batch100000"
)
PARAMS = ("n", "warmup", "chunks", "stream_times", "async_n", "long_chunks")


def _params(args: argparse.Namespace) -> dict[str, int]:
    return {key: getattr(args, key) for key in PARAMS}


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def cmd_run(args: argparse.Namespace) -> None:
    """Measure every scenario x system x repetition; write JSON and Markdown."""
    from bench import report, runner
    from bench.systems import SYSTEMS

    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.monotonic()
    server_cpu, client_cpu = runner.cpus()
    params = _params(args)
    runner.precompile()
    results: dict[str, Any] = {
        "versions": runner.versions(),
        "machine": runner.machine(),
        "pinning": {"server_cpu": server_cpu, "client_cpu": client_cpu},
        "server": args.server,
        "params": {**params, "reps": args.reps, "import_reps": args.import_reps},
        "scenarios": {},
    }
    if args.server_check:
        results["server_check"] = _server_check(params, server_cpu, client_cpu, args.timeout)
    only = set(args.systems.split(",")) if args.systems else set(SYSTEMS)
    server = runner.Server(args.server, server_cpu)
    try:
        for scenario in args.scenarios.split(","):
            systems = [s for s in runner.SCENARIO_SYSTEMS[scenario] if s in only]
            per: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
            reps = args.import_reps if scenario == "import" else args.reps
            for rep in range(reps):
                for system in systems:
                    row = runner.measure(server, scenario, system, params, client_cpu, args.timeout)
                    per[system].append(row)
                    brief = {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}
                    elapsed = time.monotonic() - started
                    print(f"[{elapsed:6.1f}s] {scenario:8s} rep{rep + 1} {system:16s} {brief}")
            results["scenarios"][scenario] = per
    finally:
        server.stop()
    results["elapsed_s"] = time.monotonic() - started
    results["machine"]["loadavg_end"] = os.getloadavg()
    _write(results, report.render(results), args)


def _server_check(
    params: dict[str, int], server_cpu: str | None, client_cpu: str | None, timeout: float
) -> dict[str, dict[str, Any]]:
    """Raw httpx sequential chat against FakeWorkspace and the fast server: is the server slow?"""
    from bench import runner

    found: dict[str, dict[str, Any]] = {}
    for kind in ("fakews", "fast"):
        server = runner.Server(kind, server_cpu)
        try:
            seq = runner.measure(server, "seq", "httpx", params, client_cpu, timeout)
            stream = runner.measure(server, "stream", "httpx", params, client_cpu, timeout)
        finally:
            server.stop()
        found[kind] = {**seq, **{f"stream_{key}": value for key, value in stream.items()}}
        print(f"server check {kind}: {found[kind]}")
    return found


def _write(results: dict[str, Any], markdown: str, args: argparse.Namespace) -> None:
    out_dir = os.path.join(HERE, "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "latest.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    with open(os.path.join(out_dir, "latest.md"), "w") as handle:
        handle.write(markdown + "\n")
    from bench.plot import plot_scale

    plot_scale(results, os.path.join(out_dir, "scale.png"))
    if args.latest:
        plot_scale(results, os.path.join(HERE, "scale.png"))
        versions = ", ".join(f"{k} {v}" for k, v in results["versions"].items() if v)
        machine = results["machine"]
        with open(os.path.join(HERE, "LATEST.md"), "w") as handle:
            handle.write(
                "# Latest benchmark run\n\n"
                f"Made by `python -m bench run` ({results['elapsed_s']:.0f} s) on "
                f"{machine.get('cpu_model', '?')}, {machine['cpus']} cores; {versions}. "
                f"Load average (1 min) {machine['loadavg'][0]:.2f} at the start, "
                f"{machine['loadavg_end'][0]:.2f} at the end.\n\n"
                f"{markdown}\n"
            )
    print(markdown)


def cmd_worker(args: argparse.Namespace) -> None:
    """One measurement in this (fresh) process."""
    from bench.workers import run_worker

    run_worker(args.scenario, args.system, args.port, _params(args))


def cmd_profile(args: argparse.Namespace) -> None:
    """cProfile one system's sequential-chat or streaming loop against the fast server."""
    from bench.profiling import profile

    sys.stdout.write(profile(args.system, args.scenario, args.n, args.chunks, args.top))


def _add_params(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=1000, help="sequential requests")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=5000, help="chunks per stream")
    parser.add_argument("--stream-times", type=int, default=3, help="streams per process")
    parser.add_argument("--async-n", type=int, default=500, help="async requests")
    parser.add_argument("--long-chunks", type=int, default=1_000_000, help="long stream chunks")


def main() -> None:
    """Parse the command line and run the subcommand."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="the whole suite")
    _add_params(run)
    run.add_argument("--scenarios", default=DEFAULT_SCENARIOS)
    run.add_argument("--systems", default="", help="comma list (default: all)")
    run.add_argument("--reps", type=int, default=3)
    run.add_argument("--import-reps", type=int, default=5)
    run.add_argument("--server", choices=["fast", "fakews"], default="fast")
    run.add_argument("--no-server-check", dest="server_check", action="store_false")
    run.add_argument("--no-latest", dest="latest", action="store_false", help="keep LATEST.md")
    run.add_argument("--timeout", type=float, default=120.0, help="per worker, seconds")
    worker = sub.add_parser("worker", help="one measurement (used by run)")
    worker.add_argument("scenario")
    worker.add_argument("system")
    worker.add_argument("--port", type=int, required=True)
    _add_params(worker)
    prof = sub.add_parser("profile", help="cProfile brickgate's hot path")
    prof.add_argument("--system", default="brickgate")
    prof.add_argument("--scenario", choices=["seq", "stream"], default="seq")
    prof.add_argument("--n", type=int, default=2000)
    prof.add_argument("--chunks", type=int, default=5000)
    prof.add_argument("--top", type=int, default=30)
    gateway = sub.add_parser("gateway", help="the local gateway against calling directly")
    gateway.add_argument("--reps", type=int, default=3)
    gateway.add_argument("--server", choices=["fast", "fakews"], default="fakews")
    gateway.add_argument("--n", type=int, default=1000, help="sequential requests")
    gateway.add_argument("--warmup", type=int, default=100)
    gateway.add_argument("--chunks", type=int, default=5000, help="chunks in the stream")
    gateway.add_argument("--async-n", type=int, default=500, help="httpx requests, 100 in flight")
    gateway.add_argument("--raw-n", type=int, default=3000, help="raw requests, 100 in flight")
    gateway.add_argument("--no-latest", dest="latest", action="store_false", help="keep GATEWAY.md")
    args = parser.parse_args()
    if args.cmd == "gateway":
        from bench.gateway import cmd_gateway

        cmd_gateway(args)
        return
    {"run": cmd_run, "worker": cmd_worker, "profile": cmd_profile}[args.cmd](args)


if __name__ == "__main__":
    main()
