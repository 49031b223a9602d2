"""Issue 15 targets 0 and 4 on real workers: 2 webhook workers on PostgreSQL, a fake Bot API,
an open-loop load at 100 updates/s, one source tree or two compared in one session (alternating
A B A B). For each tree:

- idle: transactions a second on the database (``pg_stat_database``: commits + rollbacks) with
  the workers running and no traffic;
- text and button updates (questions, commands, language buttons) at ``RATE`` for
  ``SECONDS``: time to the 200 (p50, p99, max), the workers' CPU per update, PostgreSQL
  transactions per update;
- the same load with DigComp learners in it (each answers the 21 statements of the quick
  self-assessment, one every ``STEP_SECONDS``, waiting for each 200, not for the replies):
  time to the 200 of every update and of the learners' last answers (which end in a chart and
  a PDF), and the time from a learner's last answer to its PDF arriving at the fake Bot API.

Replies are sent at Telegram's pace (about 30 messages/s overall), so under this load the
outbox grows: the PDF's arrival includes waiting in that queue.

``--first`` measures instead the first DigComp result after the workers start (issue 15,
target 3): ``FIRST_LEARNERS`` learners answer all but the last statement on one server, which
is stopped; a new one starts on the same database (its start-up timed until /healthz answers
and both workers are up), the load of text and button updates at ``RATE`` begins at once, and
half a second in each learner sends the last answer. Reported per result: the last answer's
200, the time from its commit to its chart and PDF being built (the jobs' ``created_at`` and
``built_at``, read from ``document_jobs`` every 50 ms while the rows wait in the outbox), and
from the last answer being sent (under this load the request itself may wait) to the PDF built.

    python bench/webhook_jobs.py [--first] [TREE ...]   # default: this tree; several: compared
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.webhook import empty_database  # noqa: E402
from tests.bot.fake_telegram import callback_update, message_update  # noqa: E402
from tests.support.fake_bot_api import FakeBotApi  # noqa: E402
from tests.support.webhook_cluster import SECRET, SECRET_HEADER, WebhookCluster  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/celvedis_bench"
)
RATE = float(os.environ.get("BENCH_RATE", "100"))  # updates per second
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
IDLE_SECONDS = 20.0
STATS_FLUSH = 11.0  # PostgreSQL 15 flushes an idle backend's counters within 10 s
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "12"))
STEP_SECONDS = 0.7  # the flood limit is 20 inputs in 10 s
CONNECTIONS = 8
QUESTIONS = (
    "kur meklet partnerus", "kas ir CoVE?", "kādi ir projekta riski?", "what is DigComp",
    "ka nodrosinat ilgtspeju", "kas ir KA2?", "Europass CV", "kā novērtēt projekta ietekmi",
)  # fmt: skip
TICK = os.sysconf("SC_CLK_TCK")


class TreeCluster(WebhookCluster):
    """The webhook server of another source tree: its code, and its own ``.venv`` when it has
    one (its dependencies), else this interpreter."""

    def __init__(self, tree: Path, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree = tree

    def start(self, timeout: float = 90.0) -> TreeCluster:
        own = self.tree / ".venv" / "bin" / "python"
        python = str(own) if own.exists() else sys.executable
        self.process = subprocess.Popen(
            [python, "-m", "bot", "webhook", "--workers", str(self.workers),
             "--host", "127.0.0.1"],
            cwd=self.tree,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        self.wait_healthy(timeout)
        return self


def _transactions(url: str) -> int:
    """Commits + rollbacks of the benchmark database so far (a fresh connection)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = current_database()"
            )
        ).scalar()
    engine.dispose()
    return int(row or 0) - 1  # this reading's own transaction


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def _update(rng: random.Random, buttons: bool = True) -> dict[str, Any]:
    user = 10_000 + rng.randrange(400)
    roll = rng.random()
    if roll < 0.6:
        return message_update(user, rng.choice(QUESTIONS))
    if roll < 0.8 or not buttons:
        return message_update(user, rng.choice(("/help", "/menu", "/privacy", "/projects")))
    return callback_update(user, rng.choice(("lang:lv", "lang:en")))


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # ms to the 200
    refused: int = 0
    last_answers: list[float] = field(default_factory=list)  # ms, the learners' last answers
    finished_at: dict[int, float] = field(default_factory=dict)  # learner -> monotonic


async def _post(
    client: httpx.AsyncClient, url: str, update: dict[str, Any], load: Load, resend: bool = False
) -> float:
    """Time to the 200 (ms); a refusal or a failed request is counted (and, with ``resend``,
    sent again after a second, as Telegram does)."""
    while True:
        start = time.perf_counter()
        try:
            response = await client.post(
                f"{url}/telegram", json=update, headers={SECRET_HEADER: SECRET}
            )
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        elapsed = (time.perf_counter() - start) * 1000
        if ok:
            load.latencies.append(elapsed)
            return elapsed
        load.refused += 1
        if not resend:
            return elapsed
        await asyncio.sleep(1.0)


async def _learner(url: str, user: int, delay: float, load: Load) -> None:
    await asyncio.sleep(delay)
    async with httpx.AsyncClient(timeout=120.0) as client:
        await _post(client, url, message_update(user, "/digcomp quick"), load, resend=True)
        for seq in range(1, 22):
            await asyncio.sleep(STEP_SECONDS)
            update = callback_update(user, f"f:{seq}:2")
            elapsed = await _post(client, url, update, load, resend=True)
        load.last_answers.append(elapsed)
        load.finished_at[user] = time.monotonic()


async def _open_loop(url: str, rate: float, seconds: float, learners: int, seed: int) -> Load:
    rng = random.Random(seed)
    load = Load()
    clients = [httpx.AsyncClient(timeout=120.0) for _ in range(CONNECTIONS)]
    people = [
        asyncio.create_task(_learner(url, 90_000 + seed * 100 + n, n * 0.8, load))
        for n in range(learners)
    ]
    tasks = []
    begin = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        update = _update(rng)
        tasks.append(asyncio.create_task(_post(clients[i % CONNECTIONS], url, update, load)))
    await asyncio.gather(*tasks, *people)
    for client in clients:
        await client.aclose()
    return load


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else float("nan")


def measure(tree: Path, seed: int) -> dict[str, Any]:
    empty_database(DATABASE_URL)
    with FakeBotApi() as fake, TreeCluster(tree, DATABASE_URL, fake, workers=2) as cluster:
        warm = asyncio.run(_open_loop(cluster.url, 20.0, 1.0, 0, seed))
        assert warm.refused == 0
        workers = cluster.worker_pids()
        time.sleep(STATS_FLUSH)
        idle_before = _transactions(DATABASE_URL)
        time.sleep(IDLE_SECONDS)
        idle = (_transactions(DATABASE_URL) - idle_before) / IDLE_SECONDS

        # text and button updates only
        tx_before, cpu_before = _transactions(DATABASE_URL), _cpu_seconds(workers)
        plain = asyncio.run(_open_loop(cluster.url, RATE, SECONDS, 0, seed))
        cpu = _cpu_seconds(workers) - cpu_before
        updates = len(plain.latencies)
        time.sleep(STATS_FLUSH)
        # the idle sender's own transactions meanwhile are left out
        tx = _transactions(DATABASE_URL) - tx_before - idle * (SECONDS + STATS_FLUSH)

        # the same with DigComp learners in it
        tree_cpu_before = _cpu_seconds([cluster.process.pid, *_descendants(cluster.process.pid)])
        mixed = asyncio.run(_open_loop(cluster.url, RATE - 2.5, SECONDS, LEARNERS, seed + 1))
        learners = list(mixed.finished_at)
        deadline = time.monotonic() + 240
        arrivals: dict[int, float] = {}
        while time.monotonic() < deadline and len(arrivals) < len(learners):
            for call in fake.calls("sendDocument"):
                if call.chat_id in mixed.finished_at and call.chat_id not in arrivals:
                    arrivals[int(call.chat_id)] = call.at - mixed.finished_at[int(call.chat_id)]
            time.sleep(0.2)
        tree_cpu = (
            _cpu_seconds([cluster.process.pid, *_descendants(cluster.process.pid)])
            - tree_cpu_before
        )
        rss = max(cluster.rss_mb().values())
    return {
        "idle_tx_s": idle,
        "plain_updates": updates,
        "plain_refused": plain.refused,
        "plain_p50": _pct(plain.latencies, 0.5),
        "plain_p99": _pct(plain.latencies, 0.99),
        "plain_max": max(plain.latencies),
        "cpu_ms": cpu * 1000 / max(updates, 1),
        "tx_per_update": tx / max(updates, 1),
        "mixed_updates": len(mixed.latencies),
        "mixed_refused": mixed.refused,
        "mixed_p50": _pct(mixed.latencies, 0.5),
        "mixed_p99": _pct(mixed.latencies, 0.99),
        "mixed_max": max(mixed.latencies),
        "over_5s": sum(1 for x in mixed.latencies if x > 5000),
        "last_answer_p50": _pct(mixed.last_answers, 0.5),
        "last_answer_max": max(mixed.last_answers, default=float("nan")),
        "pdf_p50": _pct(list(arrivals.values()), 0.5),
        "pdf_p99": _pct(list(arrivals.values()), 0.99),
        "pdfs": f"{len(arrivals)}/{LEARNERS}",
        "tree_cpu_ms": tree_cpu * 1000 / max(len(mixed.latencies), 1),
        "rss": rss,
    }


FIRST_LEARNERS = 2  # one result for each worker, about
FIRST_SECONDS = 8.0  # seconds of load after the restart


async def _answers(url: str, user: int, answers: range, load: Load) -> None:
    async with httpx.AsyncClient(timeout=120.0) as client:
        if answers.start == 1:
            await _post(client, url, message_update(user, "/digcomp quick"), load, resend=True)
        for seq in answers:
            await asyncio.sleep(STEP_SECONDS)
            await _post(client, url, callback_update(user, f"f:{seq}:2"), load, resend=True)


async def _restarted_load(url: str, learners: list[int], seed: int) -> dict[int, float]:
    """The load at ``RATE`` from now, each learner's last answer 0.5 s in; when each last
    answer was sent (epoch seconds)."""
    sent: dict[int, float] = {}
    load = Load()

    async def last(user: int) -> None:
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(timeout=120.0) as client:
            sent[user] = time.time()
            elapsed = await _post(client, url, callback_update(user, "f:21:2"), load, resend=True)
            load.last_answers.append(elapsed)

    await asyncio.gather(
        _open_loop(url, RATE, FIRST_SECONDS, 0, seed), *(last(user) for user in learners)
    )
    print(f"  last answers' 200: {[round(x) for x in load.last_answers]} ms", file=sys.stderr)
    return sent


def _built_jobs(url: str, seen: dict[int, tuple[int, str, float, float]], stop: float) -> None:
    """Until ``stop`` (monotonic): each built job's (learner, file name, created_at and
    built_at as epoch seconds)."""
    engine = create_engine(url)
    query = text(
        "SELECT j.id, o.chat_id, j.recipe->>'filename', j.created_at, j.built_at "
        "FROM document_jobs j "
        "JOIN outbox o ON o.id = j.outbox_id WHERE j.state = 'done'"
    )
    with engine.connect() as connection:
        while time.monotonic() < stop:
            for job, chat, name, created, built in connection.execute(query):
                seen.setdefault(job, (int(chat), str(name), created.timestamp(), built.timestamp()))
            connection.commit()
            time.sleep(0.05)
    engine.dispose()


def measure_first(tree: Path, seed: int) -> dict[str, Any]:
    empty_database(DATABASE_URL)
    learners = [95_000 + seed * 10 + n for n in range(FIRST_LEARNERS)]
    with FakeBotApi() as fake:
        with TreeCluster(tree, DATABASE_URL, fake, workers=2) as cluster:
            prepared = Load()
            asyncio.run(
                _gather(*(_answers(cluster.url, u, range(1, 21), prepared) for u in learners))
            )
        began = time.monotonic()
        with TreeCluster(tree, DATABASE_URL, fake, workers=2) as cluster:
            startup = time.monotonic() - began
            seen: dict[int, tuple[int, str, float, float]] = {}
            watcher = threading.Thread(
                target=_built_jobs, args=(DATABASE_URL, seen, time.monotonic() + FIRST_SECONDS + 30)
            )
            watcher.start()
            sent = asyncio.run(_restarted_load(cluster.url, learners, seed))
            watcher.join()
    results = []
    for user in learners:
        built = {name: (made, at) for chat, name, made, at in seen.values() if chat == user}
        pdf = next((v for name, v in built.items() if name.endswith(".pdf")), None)
        nan = float("nan")
        results.append(
            {
                "files": len(built),
                "pdf_s": pdf[1] - sent[user] if pdf is not None and user in sent else nan,
                "job_pdf_s": pdf[1] - pdf[0] if pdf is not None else nan,
                "job_all_s": max(at for _, at in built.values()) - min(m for m, _ in built.values())
                if built
                else nan,
            }
        )
    return {"startup_s": startup, "results": results}


async def _gather(*tasks: Any) -> None:
    await asyncio.gather(*tasks)


def run_first(trees: list[Path], rounds: int = 2) -> list[str]:
    results: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    for n in range(rounds):
        for tree in trees:
            results[tree].append(measure_first(tree, seed=11 + n))
            print(f"round {n + 1}, {tree}: {results[tree][-1]}", file=sys.stderr)
    lines = [
        f"first DigComp results after the workers start, {RATE:.0f} updates/s, "
        f"{FIRST_LEARNERS} learners, {rounds} runs:"
    ]

    def each(values: list[float]) -> str:
        shown = ", ".join(f"{x:.0f}" for x in values)
        return f"median {statistics.median(values):.0f} ms, max {max(values):.0f} ms ({shown})"

    for tree in trees:
        runs = results[tree]
        jobs = [r["job_pdf_s"] * 1000 for run in runs for r in run["results"]]
        both = [r["job_all_s"] * 1000 for run in runs for r in run["results"]]
        ends = [r["pdf_s"] * 1000 for run in runs for r in run["results"]]
        starts = [run["startup_s"] for run in runs]
        lines += [
            f"{tree.name}: last answer committed -> PDF built: {each(jobs)}",
            f"{tree.name}: last answer committed -> chart and PDF built: {each(both)}",
            f"{tree.name}: last answer sent -> PDF built: {each(ends)}",
            f"{tree.name}: start to healthy: median {statistics.median(starts):.1f} s",
        ]
    figures = {tree.name: results[tree] for tree in trees}
    lines.append("figures: " + json.dumps(figures))
    return lines


ROWS = (
    ("idle: transactions/s", "idle_tx_s", "{:.1f}"),
    ("text/button: updates answered (refused)", None, None),
    ("text/button: p50 / p99 / max to the 200, ms", None, None),
    ("text/button: worker CPU per update, ms", "cpu_ms", "{:.1f}"),
    ("text/button: PostgreSQL transactions per update", "tx_per_update", "{:.2f}"),
    ("with DigComp: updates answered (refused; over 5 s)", None, None),
    ("with DigComp: p50 / p99 / max to the 200, ms", None, None),
    ("with DigComp: learners' last answer to the 200, p50 / max, ms", None, None),
    ("with DigComp: last answer to the PDF arriving, p50 / p99, s", None, None),
    ("with DigComp: CPU per update incl. document helpers, ms", "tree_cpu_ms", "{:.1f}"),
    ("largest worker RSS after, MB", "rss", "{:.0f}"),
)


def _cell(label: str, key: str | None, fmt: str | None, r: dict[str, Any]) -> str:
    if key is not None and fmt is not None:
        return fmt.format(r[key])
    if label.startswith("text/button: updates"):
        return f"{r['plain_updates']} ({r['plain_refused']})"
    if label.startswith("text/button: p50"):
        return f"{r['plain_p50']:.1f} / {r['plain_p99']:.1f} / {r['plain_max']:.0f}"
    if label.startswith("with DigComp: updates"):
        return f"{r['mixed_updates']} ({r['mixed_refused']}; {r['over_5s']})"
    if label.startswith("with DigComp: p50"):
        return f"{r['mixed_p50']:.1f} / {r['mixed_p99']:.1f} / {r['mixed_max']:.0f}"
    if label.startswith("with DigComp: learners"):
        return f"{r['last_answer_p50']:.0f} / {r['last_answer_max']:.0f}"
    return f"{r['pdf_p50']:.1f} / {r['pdf_p99']:.1f} ({r['pdfs']})"


def run(trees: list[Path], rounds: int = 2) -> list[str]:
    results: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    for n in range(rounds):
        for tree in trees:
            results[tree].append(measure(tree, seed=11 + n))
            print(f"round {n + 1}, {tree}: {results[tree][-1]}", file=sys.stderr)
    header = ["what", *[f"{tree.name} run {n + 1}" for tree in trees for n in range(rounds)]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, key, fmt in ROWS:
        cells = [_cell(label, key, fmt, r) for tree in trees for r in results[tree]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    medians = {
        tree.name: statistics.median(r["mixed_p99"] for r in results[tree]) for tree in trees
    }
    lines.append("")
    lines.append(f"Median p99 with DigComp, ms: {medians}")
    # for bench/run.py's table: each tree's rounds, as measured
    figures = {tree.name: results[tree] for tree in trees}
    lines.append("figures: " + json.dumps(figures))
    return lines


if __name__ == "__main__":
    arguments = sys.argv[1:]
    first = "--first" in arguments
    trees = [Path(p).resolve() for p in arguments if p != "--first"] or [ROOT]
    rounds = int(os.environ.get("BENCH_ROUNDS", "2"))
    print("\n".join(run_first(trees, rounds) if first else run(trees, rounds=rounds)))
