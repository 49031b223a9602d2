"""Where a webhook worker's resident memory goes (issue 15, target 5).

Two views:

- ``--imports``: in this process, the resident size (VmRSS, MiB) after each stage of what a
  worker loads, in the worker's order — the interpreter, asyncio (with ssl), SQLAlchemy and its
  ORM, psycopg, Starlette and uvicorn, the webhook module, then the dialogue core built on the
  database (content, index, engine), the Bot API client, and the first transaction — and which
  top-level packages are in ``sys.modules`` at the end (python-telegram-bot must not be);
- by default: real workers (``python -m bot webhook --workers 2`` on PostgreSQL with the fake
  Bot API, as bench/worker_memory.py starts them), each one's mappings from
  ``/proc/PID/smaps`` grouped — anonymous memory (the Python heap: objects, code, malloc) and
  each shared library or package — with RSS and PSS, at ready and after ``--updates`` mixed
  updates and ``--results`` DigComp results (bench/worker_memory.py's load), and the same for
  the document helpers.

    python bench/worker_anatomy.py --imports [--database URL] [--tree DIR]
    python bench/worker_anatomy.py [--database URL] [--minutes 1] [--updates 300] [--results 6]

The database (default ``$BENCH_DATABASE_URL``, else ``$TEST_DATABASE_URL``) must be PostgreSQL;
the real-worker view empties it first. ``--tree``: import another source tree's code (the
in-process view), to compare two trees.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STAGES = (
    ("asyncio, ssl", ("asyncio", "ssl")),
    ("sqlalchemy", ("sqlalchemy",)),
    ("sqlalchemy.orm", ("sqlalchemy.orm",)),
    ("psycopg", ("psycopg",)),
    ("starlette, uvicorn", ("starlette.applications", "uvicorn")),
    ("bot.telegram.webhook", ("bot.telegram.webhook",)),
)
_MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def imports(url: str) -> list[str]:
    """The in-process view: RSS after each stage."""
    lines, before = [], rss_mib()
    lines.append(f"{'interpreter':28} {before:6.1f} MiB")

    def stage(name: str) -> None:
        nonlocal before
        now = rss_mib()
        lines.append(f"{name:28} {now:6.1f} MiB  (+{now - before:.1f})")
        before = now

    for name, modules in STAGES:
        for module in modules:
            importlib.import_module(module)
        stage(name)
    from sqlalchemy import text

    from bot.app import build_dialogue
    from bot.dialogue.flood import FloodLimits
    from bot.settings import Settings
    from bot.telegram.webhook import make_api

    core = build_dialogue(url, migrate=False, flood=FloodLimits())
    stage("dialogue core built")
    make_api(Settings(database_url=url, telegram_token="1:x"))
    stage("Bot API client")
    with core.db.transaction() as session:
        session.execute(text("SELECT 1"))
    stage("first transaction")
    tops = Counter(name.split(".")[0] for name in sys.modules)
    lines.append(f"{len(sys.modules)} modules; the most: " + ", ".join(
        f"{name} {count}" for name, count in tops.most_common(12)
    ))  # fmt: skip
    lines.append(f"telegram loaded: {'telegram' in sys.modules}")
    core.db.dispose()
    return lines


def mappings(pid: int) -> tuple[Counter[str], Counter[str]]:
    """RSS and PSS (KiB) of a process's mappings, grouped: anonymous memory, each library."""
    rss: Counter[str] = Counter()
    pss: Counter[str] = Counter()
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if _MAPPING.match(line):
            parts = line.split()
            path = parts[5] if len(parts) > 5 else ""
            if not path or path in ("[heap]", "[stack]") or path.startswith("[anon"):
                name = "anonymous (Python heap, malloc, stacks)"
            elif "site-packages/" in path:
                name = path.split("site-packages/")[1].split("/")[0]
            else:
                name = path.rsplit("/", 1)[-1]
        elif line.startswith("Rss:"):
            rss[name] += int(line.split()[1])
        elif line.startswith("Pss:"):
            pss[name] += int(line.split()[1])
    return rss, pss


def describe(label: str, pid: int, top: int = 10) -> list[str]:
    rss, pss = mappings(pid)
    total, shared = sum(rss.values()) / 1024, sum(pss.values()) / 1024
    lines = [f"{label} {pid}: RSS {total:.1f} MiB, PSS {shared:.1f} MiB"]
    for name, kib in rss.most_common(top):
        lines.append(f"  {kib / 1024:6.1f} MiB RSS  {pss[name] / 1024:6.1f} PSS  {name}")
    return lines


def real_workers(url: str, minutes: float, updates: int, results: int) -> list[str]:
    from bench.webhook import empty_database
    from bench.worker_memory import _children, drive
    from tests.support.fake_bot_api import FakeBotApi
    from tests.support.webhook_cluster import WebhookCluster

    empty_database(url)
    lines: list[str] = []

    def snapshot(when: str, cluster: WebhookCluster) -> None:
        for pid in cluster.worker_pids():
            lines.extend(describe(f"{when}: worker", pid))
            for child in _children(pid):
                lines.extend(describe(f"{when}: its document helper", child, top=6))

    with FakeBotApi() as fake:
        cluster = WebhookCluster(url, fake, workers=2)
        try:
            cluster.start(timeout=180.0)
            time.sleep(5.0)  # the helper's rehearsal
            snapshot("ready", cluster)
            done = drive(cluster, fake, minutes, updates, results)
            lines.append(
                f"load: {done.singles} updates, {done.learners} DigComp results, "
                f"{len(done.failures)} failures"
            )
            snapshot("after the load", cluster)
        finally:
            cluster.stop()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )
    parser.add_argument("--imports", action="store_true", help="the in-process view")
    parser.add_argument("--tree", type=Path, default=None, help="source tree to import")
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--results", type=int, default=6)
    args = parser.parse_args()
    if not args.database or not args.database.startswith("postgresql"):
        parser.error("--database (or BENCH_DATABASE_URL): a PostgreSQL URL")
    if args.tree is not None:
        sys.path.insert(0, str(args.tree.resolve()))
    if args.imports:
        print("\n".join(imports(args.database)))
    else:
        print("\n".join(real_workers(args.database, args.minutes, args.updates, args.results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
