"""The webhook workers' whole CPU per text or button update, every reply delivered (issue 15,
target 4), for one source tree or several compared in one session (A B A B, medians).

bench/webhook_jobs.py takes the workers' CPU over the load's own seconds; at a rate past
what Telegram's pace lets the sender deliver (about 30 messages/s), replies are still being
sent after that window, so its figure depends on how late they are. Here the CPU is counted
from the first update until the outbox is empty and every reply has reached the fake Bot API:
the request, the dialogue, the sender, the builder's and the listener's wake-ups, all of it.
Also: PostgreSQL transactions per update over the same span (the idle rate taken off), and the
time to the 200 (p50, p99).

    python bench/worker_cpu.py [TREE ...] [--rate 40] [--seconds 15] [--rounds 2]

Each tree runs with its own ``.venv`` when it has one (bench/webhook_jobs.py's TreeCluster),
on ``BENCH_DATABASE_URL`` (emptied before each run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.webhook import empty_database  # noqa: E402
from bench.webhook_jobs import (  # noqa: E402
    DATABASE_URL,
    TreeCluster,
    _cpu_seconds,
    _open_loop,
    _pct,
    _transactions,
)
from tests.support.fake_bot_api import FakeBotApi  # noqa: E402

IDLE_SECONDS = 10.0
STATS_FLUSH = 11.0  # PostgreSQL flushes an idle backend's counters within 10 s
DRAIN_TIMEOUT = 300.0


def _outbox_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM outbox")).scalar()
    engine.dispose()
    return int(rows or 0)


def measure(tree: Path, rate: float, seconds: float, seed: int) -> dict[str, Any]:
    empty_database(DATABASE_URL)
    with FakeBotApi() as fake, TreeCluster(tree, DATABASE_URL, fake, workers=2) as cluster:
        warm = asyncio.run(_open_loop(cluster.url, 20.0, 1.0, 0, seed))
        assert warm.refused == 0
        workers = cluster.worker_pids()
        while _outbox_rows(DATABASE_URL):
            time.sleep(0.5)
        time.sleep(STATS_FLUSH)
        idle_before, idle_cpu_before = _transactions(DATABASE_URL), _cpu_seconds(workers)
        time.sleep(IDLE_SECONDS)
        idle_tx = (_transactions(DATABASE_URL) - idle_before) / IDLE_SECONDS
        idle_cpu = (_cpu_seconds(workers) - idle_cpu_before) / IDLE_SECONDS

        started = time.monotonic()
        tx_before, cpu_before = _transactions(DATABASE_URL), _cpu_seconds(workers)
        calls_before = len(fake.calls())
        load = asyncio.run(_open_loop(cluster.url, rate, seconds, 0, seed))
        deadline = time.monotonic() + DRAIN_TIMEOUT
        settled = len(fake.calls())
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = len(fake.calls())
            if now == settled and not _outbox_rows(DATABASE_URL):
                break
            settled = now
        cpu = _cpu_seconds(workers) - cpu_before
        span = time.monotonic() - started
        time.sleep(STATS_FLUSH)
        tx = _transactions(DATABASE_URL) - tx_before - idle_tx * (span + STATS_FLUSH)
    updates = len(load.latencies)
    return {
        "updates": updates,
        "refused": load.refused,
        "calls": len(fake.calls()) - calls_before,
        "span_s": span,
        "cpu_ms": cpu * 1000 / max(updates, 1),
        "cpu_ms_less_idle": (cpu - idle_cpu * span) * 1000 / max(updates, 1),
        "tx_per_update": tx / max(updates, 1),
        "p50": _pct(load.latencies, 0.5),
        "p99": _pct(load.latencies, 0.99),
        "idle_tx_s": idle_tx,
        "idle_cpu_pct": idle_cpu * 100,
    }


ROWS = (
    ("updates (refused); Bot API calls", None),
    ("worker CPU per update, every reply delivered, ms", "cpu_ms"),
    ("same, less the idle workers' CPU over the span, ms", "cpu_ms_less_idle"),
    ("PostgreSQL transactions per update", "tx_per_update"),
    ("p50 / p99 to the 200, ms", None),
    ("idle: transactions/s; both workers' CPU, % of a core", None),
)


def _cell(key: str | None, label: str, r: dict[str, Any]) -> str:
    if key is not None:
        return f"{r[key]:.2f}"
    if label.startswith("updates"):
        return f"{r['updates']:.0f} ({r['refused']:.0f}); {r['calls']:.0f}"
    if label.startswith("p50"):
        return f"{r['p50']:.0f} / {r['p99']:.0f}"
    return f"{r['idle_tx_s']:.1f}; {r['idle_cpu_pct']:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    trees = [tree.resolve() for tree in args.trees] or [ROOT]
    results: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    loads = [os.getloadavg()[0]]
    for n in range(args.rounds):
        for tree in trees:
            results[tree].append(measure(tree, args.rate, args.seconds, seed=n))
            loads.append(os.getloadavg()[0])
            print(f"round {n + 1}, {tree}: {results[tree][-1]}", file=sys.stderr)
    print(
        f"2 workers, {args.rate:.0f} text/button updates/s for {args.seconds:.0f} s, "
        f"{args.rounds} rounds (medians); load average {min(loads):.1f}-{max(loads):.1f}"
    )
    print("| what | " + " | ".join(str(tree) for tree in trees) + " |")
    print("|---|" + "---|" * len(trees))
    for label, key in ROWS:
        cells = []
        for tree in trees:
            runs = results[tree]
            median = {
                k: statistics.median(r[k] for r in runs)
                for k in runs[0]
                if isinstance(runs[0][k], int | float)
            }
            cells.append(_cell(key, label, median))
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
