"""A teacher's group report: the time from pressing "📊 Report" to the replies with the chart
and the XLSX, for a group of 30 learners with two closed rounds (so the change is included),
through the dialogue core on a SQLite file. ``python bench/groups.py`` prints the figures."""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import build_dialogue  # noqa: E402
from bot.dialogue.messages import Input  # noqa: E402
from flows.digcomp.content import default_competences  # noqa: E402
from storage.groups import GroupRepository  # noqa: E402
from storage.models import FlowResult, User, utcnow  # noqa: E402

LEARNERS = 30
RUNS = 15
TEACHER = 1


def _setup(url: str) -> tuple[object, int]:
    """A group of ``LEARNERS`` with a closed "before" and "after" round; the "after" round id."""
    core = build_dialogue(url)
    codes = [c.code for c in default_competences()]
    rng = random.Random(30)
    start = utcnow() - timedelta(days=30)
    with core.db.transaction() as session:
        session.add_all([User(id=n, language="lv") for n in range(1, LEARNERS + 2)])
        session.flush()
        repo = GroupRepository(session)
        group = repo.create(TEACHER, "3.B mehatroniķi", teacher_name="Ilze")
        for learner in range(2, LEARNERS + 2):
            repo.join(group.id, learner)
        session.flush()
        for member in repo.member_ids(group.id):
            member_row = repo.membership(group.id, member)
            assert member_row is not None
            member_row.joined_at = start
        last = None
        for number, name in enumerate(("before", "after")):
            opened = start + timedelta(days=10 * number + 1)
            found = repo.start_round(group.id, name, now=opened)
            for learner in range(2, LEARNERS + 2):
                levels = {code: min(8, rng.randint(1, 5) + number) for code in codes}
                session.add(
                    FlowResult(
                        user_id=learner,
                        flow="digcomp",
                        data={"version": 1, "mode": "quick", "levels": levels},
                        created_at=opened + timedelta(hours=1),
                    )
                )
            session.flush()
            repo.close_round(found, now=opened + timedelta(days=2))
            last = found.id
    assert last is not None
    return core, last


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        core, round_id = _setup(f"sqlite:///{Path(folder) / 'bench.db'}")
        inp = Input(TEACHER, TEACHER, "button", f"grp:rep:{round_id}", "lv")
        timings = []
        for _ in range(RUNS + 1):
            begin = time.perf_counter()
            replies = core.handle(inp)  # type: ignore[attr-defined]
            timings.append((time.perf_counter() - begin) * 1000)
        files = [f.filename for r in replies for f in r.files]
        assert any(f.endswith(".png") for f in files) and any(f.endswith(".xlsx") for f in files)
        assert any("Izmaiņas kopš" in r.text for r in replies)
        core.db.dispose()  # type: ignore[attr-defined]
    warm = timings[1:]
    return {
        "first_ms": timings[0],
        "warm_median_ms": statistics.median(warm),
        "warm_max_ms": max(warm),
    }


def run() -> list[str]:
    """The section of docs/BENCHMARKS.md (``make bench``)."""
    figures = measure()
    return [
        "## A teacher's group report",
        "",
        f"The report of a closed round for a group of {LEARNERS} learners with two rounds (the "
        "change included), chart and XLSX built, through the dialogue core on SQLite, "
        f"{RUNS} warm runs: median {figures['warm_median_ms']:.0f} ms "
        f"(max {figures['warm_max_ms']:.0f} ms; the first, cold, {figures['first_ms']:.0f} ms). "
        "Target (issue 18): under 1 s warm.",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
