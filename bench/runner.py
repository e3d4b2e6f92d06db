"""The orchestrator: start a loopback server on one core, run every worker on the other.

Each (scenario, system, repetition) is a fresh worker process; repetitions are interleaved
(rep 1 of every system, then rep 2...) so that drift on the machine hits all systems alike.
The server's CPU time per request comes from ``/proc/<pid>/stat`` around each worker.
"""

from __future__ import annotations

import compileall
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from typing import Any

from bench.systems import SYSTEMS, missing_library

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ASYNC = ["httpx-async", "brickgate-async", "brickgate-httpx", "brickgate-cap10", "openai-async"]
_SCALE = ["httpx-async", "brickgate-async", "brickgate-httpx"]
SCALE_CONCURRENCY = (1, 10, 100, 500)
BATCH_SIZES = (1_000, 10_000, 100_000)
SCENARIO_SYSTEMS = {
    "import": ["httpx", "brickgate", "openai"],
    "cli": ["brickgate"],
    "seq": [name for name in SYSTEMS if name != "brickgate-cap10"],
    "stream": [name for name in SYSTEMS if name != "brickgate-cap10"],
    "stream1m": ["httpx", "brickgate"],
    "async1": _SCALE,
    "async10": _ASYNC,
    "async100": _ASYNC,
    "async500": _SCALE,
    **{f"batch{size}": ["brickgate"] for size in BATCH_SIZES},
}


def cpus() -> tuple[str | None, str | None]:
    """(server core, client core) when ``taskset`` and two cores exist, else (None, None)."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:
        allowed = list(range(os.cpu_count() or 1))
    if len(allowed) >= 2 and shutil.which("taskset"):
        return str(allowed[0]), str(allowed[1])
    return None, None


def pinned(cmd: list[str], cpu: str | None) -> list[str]:
    """``cmd`` run under ``taskset -c cpu`` when a core is given."""
    return ["taskset", "-c", cpu, *cmd] if cpu is not None else cmd


def worker_env() -> dict[str, str]:
    """The environment of every child: the repo on ``sys.path``, no proxies for loopback."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0.0 where /proc is missing)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A ``bench.server`` child process pinned to ``cpu``; ``stop()`` ends it by its PID."""

    def __init__(self, kind: str, cpu: str | None) -> None:
        self.kind = kind
        handle, self._ready = tempfile.mkstemp(prefix="bench-server-", suffix=".port")
        os.close(handle)
        os.unlink(self._ready)
        cmd = [sys.executable, "-m", "bench.server", "--kind", kind, "--ready-file", self._ready]
        self.proc = subprocess.Popen(
            pinned(cmd, cpu), cwd=ROOT, env=worker_env(), stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while not os.path.exists(self._ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the {kind} bench server did not start")
            time.sleep(0.02)
        with open(self._ready) as ready:
            self.port = int(ready.read())
        os.unlink(self._ready)

    def cpu_s(self) -> float:
        """CPU seconds the server has used so far."""
        return process_cpu_s(self.proc.pid)

    def stop(self) -> None:
        """Terminate the server (kill after 10 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_process(cmd: list[str], cpu: str | None, timeout: float) -> dict[str, Any]:
    """Run one worker command; its ``RESULT`` line as a dict, or ``{"error": ...}``."""
    import json

    try:
        done = subprocess.run(
            pinned(cmd, cpu),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            env=worker_env(),
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f}s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return {"error": tail[:300]}
    result: dict[str, Any] = json.loads(lines[-1][7:])
    return result


HIDDEN_FOR_IMPORT = ("click", "rich", "pygments")
"""Hidden in the import scenario: httpx imports its optional command line (click, rich) when they
are installed, as they are beside brickgate's CLI; a library-only install has neither."""


def worker_command(scenario: str, system: str, port: int, params: dict[str, int]) -> list[str]:
    """The command line measuring ``system`` in ``scenario`` against ``port``."""
    if scenario == "import":
        snippet = (
            "import sys, time\n"
            f"sys.modules.update(dict.fromkeys({HIDDEN_FOR_IMPORT!r}))\n"
            "t0 = time.perf_counter()\n"
            f"{SYSTEMS[system].imports}\n"
            "t1 = time.perf_counter()\n"
            "from bench.workers import cold_rest\n"
            f"cold_rest({system!r}, 'http://127.0.0.1:{port}', t0, t1)\n"
        )
        return [sys.executable, "-c", snippet]
    cmd = [sys.executable, "-m", "bench", "worker", scenario, system, "--port", str(port)]
    for key, value in params.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    return cmd


def requests_sent(scenario: str, params: dict[str, int]) -> int:
    """How many HTTP requests one worker of ``scenario`` sends."""
    if scenario == "import":
        return 1
    if scenario == "seq":
        return params["n"] + params["warmup"]
    if scenario == "stream":
        return params["stream_times"] + 1
    if scenario == "stream1m":
        return 2
    if scenario.startswith("batch") or scenario == "cli":
        return 0
    concurrency = int(scenario[5:])
    return max(params["async_n"], 2 * concurrency) + concurrency


def measure(
    server: Server,
    scenario: str,
    system: str,
    params: dict[str, int],
    client_cpu: str | None,
    timeout: float,
) -> dict[str, Any]:
    """One worker run with the server's CPU use around it (skipped when a library is missing)."""
    missing = missing_library(system)
    if missing is not None:
        return {"unsupported": missing}
    cmd = worker_command(scenario, system, server.port, params)
    before = server.cpu_s()
    result = run_process(cmd, client_cpu, timeout)
    spent = server.cpu_s() - before
    if "error" not in result and "unsupported" not in result:
        sent = requests_sent(scenario, params)
        result["server_cpu_ms"] = spent * 1e3
        if sent:
            result["server_cpu_us_per_req"] = spent / sent * 1e6
    return result


def precompile() -> None:
    """Write bytecode for brickgate and site-packages so import timings use cached .pyc files."""
    targets = [os.path.join(ROOT, "brickgate"), os.path.join(ROOT, "bench")]
    targets.append(sysconfig.get_paths()["purelib"])
    for target in targets:
        compileall.compile_dir(target, quiet=2, workers=2)


def versions() -> dict[str, str | None]:
    """Python and the measured libraries' versions."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("brickgate", "httpx", "httpcore", "h11", "openai", "httpx2", "pydantic"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def machine() -> dict[str, Any]:
    """CPU model, core count, platform and load average."""
    info: dict[str, Any] = {"platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["loadavg"] = os.getloadavg()
    return info
