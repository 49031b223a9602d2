"""The matcher's build CPU of two trees, alternating A B A B in fresh processes, so that load
on a shared machine weighs on both alike.

Each run (the tree's own interpreter and code) builds the index once to learn the words, as
any process that has built once has, and then times ``builds`` more builds of the shipped
knowledge base (``entries`` 204) or of a synthetic one of that size (bench/run.py's
``scaled_knowledge``), with the garbage collector as the build leaves it.

Usage: ``python bench/matcher_build_ab.py TREE_A TREE_B [entries] [rounds] [builds]``; prints
each tree's builds in ms CPU per entry, their median and minimum.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

RUN = """
import gc, json, sys, time
sys.path.insert(0, ".")
from bench.run import scaled_knowledge
from flows.registry import default_registry
from knowledge.loader import load_knowledge
from knowledge.matcher import Matcher
size, builds = int(sys.argv[1]), int(sys.argv[2])
shipped = load_knowledge(default_registry().ids())
Matcher(shipped)
knowledge = shipped if size <= len(shipped) else scaled_knowledge(shipped, size)
found = []
for _ in range(builds):
    gc.collect()
    start = time.process_time()
    Matcher(knowledge)
    found.append((time.process_time() - start) * 1000 / len(knowledge))
print(json.dumps(found))
"""


def run(tree: Path, size: int, builds: int) -> list[float]:
    python = tree / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", RUN, str(size), str(builds)],
        cwd=tree, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    trees = [Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()]
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 204
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    builds = int(sys.argv[5]) if len(sys.argv) > 5 else (5 if size <= 1000 else 1)
    found: dict[Path, list[float]] = {tree: [] for tree in trees}
    for round_ in range(rounds):
        for tree in trees if round_ % 2 == 0 else trees[::-1]:
            found[tree] += run(tree, size, builds)
    for tree, values in found.items():
        print(
            f"{tree}: {size} entries, build ms CPU/entry median {statistics.median(values):.3f}, "
            f"min {min(values):.3f} ({', '.join(f'{v:.3f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
