"""Benchmarks (``make bench``): Q&A answer time, scaling, overhead over bare rapidfuzz, start-up,
the time to render a DigComp result and the coordinator documents, and the webhook workers'
latency, throughput and memory on PostgreSQL, the shared registers under load, and the issue-15
table of ratios against bare baselines (bench/issue15.py).

Writes the figures to docs/BENCHMARKS.md. Timing is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import issue15  # noqa: E402
from bench.digcomp import run as digcomp_rendering  # noqa: E402
from bench.documents import run as coordinator_documents  # noqa: E402
from bench.groups import run as group_report  # noqa: E402
from flows.registry import default_registry  # noqa: E402
from knowledge.answers import Answerer  # noqa: E402
from knowledge.evaluation import load_eval_set  # noqa: E402
from knowledge.loader import KnowledgeBase, load_knowledge  # noqa: E402
from knowledge.matcher import Matcher, prepare  # noqa: E402

REPEATS = 3
KEPT = "<!-- Written by hand: make bench keeps everything from this line on. -->"
SCALED_ENTRIES = 10_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_calls(func, questions: list[str]) -> list[float]:
    """Milliseconds per call, every question REPEATS times."""
    timings = []
    for _ in range(REPEATS):
        for question in questions:
            start = time.perf_counter()
            func(question)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def scaled_knowledge(knowledge: KnowledgeBase, size: int) -> KnowledgeBase:
    """A synthetic knowledge base: real entries copied with new ids and shuffled phrasings."""
    rng = random.Random(7)
    vocabulary = sorted(
        {w for e in knowledge.entries for q in e.questions["lv"] for w in q.split()}
    )
    entries = list(knowledge.entries)
    i = 0
    while len(entries) < size:
        source = knowledge.entries[i % len(knowledge.entries)]
        extra = lambda q: f"{q} {rng.choice(vocabulary)} {rng.choice(vocabulary)}"  # noqa: E731
        questions = {lang: tuple(extra(q) for q in qs) for lang, qs in source.questions.items()}
        entries.append(replace(source, id=f"synthetic-{i}", questions=questions, related=()))
        i += 1
    return KnowledgeBase(tuple(entries))


def measure(matcher: Matcher, questions: list[str]) -> dict[str, float]:
    choices = matcher.choices
    pipeline = time_calls(matcher.match, questions)

    def bare(question: str) -> object:
        return process.extract(
            prepare(question), choices, scorer=fuzz.WRatio, processor=None, limit=5
        )

    baseline = time_calls(bare, questions)
    return {
        "choices": len(choices),
        "median": statistics.median(pipeline),
        "p99": percentile(pipeline, 0.99),
        "bare_median": statistics.median(baseline),
        "ratio": statistics.median(pipeline) / statistics.median(baseline),
    }


def start_to_first_answer() -> list[float]:
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "kur meklēt partnerus"],
            cwd=ROOT, capture_output=True, check=True,
        )  # fmt: skip
        timings.append(time.perf_counter() - start)
    return timings


def webhook_workers(env: dict[str, str], *args: str) -> list[str]:
    """bench/webhook.py (``args``: ``--teams`` for the shared registers) in a fresh process:
    this one holds the 10,000-entry knowledge base, whose garbage collections would stall the
    load generator and inflate the latencies."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "webhook.py"), *args],
        cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, **env},
    )  # fmt: skip
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        return [f"bench/webhook.py {' '.join(args)} failed (exit {result.returncode}): {last}"]
    return result.stdout.rstrip("\n").split("\n")


def replace_section(section: list[str]) -> int:
    """Put ``section`` in place of its older self in docs/BENCHMARKS.md (up to the next
    section or the hand-written part), or before the hand-written part."""
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    new = "\n".join(section) + "\n"
    start = text.find(section[0] + "\n")
    if start < 0:
        start = text.index(KEPT) if KEPT in text else len(text)
        end = start
    else:
        following = [text.find(m, start + 1) for m in ("\n## ", "\n" + KEPT)]
        end = min([f + 1 for f in following if f >= 0], default=len(text))
    path.write_text(text[:start] + new + "\n" + text[end:].lstrip("\n"), encoding="utf-8")
    print(new)
    return 0


def update_cpu(env: dict[str, str]) -> list[str]:
    """CPU, statements and transactions per text or button update on the webhook's path
    (bench/update_cpu.py, in a fresh process, on PostgreSQL: ``BENCH_DATABASE_URL``)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "update_cpu.py"), "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, **env},
    )  # fmt: skip
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        return [f"bench/update_cpu.py failed (exit {result.returncode}): {last}"]
    return [
        "## CPU per text or button update (issue 15, target 4)",
        "",
        "`python bench/update_cpu.py`: one process plays a webhook worker's dialogue on "
        "PostgreSQL and replays 60 % questions, 20 % commands and 20 % button presses from 400 "
        "users through the webhook's path (JSON, `Update.de_json`, `to_input`, "
        "`Dialogue.handle_update` with the webhook's outbox writer). Target: ≤ 8 ms CPU per "
        "update, ≤ 2 transactions per update. `python bench/update_cpu.py TREE_A TREE_B` "
        "compares two source trees (alternating).",
        "",
        *result.stdout.rstrip("\n").split("\n"),
    ]


def send_cpu() -> list[str]:
    """CPU per Bot API call, the webhook's own client against python-telegram-bot's ``Bot``
    (bench/send_cpu.py, in a fresh process, against the fake Bot API)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "send_cpu.py"), "--rounds", "3"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        return [f"bench/send_cpu.py failed (exit {result.returncode}): {last}"]
    return [
        "## CPU per Bot API call on the webhook's sending side (issue 15, target 4)",
        "",
        "`python bench/send_cpu.py`: the same replies (a callback answer, an edit with a "
        "keyboard, a new message) through `send_replies` with the outbox sender's own client "
        "(`bot/telegram/bot_api.py`) and with python-telegram-bot's `Bot`, alternating, to the "
        "fake Bot API in another process; CPU of the sending process per call.",
        "",
        "```",
        *result.stdout.rstrip("\n").split("\n"),
        "```",
    ]


def main() -> int:
    options = argparse.ArgumentParser(description="make bench: writes docs/BENCHMARKS.md")
    options.add_argument(
        "--database",
        metavar="URL",
        default=os.environ.get("TEST_DATABASE_URL") or os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL for the webhook benches (default $TEST_DATABASE_URL, else "
        "$BENCH_DATABASE_URL, else postgres@127.0.0.1/celvedis_bench when reachable); "
        "its contents are dropped",
    )
    options.add_argument(
        "--memory-minutes",
        type=float,
        default=3.0,
        help="length of bench/worker_memory.py's run (issue 15 asks for 10)",
    )
    options.add_argument("--webhook-rounds", type=int, default=1, help="bench/webhook_jobs.py runs")
    options.add_argument(
        "--only-issue15",
        action="store_true",
        help="re-run only the issue-15 section and replace it in docs/BENCHMARKS.md",
    )
    args = options.parse_args()
    if args.only_issue15:
        section = issue15.section(args.database, args.memory_minutes, args.webhook_rounds)
        return replace_section(section)
    env = {"BENCH_DATABASE_URL": args.database} if args.database else {}
    questions = [item.question for item in load_eval_set()]
    knowledge = load_knowledge(default_registry().ids())
    start = time.perf_counter()
    matcher = Matcher(knowledge)
    build_real = time.perf_counter() - start
    Answerer(knowledge, matcher).ask("warm-up")
    real = measure(matcher, questions)
    big_knowledge = scaled_knowledge(knowledge, SCALED_ENTRIES)
    start = time.perf_counter()
    big_matcher = Matcher(big_knowledge)
    build_big = time.perf_counter() - start
    big = measure(big_matcher, questions[::3])  # every third question: keeps the run short
    startup = start_to_first_answer()

    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (bench/run.py) on {platform.node() or 'this machine'}: "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}. "
        "Shared, noisy machines: compare figures from one run, not across runs.",
        "",
        "## Free-text Q&A",
        "",
        f"{len(questions)} evaluation questions, each {REPEATS} times.",
        "",
        "| knowledge base | entries | phrasings | build | median | p99 | bare rapidfuzz median "
        "| pipeline / bare |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, kb, figures, build in (
        ("shipped", knowledge, real, build_real),
        ("synthetic", big_knowledge, big, build_big),
    ):
        lines.append(
            f"| {name} | {len(kb)} | {figures['choices']} | {build * 1000:.0f} ms "
            f"| {figures['median']:.3f} ms | {figures['p99']:.3f} ms "
            f"| {figures['bare_median']:.3f} ms | {figures['ratio']:.2f}× |"
        )
    lines += [
        "",
        "*Bare rapidfuzz* is `process.extract(query, choices, scorer=fuzz.WRatio, limit=5)` over "
        "the same prepared phrasings; the pipeline adds normalisation, typo correction, "
        "IDF-weighted scoring of candidate phrasings and the answer-text channel, but only scores "
        "phrasings that share a word with the question.",
        "",
        "## Start-up",
        "",
        f'`python -m bot ask "kur meklēt partnerus"`, process start to printed answer, 5 runs: '
        f"median {statistics.median(startup):.2f} s (min {min(startup):.2f} s, "
        f"max {max(startup):.2f} s).",
        "",
        "Targets (issue 3): p99 ≤ 5 ms on the shipped knowledge base, ≤ 25 ms at 10,000 entries; "
        "start to first answer ≤ 1.5 s; pipeline ≤ 2× bare rapidfuzz.",
    ]
    lines += ["", *digcomp_rendering(), "", *coordinator_documents(), "", *group_report()]
    lines += ["", *webhook_workers(env), "", *webhook_workers(env, "--teams")]
    lines += ["", *update_cpu(env)]
    lines += ["", *send_cpu()]
    lines += ["", *issue15.section(args.database, args.memory_minutes, args.webhook_rounds)]
    report = "\n".join(lines) + "\n"
    path = ROOT / "docs" / "BENCHMARKS.md"
    path.parent.mkdir(exist_ok=True)
    if path.exists():  # what is written by hand below the marker stays
        old = path.read_text(encoding="utf-8")
        if KEPT in old:
            report += "\n" + old[old.index(KEPT) :]
    path.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
