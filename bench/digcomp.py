"""DigComp result rendering: the time from the last answer to the chat result, chart and PDF."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows import engine  # noqa: E402
from flows.digcomp.flow import DigCompFlow  # noqa: E402
from flows.digcomp.report import Previous, Report  # noqa: E402
from flows.digcomp.scoring import score  # noqa: E402
from flows.engine import Record, Start  # noqa: E402

RUNS = 15
COLD_RUNS = 3
COLD_SCRIPT = """
import time, sys
sys.path.insert(0, {root!r})
from flows import engine
from flows.digcomp.flow import DigCompFlow
flow = DigCompFlow()
state = engine.start(flow, flow.begin("quick", None))
while state.step and state.step != "q:5.4":
    state, _ = engine.advance(flow, state, engine.Choose("2"), "lv")
start = time.perf_counter()
engine.advance(flow, state, engine.Choose("2"), "lv")
print(time.perf_counter() - start)
"""


def _before_last_answer(
    flow: DigCompFlow, begin: Start | None, rng: random.Random
) -> tuple[engine.FlowState, str]:
    """A run answered at random up to its last question, and the answer that finishes it."""
    state = engine.start(flow, begin)
    while True:
        rating = rng.choice("0123")
        next_state, output = engine.advance(flow, state, engine.Choose(rating), "lv")
        if output.completion is not None:
            return state, rating
        state = next_state


def median_ms(func: Callable[[], object], runs: int = RUNS) -> float:
    """The median wall time of ``runs`` calls, in milliseconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _fresh_process_ms() -> float:
    script = COLD_SCRIPT.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return float(done.stdout) * 1000


def against_baseline(runs: int = RUNS) -> tuple[float, float]:
    """Median CPU milliseconds of a warm quick result (texts, chart, PDF: the last answer's
    step) and of bench/baseline_digcomp.py's bare Pillow + fpdf2 result, alternating A B A B
    in this one process."""
    from bench import baseline_digcomp

    rng = random.Random(5)
    flow = DigCompFlow()
    before = [_before_last_answer(flow, flow.begin("quick", None), rng) for _ in range(runs + 1)]

    def ours(i: int) -> None:
        state, rating = before[i]
        _, output = engine.advance(flow, state, engine.Choose(rating), "lv")
        assert output.completion is not None
        for file in output.completion.files:
            assert file.data

    ours(runs)  # warm-up: imports and fonts
    baseline_digcomp.result()
    mine, bare = [], []
    for i in range(runs):
        start = time.process_time()
        ours(i)
        mine.append((time.process_time() - start) * 1000)
        start = time.process_time()
        baseline_digcomp.result()
        bare.append((time.process_time() - start) * 1000)
    return statistics.median(mine), statistics.median(bare)


def run() -> list[str]:
    rng = random.Random(11)
    flow = DigCompFlow()
    last = Record(
        {"mode": "quick", "levels": {c.code: rng.randint(1, 5) for c in flow.competences}},
        datetime(2026, 9, 1, tzinfo=UTC),
    )
    runs = {
        "quick": _before_last_answer(flow, flow.begin("quick", None), rng),
        "retake": _before_last_answer(flow, flow.begin("quick", last), rng),
        "full": _before_last_answer(flow, flow.begin("full", None), rng),
    }

    def finish(name: str) -> None:
        state, rating = runs[name]
        _, output = engine.advance(flow, state, engine.Choose(rating), "lv")
        assert output.completion is not None and output.completion.files
        for file in output.completion.files:  # the step names the files; building them counts
            assert file.data

    finish("quick")  # warm-up: imports Pillow and fpdf2, loads the fonts
    profile = score("quick", runs["quick"][0].answers, flow.competences)
    report = Report(
        flow.texts, flow.competences, profile, mode="quick", when=datetime.now().date(), lang="lv",
        previous=Previous(when=last.created_at.date(), areas=dict(profile.areas)),
    )  # fmt: skip
    figures = {
        "quick result (texts + chart + PDF)": median_ms(lambda: finish("quick")),
        "retake result, with the change chart": median_ms(lambda: finish("retake")),
        "thorough result": median_ms(lambda: finish("full")),
        "chart alone (PNG)": median_ms(lambda: report.chart_file().data),
        "PDF alone (incl. its chart)": median_ms(lambda: report.pdf_file().data),
    }
    cold = [_fresh_process_ms() for _ in range(COLD_RUNS)]
    lines = [
        "## DigComp result rendering",
        "",
        f"Time from the last answer to the finished result (profile texts, chart PNG, one-page "
        f"PDF), median of {RUNS} runs in a warm process:",
        "",
        "| what | median |",
        "|---|---|",
        *(f"| {name} | {value:.0f} ms |" for name, value in figures.items()),
        f"| first result in a fresh process (imports Pillow and fpdf2), median of "
        f"{COLD_RUNS} | {statistics.median(cold):.0f} ms |",
        "",
        "Target (issue 4): ≤ 1 s to render the result. The bot loads Pillow and fpdf2 in a "
        "background thread at start (`Flow.warm_up`), so a user normally gets the warm figure. "
        "Webhook workers build the PDF in a short-lived child process instead (to stay small); "
        "their end-to-end figure is in the webhook section.",
    ]
    return lines


if __name__ == "__main__":
    if sys.argv[1:] == ["--ratio"]:
        result_ms, bare_ms = against_baseline()
        print(
            f"DigComp quick result (texts, chart, PDF) warm: {result_ms:.0f} ms CPU; bare Pillow + "
            f"fpdf2 (bench/baseline_digcomp.py) {bare_ms:.0f} ms CPU: {result_ms / bare_ms:.2f}×"
        )
    else:
        print("\n".join(run()))
