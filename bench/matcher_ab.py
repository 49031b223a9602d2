"""Question CPU of two versions of the matcher's code on one index, in one process: the index
is built by this tree, and each question is asked with this tree's ``Matcher`` class and with
another tree's (its ``knowledge/matcher.py`` loaded under another name and swapped onto the
same object), alternating A B / B A, so load on a shared machine weighs on both alike. Valid
while both classes read the same index columns (bench/matcher_compare.py checks them).

Usage: ``python bench/matcher_ab.py OTHER_TREE [entries]`` (entries: 204 for the shipped base,
else a synthetic one of that size from bench/run.py's ``scaled_knowledge``; every third eval
question, three times).
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import percentile, scaled_knowledge  # noqa: E402
from flows.registry import default_registry  # noqa: E402
from knowledge.evaluation import load_eval_set  # noqa: E402
from knowledge.loader import load_knowledge  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402


def other_matcher(tree: Path) -> type:
    spec = importlib.util.spec_from_file_location(
        "other_matcher", tree / "knowledge" / "matcher.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["other_matcher"] = module
    spec.loader.exec_module(module)
    return module.Matcher  # type: ignore[no-any-return]


def main() -> None:
    other = other_matcher(Path(sys.argv[1]))
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    shipped = load_knowledge(default_registry().ids())
    knowledge = shipped if size <= len(shipped) else scaled_knowledge(shipped, size)
    matcher = Matcher(knowledge)
    gc.freeze()
    questions = [item.question for item in load_eval_set()]
    if size > len(shipped):
        questions = questions[::3]
    timings: dict[type, list[float]] = {other: [], Matcher: []}
    for round_ in range(3):
        order = (other, Matcher) if round_ % 2 == 0 else (Matcher, other)
        for question in questions:
            for cls in order:
                matcher.__class__ = cls
                start = time.process_time()
                matcher.match(question)
                timings[cls].append((time.process_time() - start) * 1000)
    for name, cls in (("other tree", other), ("this tree", Matcher)):
        found = timings[cls]
        print(
            f"{len(knowledge)} entries, {name}: question CPU median "
            f"{statistics.median(found):.2f} ms, p99 {percentile(found, 0.99):.2f} ms"
        )


if __name__ == "__main__":
    main()
