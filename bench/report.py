"""Markdown tables of a benchmark run: medians over repetitions and ratios to raw httpx."""

from __future__ import annotations

import statistics
from typing import Any

from bench.systems import REFERENCE, SYSTEMS

Rows = list[dict[str, Any]]
PerSystem = dict[str, Rows]

TARGETS = [
    # (label, scenario, system, key, comparison, bound): brickgate / raw httpx, same repetition
    ("import brickgate", "import", "brickgate", "import_ms", "<=", 1.5),
    ("import + construction + first request", "import", "brickgate", "cold_total_ms", "<=", 1.3),
    ("sequential chat, median", "seq", "brickgate", "median_us", "<=", 1.10),
    ("streaming 5,000 chunks, chunks/s", "stream", "brickgate", "chunks_per_s", ">=", 0.85),
    (
        "async 500 @ 100, wall (default install)",
        "async100",
        "brickgate-async",
        "wall_ms",
        "<=",
        0.6,
    ),
    ("peak RSS after 1,000 requests", "seq", "brickgate", "maxrss_kb", "<=", 1.25),
]
ABSOLUTE_TARGETS = [
    # (label, scenario, system, key, comparison, bound, unit, scale)
    ("`brickgate --version`, wall", "cli", "brickgate", "version_ms", "<=", 150, "ms", 1),
    ("`brickgate --help`, wall", "cli", "brickgate", "help_ms", "<=", 150, "ms", 1),
    (
        "RSS growth, 1,000,000-chunk stream (10 % to end)",
        "stream1m",
        "brickgate",
        "rss_growth_kb",
        "<=",
        5,
        "MiB",
        1 / 1024,
    ),
    (
        "RSS growth, 100,000-item local batch (10 % to end)",
        "batch100000",
        "brickgate",
        "rss_growth_kb",
        "<=",
        5,
        "MiB",
        1 / 1024,
    ),
]
SCALE = ("async1", "async10", "async100", "async500")
BATCHES = ("batch1000", "batch10000", "batch100000")


def median(rows: Rows, key: str) -> float | None:
    """The median of ``key`` over the repetitions that have it."""
    values = [row[key] for row in rows if key in row]
    return statistics.median(values) if values else None


def ratio(per: PerSystem, system: str, key: str) -> float | None:
    """Median over repetitions of (system / its raw-httpx reference in the same repetition)."""
    reference = per.get(REFERENCE[system])
    if not reference:
        return None
    pairs = zip(per.get(system, []), reference, strict=False)
    values = [a[key] / b[key] for a, b in pairs if key in a and b.get(key)]
    return statistics.median(values) if values else None


def _fmt(value: float | None, spec: str = ".0f") -> str:
    return "n/a" if value is None else format(value, spec)


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _problem(rows: Rows) -> str | None:
    for row in rows:
        if "unsupported" in row:
            return "skipped: " + str(row["unsupported"])
        if "error" in row:
            return "error: " + str(row["error"])
    return None


def _table(per: PerSystem, header: list[str], cells: Any) -> list[str]:
    lines = ["| system | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
    for system, rows in per.items():
        problem = _problem(rows)
        label = SYSTEMS[system].label
        if problem:
            lines.append(f"| {label} | {problem} |" + " |" * (len(header) - 1))
        else:
            lines.append(f"| {label} | " + " | ".join(cells(system, rows)) + " |")
    return [*lines, ""]


def _mib(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f}"


def _meets(value: float, op: str, bound: float) -> bool:
    return value <= bound if op == "<=" else value >= bound


def summary(results: dict[str, Any]) -> list[str]:
    """The targets table: brickgate's ratio to raw httpx against each goal."""
    lines = ["| target | brickgate / httpx | goal | met |", "|---|---:|---:|:---:|"]
    for label, scenario, system, key, op, bound in TARGETS:
        per = results["scenarios"].get(scenario)
        value = ratio(per, system, key) if per else None
        met = "n/a" if value is None else ("yes" if _meets(value, op, bound) else "no")
        lines.append(f"| {label} | {_x(value)} | {op} {bound:.2f}x | {met} |")
    for label, scenario, system, key, op, bound, unit, scale in ABSOLUTE_TARGETS:
        per = results["scenarios"].get(scenario)
        raw = median(per.get(system, []), key) if per else None
        value = None if raw is None else raw * scale
        met = "n/a" if value is None else ("yes" if _meets(value, op, bound) else "no")
        shown = "n/a" if value is None else f"{value:.1f} {unit}"
        lines.append(f"| {label} | {shown} | {op} {bound} {unit} | {met} |")
    return [*lines, ""]


def scale_tables(results: dict[str, Any]) -> list[str]:
    """Requests/s and client CPU per request as concurrency grows, and local batch items/s."""
    sc = results["scenarios"]
    present = [name for name in SCALE if name in sc]
    out: list[str] = []
    if present:
        systems = list(dict.fromkeys(s for name in present for s in sc[name]))
        head = " | ".join(f"c={name[5:]}" for name in present)
        for title, key, spec in (
            ("requests/s", "req_per_s", ".0f"),
            ("client CPU us per request", "cpu_us_per_req", ".0f"),
        ):
            out += [f"#### Scale: {title} by concurrency", "", f"| system | {head} |"]
            out.append("|---|" + "---:|" * len(present))
            for system in systems:
                cells = [_fmt(median(sc[n].get(system, []), key), spec) for n in present]
                out.append(f"| {SYSTEMS[system].label} | " + " | ".join(cells) + " |")
            out.append("")
    batches = [name for name in BATCHES if name in sc]
    if batches:
        out += [
            "#### Scale: local batch (`Client.batch`, instant in-memory transport)",
            "",
            "| items | items/s | client CPU us/item | RSS at 10 % MiB | RSS at end MiB "
            "| growth MiB |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for name in batches:
            rows = sc[name].get("brickgate", [])
            growth = median(rows, "rss_growth_kb")
            out.append(
                f"| {int(name[5:]):,} | {_fmt(median(rows, 'items_per_s'))} | "
                f"{_fmt(median(rows, 'cpu_us_per_item'), '.1f')} | "
                f"{_mib(median(rows, 'rss_at_10pct_kb'))} | {_mib(median(rows, 'rss_end_kb'))} | "
                f"{_mib(growth)} |"
            )
        out.append("")
    return out


def render(results: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    sc = results["scenarios"]
    p = results["params"]
    out = [
        f"Server: `{results['server']}`; {p['reps']} fresh processes per cell (import: "
        f"{p['import_reps']}), medians; ratio = median over repetitions of system / raw httpx "
        "(async systems: / raw httpx AsyncClient) in the same repetition. Pinning: "
        f"{results['pinning']}.",
        "",
        "### Targets",
        "",
        *summary(results),
    ]
    if "import" in sc:
        out += ["### Import, construction and first request (fresh process)", ""]
        out += _table(
            sc["import"],
            [
                "import ms",
                "ratio",
                "setup ms",
                "first request ms",
                "setup+first ms",
                "ratio",
                "import+setup+first ms",
                "ratio",
            ],
            lambda s, r: [
                _fmt(median(r, "import_ms"), ".1f"),
                _x(ratio(sc["import"], s, "import_ms")),
                _fmt(median(r, "setup_ms"), ".1f"),
                _fmt(median(r, "first_ms"), ".1f"),
                _fmt(median(r, "setup_first_ms"), ".1f"),
                _x(ratio(sc["import"], s, "setup_first_ms")),
                _fmt(median(r, "cold_total_ms"), ".1f"),
                _x(ratio(sc["import"], s, "cold_total_ms")),
            ],
        )
    if "seq" in sc:
        out += [f"### Sequential chat: {p['n']} requests after {p['warmup']} warm-up", ""]
        out += _table(
            sc["seq"],
            [
                "median us",
                "ratio",
                "p99 us",
                "client CPU us/req",
                "server CPU us/req",
                "peak RSS MiB",
                "RSS ratio",
            ],
            lambda s, r: [
                _fmt(median(r, "median_us")),
                _x(ratio(sc["seq"], s, "median_us")),
                _fmt(median(r, "p99_us")),
                _fmt(median(r, "cpu_us_per_req")),
                _fmt(median(r, "server_cpu_us_per_req")),
                _mib(median(r, "maxrss_kb")),
                _x(ratio(sc["seq"], s, "maxrss_kb")),
            ],
        )
    if "stream" in sc:
        out += [f"### Streaming: {p['chunks']} chunks (median of {p['stream_times']} per process)"]
        out += [""]
        out += _table(
            sc["stream"],
            ["ms", "chunks/s", "ratio", "client CPU ms", "server CPU ms", "chunks seen"],
            lambda s, r: [
                _fmt(median(r, "total_ms"), ".1f"),
                _fmt(median(r, "chunks_per_s")),
                _x(ratio(sc["stream"], s, "chunks_per_s")),
                _fmt(median(r, "cpu_ms"), ".1f"),
                _fmt(median(r, "server_cpu_ms"), ".1f"),
                _fmt(median(r, "chunks_seen")),
            ],
        )
    for name in ("async10", "async100"):
        if name in sc:
            out += [f"### Async: {p['async_n']} requests at concurrency {name[5:]}", ""]
            out += _table(
                sc[name],
                ["wall ms", "ratio", "req/s", "client CPU ms", "peak RSS MiB"],
                lambda s, r, n=name: [
                    _fmt(median(r, "wall_ms")),
                    _x(ratio(sc[n], s, "wall_ms")),
                    _fmt(median(r, "req_per_s")),
                    _fmt(median(r, "cpu_ms")),
                    _mib(median(r, "maxrss_kb")),
                ],
            )
    if "cli" in sc:
        out += ["### Command line: wall of a fresh `brickgate` process (median of 5)", ""]
        out += _table(
            sc["cli"],
            ["--version ms", "--help ms"],
            lambda s, r: [_fmt(median(r, "version_ms"), ".1f"), _fmt(median(r, "help_ms"), ".1f")],
        )
    if "stream1m" in sc:
        out += [f"### One stream of {p.get('long_chunks', 1_000_000):,} chunks: RSS", ""]
        out += _table(
            sc["stream1m"],
            ["chunks/s", "client CPU s", "RSS at 10 % MiB", "RSS at end MiB", "growth MiB"],
            lambda s, r: [
                _fmt(median(r, "chunks_per_s")),
                _fmt((median(r, "cpu_ms") or 0) / 1e3, ".1f"),
                _mib(median(r, "rss_at_10pct_kb")),
                _mib(median(r, "rss_end_kb")),
                _mib(median(r, "rss_growth_kb")),
            ],
        )
    scale = scale_tables(results)
    if scale:
        out += ["### Scale curves", "", "![scale curves](scale.png)", "", *scale]
    check = results.get("server_check")
    if check:
        out += [
            "### Server check: raw httpx against each server (one process each)",
            "",
            "| server | chat median us | client CPU us/req | server CPU us/req | "
            "stream chunks/s | client CPU ms | server CPU ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, row in check.items():
            out.append(
                f"| {kind} | {_fmt(row.get('median_us'))} | {_fmt(row.get('cpu_us_per_req'))} | "
                f"{_fmt(row.get('server_cpu_us_per_req'))} | "
                f"{_fmt(row.get('stream_chunks_per_s'))} | {_fmt(row.get('stream_cpu_ms'))} | "
                f"{_fmt(row.get('stream_server_cpu_ms'))} |"
            )
        out.append("")
    return "\n".join(out)
