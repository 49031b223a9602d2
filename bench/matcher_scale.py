"""The matcher's build and per-question CPU time on the shipped knowledge base and a synthetic
one of 10,000 entries (bench/run.py's ``scaled_knowledge``), with the memory the index takes.
Baseline: a BM25-style inverted index over the same phrasings (bench/baseline_index.py).
Usage: ``python bench/matcher_scale.py [entries]``."""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.baseline_index import build_index  # noqa: E402
from bench.run import percentile, scaled_knowledge  # noqa: E402
from flows.registry import default_registry  # noqa: E402
from knowledge.evaluation import load_eval_set  # noqa: E402
from knowledge.loader import KnowledgeBase, load_knowledge  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402


def _phrasings(knowledge: KnowledgeBase) -> list[str]:
    return [q for e in knowledge.entries for lang in ("lv", "en") for q in e.questions[lang]]


def build_figures(knowledge: KnowledgeBase) -> tuple[Matcher, float, float, float]:
    """The matcher, its build CPU (s), the baseline index's build CPU (s), and the index's
    memory (MiB, traced allocations kept after the build)."""
    start = time.process_time()
    build_index(_phrasings(knowledge))
    baseline = time.process_time() - start
    gc.collect()
    start = time.process_time()
    matcher = Matcher(knowledge)
    build = time.process_time() - start
    del matcher
    gc.collect()
    tracemalloc.start()
    matcher = Matcher(knowledge)
    memory = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    gc.freeze()  # as knowledge.index_cache.load_index does with the index it loads
    return matcher, build, baseline, memory


def question_cpu_ms(matcher: Matcher, questions: list[str], repeats: int = 3) -> list[float]:
    timings = []
    for _ in range(repeats):
        for question in questions:
            start = time.process_time()
            matcher.match(question)
            timings.append((time.process_time() - start) * 1000)
    return timings


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    questions = [item.question for item in load_eval_set()]
    shipped = load_knowledge(default_registry().ids())
    start = time.process_time()
    Matcher(shipped)  # words learnt (stems, synonyms), as in any process that has built once
    cold = time.process_time() - start
    print(
        f"shipped, first build in the process (nothing learnt yet): {cold * 1000:.0f} ms CPU "
        f"({cold * 1000 / len(shipped):.2f} ms/entry)"
    )
    for name, knowledge, asked in (
        ("shipped", shipped, questions),
        (f"synthetic {size}", scaled_knowledge(shipped, size), questions[::3]),
    ):
        matcher, build, baseline, memory = build_figures(knowledge)
        timings = question_cpu_ms(matcher, asked)
        entries = len(knowledge)
        print(
            f"{name}: {entries} entries, build {build * 1000:.0f} ms CPU "
            f"({build * 1000 / entries:.2f} ms/entry; inverted-index baseline "
            f"{baseline * 1000:.0f} ms), index {memory:.1f} MiB ({memory * 1024 / entries:.1f} "
            f"KiB/entry), question CPU median {statistics.median(timings):.2f} ms, "
            f"p99 {percentile(timings, 0.99):.2f} ms"
        )


if __name__ == "__main__":
    main()
