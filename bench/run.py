"""Benchmarks (``make bench``): Q&A answer time, scaling, overhead over bare rapidfuzz, start-up,
the time to render a DigComp result and the coordinator documents, and the webhook workers'
latency, throughput and memory on PostgreSQL.

Writes the figures to docs/BENCHMARKS.md. Timing is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
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

from bench.digcomp import run as digcomp_rendering  # noqa: E402
from bench.documents import run as coordinator_documents  # noqa: E402
from bench.groups import run as group_report  # noqa: E402
from flows.registry import default_registry  # noqa: E402
from knowledge.answers import Answerer  # noqa: E402
from knowledge.evaluation import load_eval_set  # noqa: E402
from knowledge.loader import KnowledgeBase, load_knowledge  # noqa: E402
from knowledge.matcher import Matcher, prepare  # noqa: E402

REPEATS = 3
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


def webhook_workers() -> list[str]:
    """The webhook benchmark in a fresh process: this one holds the 10,000-entry knowledge base,
    whose garbage collections would stall the load generator and inflate the latencies."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "webhook.py")],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.rstrip("\n").split("\n")


def update_cpu() -> list[str]:
    """CPU, statements and transactions per text or button update on the webhook's path
    (bench/update_cpu.py, in a fresh process, on PostgreSQL: ``BENCH_DATABASE_URL``)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "update_cpu.py"), "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
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


def issue15_ratios(memory_run: list[str] | None = None) -> list[str]:
    """Start-up, documents and matcher scale against their bare baselines (issue 15), each
    bench's own output, in fresh processes (bench/startup.py, bench/documents_helper.py,
    bench/digcomp.py --ratio, bench/matcher_scale.py); with ``memory_run`` (its arguments),
    bench/memory_run.py too (10 minutes by default: only on request)."""
    lines = ["## Against bare baselines (issue 15)", "", "```"]
    scripts = [["startup.py"], ["documents_helper.py"], ["digcomp.py", "--ratio"]]
    scripts += [["matcher_scale.py"]]
    if memory_run is not None:
        scripts.append(["memory_run.py", *memory_run])
    for script, *args in scripts:
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench" / script), *args],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        shown = " ".join([script, *(a for a in args if "://" not in a)])
        lines += [f"$ python bench/{shown}", *result.stdout.rstrip("\n").split("\n"), ""]
    return [*lines[:-1], "```"]


def main() -> int:
    options = argparse.ArgumentParser(description="make bench: writes docs/BENCHMARKS.md")
    options.add_argument(
        "--memory-run",
        metavar="DATABASE_URL",
        help="also run bench/memory_run.py (10 minutes) against this PostgreSQL database",
    )
    options.add_argument("--memory-minutes", type=float, default=10.0)
    args = options.parse_args()
    memory_run = None
    if args.memory_run:
        memory_run = ["--database", args.memory_run, "--minutes", str(args.memory_minutes)]
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
    lines += ["", *webhook_workers()]
    lines += ["", *update_cpu()]
    lines += ["", *issue15_ratios(memory_run)]
    report = "\n".join(lines) + "\n"
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "BENCHMARKS.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
