"""``bench/scale.png``: the scale curves of a run, drawn with matplotlib (the ``bench`` extra)."""

from __future__ import annotations

import os
from typing import Any

from bench.report import BATCHES, SCALE, median
from bench.systems import SYSTEMS


def plot_scale(results: dict[str, Any], path: str) -> str | None:
    """Draw requests/s and CPU per request by concurrency, and batch items/s by size, to
    ``path``; returns ``path``, or ``None`` when matplotlib is missing or nothing was measured.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sc = results["scenarios"]
    levels = [name for name in SCALE if name in sc]
    batches = [name for name in BATCHES if name in sc]
    if not levels and not batches:
        return None
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    rate, cpu, batch = axes
    systems = list(dict.fromkeys(s for name in levels for s in sc[name]))
    for system in systems:
        xs, rates, cpus = [], [], []
        for name in levels:
            rows = sc[name].get(system, [])
            r, c = median(rows, "req_per_s"), median(rows, "cpu_us_per_req")
            if r is not None and c is not None:
                xs.append(int(name[5:]))
                rates.append(r)
                cpus.append(c)
        label = SYSTEMS[system].label
        rate.plot(xs, rates, marker="o", label=label)
        cpu.plot(xs, cpus, marker="o", label=label)
    for ax, title in ((rate, "requests/s"), (cpu, "client CPU us per request")):
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("requests in flight")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
    rate.legend(fontsize=8)
    sizes = [int(name[5:]) for name in batches]
    per_s = [median(sc[name].get("brickgate", []), "items_per_s") or 0 for name in batches]
    batch.plot(sizes, per_s, marker="o", color="tab:green", label="brickgate Client.batch")
    batch.set_xscale("log")
    batch.set_ylim(bottom=0)
    batch.set_xlabel("items")
    batch.set_title("local batch items/s (instant transport)")
    batch.grid(True, alpha=0.3)
    figure.suptitle("brickgate scale curves (loopback, 2 shared cores: read the shapes)")
    figure.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
