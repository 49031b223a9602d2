"""CPU per text or button update on the webhook's path (issue 15, target 4), without the web
server: one process plays a webhook worker's dialogue on PostgreSQL and replays a realistic mix
through the code path a request takes — the body's JSON parsed, ``out_of_range``,
``to_input`` (on the JSON; a tree whose webhook still parses into python-telegram-bot's objects
gets ``Update.de_json`` first, as its requests do), and ``Dialogue.handle_update`` with the
webhook's own ``outbox_writer`` (imported from ``bot.telegram.webhook``, not copied).

The mix, for ``USERS`` users (seeded, so both trees replay the same updates as long as their
replies are the same): 60 % free-text questions from tests/knowledge/eval_set.yaml, 20 %
commands (/start /help /menu /digcomp), 20 % button presses — one of the buttons last shown
to that user (a flow's answer, a menu entry, a related topic) when there is one, otherwise a
language button.

For each update: CPU (``time.process_time``, this process only), SQL statements and
transactions (SQLAlchemy engine events). Reported: median, p99 and mean CPU ms per update (all
updates and by kind), statements and transactions per update, and the PostgreSQL backends' CPU
per update (the server processes serving this process's connections, from their
``/proc/PID/stat`` over the counted updates: 10 ms ticks, so a mean over many updates). The
first ``WARM`` updates warm the caches and are not counted.

    python bench/update_cpu.py [TREE ...] [--updates N] [--rounds R] [--profile FILE]

With several trees, each round runs every tree in turn (A B, then B A, …) in a fresh process,
on a fresh database (``BENCH_DATABASE_URL``, default ``celvedis_update_cpu`` on 127.0.0.1),
migrated by that tree. ``--profile`` (one tree) writes cProfile statistics of the counted updates.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/celvedis_update_cpu"
)
USERS = 400
WARM = 300
COMMANDS = ("/start", "/help", "/menu", "/digcomp")
PRESSABLE = ("f:", "menu:", "kb:", "more:")  # buttons a replayed user may press again


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


# ---- the worker (runs inside the tree under test) -------------------------------------------
def worker(database_url: str, updates: int, seed: int, profile: str | None) -> dict[str, Any]:
    """Replay ``WARM + updates`` updates through the webhook's path; the figures."""
    import cProfile
    import random
    import time

    from sqlalchemy import event

    from bot.app import build_dialogue
    from bot.dialogue.flood import FloodLimits
    from bot.telegram import webhook
    from bot.telegram.updates import out_of_range, to_input
    from bot.telegram.webhook import outbox_writer
    from flows import isolation
    from knowledge.evaluation import load_eval_set
    from tests.bot.fake_telegram import BOT_USER, callback_update, message_update

    isolation.enable(prestart=False)  # as a worker; text and buttons build no document
    dialogue = build_dialogue(database_url, migrate=False, flood=FloodLimits())
    dialogue.defer_documents = True
    parse = _ptb_parser() if hasattr(webhook, "Update") else None  # an older tree
    counts = {"statements": 0, "transactions": 0}

    def on_statement(*_args: Any) -> None:
        counts["statements"] += 1

    def on_begin(*_args: Any) -> None:
        counts["transactions"] += 1

    event.listen(dialogue.db.engine, "before_cursor_execute", on_statement)
    event.listen(dialogue.db.engine, "begin", on_begin)
    backends: set[int] = set()  # the PostgreSQL server processes of this process's connections

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        backends.add(int(dbapi_connection.info.backend_pid))

    dialogue.db.engine.dispose()  # connections made from now on are seen
    event.listen(dialogue.db.engine, "connect", on_connect)

    def backend_cpu() -> float:
        ticks = 0
        for pid in backends:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # not on this machine, or gone
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    questions = [item.question for item in load_eval_set()]
    rng = random.Random(seed)
    shown: dict[int, list[str]] = {}  # user -> data of the buttons last shown to them

    def next_update() -> tuple[str, dict[str, Any]]:
        user = 10_000 + rng.randrange(USERS)
        roll = rng.random()
        if roll < 0.6:
            return "question", message_update(user, rng.choice(questions))
        if roll < 0.8:
            return "command", message_update(user, rng.choice(COMMANDS))
        choices = shown.get(user) or []
        data = rng.choice(choices) if choices else rng.choice(("lang:lv", "lang:en"))
        return "button", callback_update(user, data)

    def handle(body: bytes) -> None:
        data = json.loads(body)
        if out_of_range(data):
            return
        update = data if parse is None else parse(data)
        inp = to_input(update, BOT_USER["username"] if parse is None else None)
        if inp is None:
            return
        write = outbox_writer(update)

        def write_and_keep(session: Any, inp: Any, replies: list[Any]) -> None:
            write(session, inp, replies)
            buttons = [
                b.data
                for r in replies
                for row in r.buttons
                for b in row
                if b.data and b.data.startswith(PRESSABLE)
            ]
            if buttons:
                shown[inp.user_id] = buttons

        dialogue.handle_update(inp, data["update_id"], write_and_keep)

    profiler = cProfile.Profile(time.process_time) if profile else None
    cpu: dict[str, list[float]] = {"question": [], "command": [], "button": []}
    statements = transactions = 0
    start_wall = time.perf_counter()
    start_backend = 0.0
    for n in range(WARM + updates):
        kind, payload = next_update()
        body = json.dumps(payload).encode()
        counted = n >= WARM
        if counted and n == WARM:
            start_wall = time.perf_counter()
            start_backend = backend_cpu()
            if profiler:
                profiler.enable()
        before_s, before_t = counts["statements"], counts["transactions"]
        begin = time.process_time()
        handle(body)
        spent = time.process_time() - begin
        if counted:
            cpu[kind].append(spent * 1000)
            statements += counts["statements"] - before_s
            transactions += counts["transactions"] - before_t
    wall = time.perf_counter() - start_wall
    server = backend_cpu() - start_backend
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    everything = [x for values in cpu.values() for x in values]
    figures: dict[str, Any] = {
        "updates": len(everything),
        "median": statistics.median(everything),
        "p99": _pct(everything, 0.99),
        "mean": statistics.fmean(everything),
        "statements": statements / len(everything),
        "transactions": transactions / len(everything),
        "server_ms": server * 1000 / len(everything),
        "wall_s": wall,
    }
    for kind, values in cpu.items():
        figures[f"{kind}_median"] = statistics.median(values) if values else 0.0
        figures[f"{kind}_mean"] = statistics.fmean(values) if values else 0.0
        figures[f"{kind}_n"] = len(values)
    dialogue.db.dispose()
    return figures


def _ptb_parser() -> Any:
    """``Update.de_json`` with a Bot that has met Telegram (its @username known): how a tree
    whose webhook parses updates into python-telegram-bot's objects reads a request."""
    import asyncio

    from telegram import Bot, Update

    from tests.bot.fake_telegram import RecordingRequest

    request = RecordingRequest()
    bot = Bot("123456:TEST", request=request, get_updates_request=request)
    asyncio.run(bot.initialize())  # getMe
    return lambda data: Update.de_json(data, bot)


# ---- the driver ----------------------------------------------------------------------------
def _fresh_database(tree: Path, url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.webhook import empty_database

    empty_database(url)
    migrate = "import sys; from storage.db import Database; Database(sys.argv[1]).migrate()"
    subprocess.run([sys.executable, "-c", migrate, url], cwd=tree, check=True)


def measure(tree: Path, updates: int, seed: int, profile: str | None = None) -> dict[str, Any]:
    """One run of the worker in a fresh process with ``tree``'s code, on a fresh database."""
    _fresh_database(tree, DATABASE_URL)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(tree)]
    command += ["--updates", str(updates), "--seed", str(seed)]
    if profile:
        command += ["--profile", profile]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"the worker failed in {tree}:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


ROWS = (
    ("CPU per update, median, ms", "median", "{:.2f}"),
    ("CPU per update, p99, ms", "p99", "{:.2f}"),
    ("CPU per update, mean, ms", "mean", "{:.2f}"),
    ("question, median / mean, ms", ("question_median", "question_mean"), "{:.2f} / {:.2f}"),
    ("command, median / mean, ms", ("command_median", "command_mean"), "{:.2f} / {:.2f}"),
    ("button, median / mean, ms", ("button_median", "button_mean"), "{:.2f} / {:.2f}"),
    ("SQL statements per update", "statements", "{:.2f}"),
    ("transactions per update", "transactions", "{:.2f}"),
    ("PostgreSQL backend CPU per update, ms", "server_ms", "{:.2f}"),
)


def _cell(key: str | tuple[str, ...], fmt: str, figures: dict[str, Any]) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    return fmt.format(*(figures[k] for k in keys))


def run(trees: list[Path], updates: int, rounds: int) -> list[str]:
    results: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    for n in range(rounds):
        # every other round in the reverse order (A B, B A, …): a run that follows another
        # (its database just emptied, the server still writing the last one's pages) is not
        # always the same tree's
        for tree in trees if n % 2 == 0 else trees[::-1]:
            results[tree].append(measure(tree, updates, seed=7 + n))
            print(f"round {n + 1}, {tree}: {results[tree][-1]}", file=sys.stderr)
    header = ["what", *[f"{tree.name} run {n + 1}" for tree in trees for n in range(rounds)]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, key, fmt in ROWS:
        cells = [_cell(key, fmt, r) for tree in trees for r in results[tree]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    first = results[trees[0]][0]
    lines += [
        "",
        f"{first['updates']} counted updates a run (after {WARM} to warm up), {USERS} users: "
        f"{first['question_n']} questions, {first['command_n']} commands, "
        f"{first['button_n']} button presses.",
    ]
    if len(trees) > 1:
        base = statistics.median(r["mean"] for r in results[trees[0]])
        for tree in trees[1:]:
            mean = statistics.median(r["mean"] for r in results[tree])
            lines.append(f"Mean CPU per update, {tree.name} / {trees[0].name}: {mean / base:.2f}×")
        base = statistics.median(r["server_ms"] for r in results[trees[0]])
        for tree in trees[1:]:
            server = statistics.median(r["server_ms"] for r in results[tree])
            lines.append(
                f"PostgreSQL backend CPU per update, {tree.name} / {trees[0].name}: "
                f"{server / base:.2f}×"
                if base
                else "PostgreSQL backend CPU per update: not measured (server not on this machine)"
            )
    return lines


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("trees", nargs="*", type=Path)
    options.add_argument("--updates", type=int, default=2000)
    options.add_argument("--rounds", type=int, default=2)
    options.add_argument("--seed", type=int, default=7)
    options.add_argument("--profile")
    options.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.worker is not None:
        sys.path.insert(0, str(args.worker))
        print(json.dumps(worker(DATABASE_URL, args.updates, args.seed, args.profile)))
        return 0
    trees = [tree.resolve() for tree in args.trees] or [ROOT]
    if args.profile:
        figures = measure(trees[0], args.updates, args.seed, str(Path(args.profile).resolve()))
        print(json.dumps(figures, indent=1))
        return 0
    print("\n".join(run(trees, args.updates, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
