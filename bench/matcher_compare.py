"""Every match result and a digest of the built index, to show that a change to the matcher
changes nothing it decides.

For the shipped knowledge base and a synthetic one (bench/run.py's ``scaled_knowledge``), it
records for every eval question (with its ``previous`` entry) the language, outcome,
candidates and scores, topic, ``also`` and ``followup``, and a SHA-256 of each of the index's
columns (read in a canonical form: dictionaries and sets sorted, floats by ``repr``).

With ``--extra N`` it also asks N more questions made from the synthetic base's own phrasings
(seeded, the same in every tree): phrasings as they are, with their first word left out (near
misses), with a letter swapped (typos), two joined by "un" (two-part questions) and with five
more words (long questions).

Usage, once in each tree (run it with that tree's interpreter; fix ``PYTHONHASHSEED`` so both
runs iterate sets alike) and then to compare::

    PYTHONHASHSEED=0 python bench/matcher_compare.py dump /tmp/a.json [--size 10000] [--tree DIR]
        [--extra 3000]
    python bench/matcher_compare.py diff /tmp/a.json /tmp/b.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The index's columns as main built them (read with getattr, so a column computed lazily
# behind a property of the same name is read too).
COLUMNS = (
    "_idf",
    "_unknown_weight",
    "_known",
    "_vocabulary",
    "_forms",
    "_form_vocabulary",
    "_phrasing_words",
    "_core_postings",
    "_phrasing_entry",
    "_phrasing_text",
    "_phrasing_tokens",
    "_phrasing_weight",
    "_phrasing_factor",
    "_postings",
    "_answer_postings",
    "_gives_time",
    "_names",
    "language",
)


def canonical(value: Any) -> Any:
    """``value`` as JSON-able data that is the same whenever the value is."""
    if isinstance(value, dict):
        return [[canonical(k), canonical(v)] for k, v in sorted(value.items())]
    if isinstance(value, (set, frozenset)):
        return sorted(canonical(v) for v in value)
    if isinstance(value, (list, tuple, array)):
        return [canonical(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (str, int)) or value is None:
        return value
    if hasattr(value, "__dict__"):
        return canonical(vars(value))
    raise TypeError(type(value))


def digest(matcher: Any) -> dict[str, str]:
    return {
        name: hashlib.sha256(
            json.dumps(canonical(getattr(matcher, name)), ensure_ascii=False).encode()
        ).hexdigest()
        for name in COLUMNS
    }


def results(matcher: Any, items: list[Any]) -> list[Any]:
    found = []
    for item in items:
        result = matcher.match(item.question, previous_entry=item.previous)
        found.append(
            [
                item.question,
                item.previous,
                result.language,
                result.outcome,
                [[c.entry_id, repr(c.score)] for c in result.candidates],
                result.topic,
                result.also,
                result.followup,
            ]
        )
    return found


@dataclass(frozen=True)
class Asked:
    question: str
    previous: str | None = None


def extra_questions(phrasings: list[str], count: int) -> list[Asked]:
    """``count`` questions made from ``phrasings`` (see the module's docstring)."""
    rng = random.Random(15)
    vocabulary = sorted({w for p in phrasings[:20_000] for w in p.split()})
    asked = []
    for i in range(count):
        phrasing = rng.choice(phrasings)
        words = phrasing.split()
        kind = i % 5
        if kind == 1 and len(words) > 1:
            phrasing = " ".join(words[1:])
        elif kind == 2:
            at = rng.randrange(max(1, len(phrasing) - 1))
            phrasing = phrasing[:at] + phrasing[at + 1 : at + 2] + phrasing[at] + phrasing[at + 2 :]
        elif kind == 3:
            phrasing = f"{phrasing} un {rng.choice(phrasings)}"
        elif kind == 4:
            phrasing = " ".join([phrasing, *(rng.choice(vocabulary) for _ in range(5))])
        asked.append(Asked(phrasing))
    return asked


def dump(path: Path, size: int, tree: Path, extra: int = 0) -> None:
    sys.path.insert(0, str(tree))
    from bench.run import scaled_knowledge
    from flows.registry import default_registry
    from knowledge.evaluation import load_eval_set
    from knowledge.loader import load_knowledge
    from knowledge.matcher import Matcher

    items = load_eval_set()
    shipped = load_knowledge(default_registry().ids())
    report = {}
    for name, knowledge in (("shipped", shipped), (f"synthetic {size}", None)):
        if knowledge is None:
            knowledge = scaled_knowledge(shipped, size)
        matcher = Matcher(knowledge)
        asked: list[Any] = list(items)
        if extra and knowledge is not shipped:
            phrasings = [
                q for e in knowledge.entries for lang in ("lv", "en") for q in e.questions[lang]
            ]
            asked += extra_questions(phrasings, extra)
        report[name] = {"index": digest(matcher), "results": results(matcher, asked)}
        print(f"{name}: {len(knowledge)} entries, {len(asked)} questions", file=sys.stderr)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=0))


def diff(a: Path, b: Path) -> int:
    left, right = json.loads(a.read_text()), json.loads(b.read_text())
    differences = 0
    for name in left.keys() | right.keys():
        if name not in left or name not in right:
            print(f"{name}: only in one file")
            differences += 1
            continue
        for column, value in left[name]["index"].items():
            if right[name]["index"].get(column) != value:
                print(f"{name}: index column {column} differs")
                differences += 1
        results_a, results_b = left[name]["results"], right[name]["results"]
        if len(results_a) != len(results_b):
            print(f"{name}: {len(results_a)} against {len(results_b)} results")
            differences += 1
        for x, y in zip(results_a, results_b, strict=False):
            if x != y:
                print(f"{name}: {x} != {y}")
                differences += 1
        print(f"{name}: {len(results_a)} results and {len(left[name]['index'])} columns compared")
    print("identical" if not differences else f"{differences} differences")
    return 1 if differences else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump")
    dumping.add_argument("output", type=Path)
    dumping.add_argument("--size", type=int, default=10_000)
    dumping.add_argument("--tree", type=Path, default=ROOT, help="the tree to measure")
    dumping.add_argument("--extra", type=int, default=0, help="more questions, made up")
    diffing = commands.add_parser("diff")
    diffing.add_argument("a", type=Path)
    diffing.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.output, args.size, args.tree, args.extra)
    else:
        sys.exit(diff(args.a, args.b))


if __name__ == "__main__":
    main()
