"""Where a webhook worker's PostgreSQL transactions come from (issue 15, target 4): 2 real
workers of each source tree on PostgreSQL and a fake Bot API, the text and button load of
bench/webhook_jobs.py at ``BENCH_RATE`` updates/s for ``BENCH_SECONDS``, and each transaction
the workers commit or roll back counted by what framed it.

The counting is a ``sitecustomize`` module put on the workers' ``PYTHONPATH`` (so uvicorn's
spawned workers load it too): a listener on SQLAlchemy's ``commit`` and ``rollback`` events
names each transaction after the first function of the stack it recognises (the request, the
sender's look or stored progress, the builder, the leader's lock check, housekeeping, a
health check) and writes the counts to a file every half second. ``pg_stat_database``
(commits + rollbacks) is read alongside: what it counts beyond the listener's total is
PostgreSQL's own (autovacuum, the benchmark's readings). The stack walk costs CPU, so this
script counts and does not time; bench/webhook_jobs.py measures time and CPU.

The window is the load plus ``SETTLE`` seconds; a kind's figure per update is its count in
that window over the updates answered, after leaving out what the same kind did in an idle
window of the same length before the load (leader checks, idle looks).

    BENCH_DATABASE_URL=postgresql+psycopg://... python bench/transaction_kinds.py [TREE ...]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import empty_database  # noqa: E402
from bench.webhook_jobs import (  # noqa: E402
    DATABASE_URL,
    RATE,
    SECONDS,
    TreeCluster,
    _open_loop,
    _transactions,
)
from tests.support.fake_bot_api import FakeBotApi  # noqa: E402

SETTLE = 11.0  # seconds after the load (PostgreSQL flushes a backend's counters within 10 s)

# The first of these function names found on the stack (innermost first) names a transaction.
SHIM = """
import json, os, sys, threading, time
from collections import Counter

KINDS = {
    "_look": "sender: look", "_store_progress": "sender: progress",
    "_store_alone": "sender: progress alone", "_remove_sent": "sender: stop",
    "_build_locked": "builder", "_build_unlocked": "builder",
    "try_acquire": "leader check", "release": "leader check",
    "claim_due": "reminders", "apply_retention": "retention",
    "_database_check": "health", "_apologise": "request",
    "_transact": "request",
}
_counts = Counter()
_lock = threading.Lock()
_out = os.environ["TX_KINDS_DIR"]


def _kind():
    frame = sys._getframe(2)
    first = None
    while frame is not None:
        name = frame.f_code.co_name
        if name in KINDS:
            return KINDS[name]
        if first is None and "/site-packages/" not in frame.f_code.co_filename:
            first = f"{os.path.basename(frame.f_code.co_filename)}:{name}"
        frame = frame.f_back
    return "other: " + str(first)


def _count(kind):
    with _lock:
        _counts[kind] += 1


def _dump():
    path = os.path.join(_out, f"{os.getpid()}.json")
    written = {}
    while True:
        time.sleep(0.5)
        with _lock:
            data = dict(_counts)
        if data == written:
            continue
        try:
            with open(path + ".tmp", "w") as f:
                json.dump(data, f)
            os.replace(path + ".tmp", path)
            written = data
        except OSError:
            return


def _install():
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "commit", lambda conn: _count(_kind()))
    event.listen(Engine, "rollback", lambda conn: _count(_kind() + " (rollback)"))
    threading.Thread(target=_dump, daemon=True).start()


_install()
"""


def _read(directory: Path) -> Counter[str]:
    total: Counter[str] = Counter()
    for path in directory.glob("*.json"):
        try:
            total.update(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Counted:
    """One run: updates answered, Bot API calls, transactions by kind under load and idle."""

    updates: int
    refused: int
    bot_api_calls: int
    busy: Counter[str]
    idle: Counter[str]
    pg_per_update: float  # pg_stat_database, the idle window's left out

    def per_update(self, kind: str) -> float:
        return (self.busy[kind] - self.idle[kind]) / max(self.updates, 1)

    def counted_per_update(self) -> float:
        return (self.busy.total() - self.idle.total()) / max(self.updates, 1)


def measure(tree: Path, seed: int) -> Counted:
    empty_database(DATABASE_URL)
    with (
        tempfile.TemporaryDirectory() as shim,
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as out,
    ):
        Path(shim, "sitecustomize.py").write_text(SHIM)
        path = os.pathsep.join(p for p in (shim, os.environ.get("PYTHONPATH", "")) if p)
        with (
            FakeBotApi() as fake,
            TreeCluster(
                tree, DATABASE_URL, fake, workers=2, PYTHONPATH=path, TX_KINDS_DIR=out
            ) as cluster,
        ):
            warm = asyncio.run(_open_loop(cluster.url, 20.0, 1.0, 0, seed))
            assert warm.refused == 0
            window = SECONDS + SETTLE
            time.sleep(SETTLE)
            idle_from, idle_pg = _read(Path(out)), _transactions(DATABASE_URL)
            time.sleep(window)
            idle = _read(Path(out)) - idle_from
            idle_pg = _transactions(DATABASE_URL) - idle_pg
            before, pg_before = _read(Path(out)), _transactions(DATABASE_URL)
            load = asyncio.run(_open_loop(cluster.url, RATE, SECONDS, 0, seed))
            time.sleep(SETTLE)
            busy = _read(Path(out)) - before
            pg = _transactions(DATABASE_URL) - pg_before
            calls = len([c for c in fake.calls() if c.method != "getMe"])
    updates = len(load.latencies)
    return Counted(updates, load.refused, calls, busy, idle, (pg - idle_pg) / max(updates, 1))


def main(trees: list[Path], rounds: int) -> list[str]:
    """Each tree's runs, alternating (A B A B)."""
    results: dict[Path, list[Counted]] = {tree: [] for tree in trees}
    for n in range(rounds):
        for tree in trees:
            results[tree].append(measure(tree, 11 + n))
    lines = [
        f"transactions per update by kind, {RATE:.0f} updates/s for {SECONDS:.0f} s "
        f"+ {SETTLE:.0f} s, an idle window of the same length left out:"
    ]
    for tree, runs in results.items():
        for n, r in enumerate(runs):
            lines.append(
                f"{tree.name} run {n + 1}: {r.updates} updates ({r.refused} refused), "
                f"{r.bot_api_calls} Bot API calls; counted {r.counted_per_update():.2f}/update, "
                f"pg_stat_database {r.pg_per_update:.2f}/update"
            )
            for kind in sorted(set(r.busy) | set(r.idle), key=lambda k: -abs(r.per_update(k))):
                lines.append(
                    f"  {kind:32} {r.per_update(kind):6.3f}/update  "
                    f"(load {r.busy[kind]}, idle {r.idle[kind]})"
                )
    return lines


if __name__ == "__main__":
    chosen = [Path(p).resolve() for p in sys.argv[1:]] or [ROOT]
    print("\n".join(main(chosen, int(os.environ.get("BENCH_ROUNDS", "1")))))
