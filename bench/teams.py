"""Shared projects under load: 10 teams of 4 (a coordinator and three members) change the same
register at once through two dialogue cores (two workers) on one database. In each team two
members change the same item differently and two change items of their own; all 40 last answers
are sent at the same moment. Checked: every team has exactly one result more per person
(nothing lost or doubled), every item only one person changed is in the final register, the
item two changed holds one of their two answers, and exactly one of those two was told.
``python bench/teams.py [DATABASE_URL]`` (default: a new SQLite file) prints the figures."""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import build_dialogue  # noqa: E402
from bot.dialogue.core import Dialogue  # noqa: E402
from bot.dialogue.messages import Input, Reply  # noqa: E402
from storage.history import ProjectHistory, answers_of  # noqa: E402
from storage.models import FlowResult, Project  # noqa: E402

TEAMS = 10
SAME = "pre-goals"  # the item two members of each team change differently
OWN = ("pre-roles", "pre-comms")  # an item each for the coordinator and the third member
TOLD = "While you were answering"


class Person:
    def __init__(self, core: Dialogue, user: int) -> None:
        self.core, self.user = core, user
        self.last: list[Reply] = []

    def send(self, kind: str, payload: str) -> None:
        self.last = self.core.handle(
            Input(self.user, self.user, kind, payload, "en", first_name=f"P{self.user}")  # type: ignore[arg-type]
        )

    def data(self, ending: str) -> str:
        for reply in self.last:
            for row in reply.buttons:
                for button in row:
                    if button.data and button.data.endswith(ending):
                        return button.data
        raise AssertionError(f"no button ending {ending!r}: {self.last}")

    def press(self, ending: str) -> None:
        self.send("button", self.data(ending))


def _team(core: Dialogue, team: int) -> tuple[list[Person], int]:
    """A coordinator with a finished register and three members; the project's id."""
    base = 10_000 + 10 * team
    coordinator = Person(core, base)
    coordinator.send("command", "/start")
    coordinator.press(":en")
    coordinator.send("command", "/risks")
    coordinator.send("text", f"Team {team}")
    coordinator.press(":ka2")
    coordinator.press(":coordinator")
    coordinator.send("text", "01.09.2025")
    coordinator.send("text", "31.08.2027")
    while any(
        b.data and b.data.endswith(":rest")
        for r in coordinator.last
        for row in r.buttons
        for b in row
    ):
        coordinator.press(":rest")
    with core.db.transaction() as session:
        project_id = session.query(Project.id).filter_by(user_id=base).scalar()
    people = [coordinator]
    for number in (1, 2, 3):
        coordinator.send("command", "/projects")
        coordinator.press(f":{project_id}")
        coordinator.press(f"tm:show:{project_id}")
        coordinator.press(f"tm:invm:{project_id}")
        token = next(r.text for r in coordinator.last if "?start=" in r.text).split("?start=")[1]
        member = Person(core, base + number)
        member.send("command", "/start")
        member.press(":en")
        member.send("command", f"/start {token.split()[0]}")
        member.press(f":{token.split()[0]}")
        people.append(member)
    return people, project_id


def _to_last_answer(person: Person, item: str, status: str, rating: str) -> None:
    person.send("command", "/risks")
    person.send("button", "go:risks:edit")
    person.press(":prerequisites")
    person.press(f":{item}")
    person.press(f":{status}")
    person.press(f":{rating}")


def run(url: str) -> list[str]:
    workers = [build_dialogue(url), build_dialogue(url)]
    teams = [_team(workers[0], team) for team in range(TEAMS)]
    finals: list[tuple[Person, str]] = []
    plans: dict[int, dict[int, tuple[str, str, str]]] = {}
    for people, project_id in teams:
        coordinator, first, second, third = people
        plans[project_id] = {
            first.user: (SAME, "partly", "22"),
            second.user: (SAME, "no", "55"),
            coordinator.user: (OWN[0], "no", "33"),
            third.user: (OWN[1], "partly", "44"),
        }
        for index, person in enumerate(people):
            item, status, rating = plans[project_id][person.user]
            _to_last_answer(person, item, status, rating)
            worker = Person(workers[index % 2], person.user)  # half of them on the other worker
            finals.append((worker, person.data(":ok")))
    barrier = threading.Barrier(len(finals))
    seconds: dict[int, float] = {}

    def finish(pair: tuple[Person, str]) -> None:
        person, data = pair
        barrier.wait()
        began = time.perf_counter()
        person.send("button", data)
        seconds[person.user] = time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(len(finals)) as pool:
        list(pool.map(finish, finals))
    wall = time.perf_counter() - began
    told = {p.user for p, _ in finals if any(TOLD in r.text for r in p.last)}
    problems = []
    with workers[0].db.transaction() as session:
        for people, project_id in teams:
            results = session.query(FlowResult).filter_by(project_id=project_id).count()
            if results != 1 + len(people):
                problems.append(f"project {project_id}: {results} results")
            kept = answers_of(ProjectHistory(session).latest(project_id, "risks"))
            plan = plans[project_id]
            for item, status, _rating in plan.values():
                if item != SAME and kept.get(f"s:{item}") != status:
                    problems.append(f"project {project_id}: {item} lost")
            clash = [u for u, (item, _s, _r) in plan.items() if item == SAME]
            if kept.get(f"s:{SAME}") not in {plan[u][1] for u in clash}:
                problems.append(f"project {project_id}: {SAME} is neither answer")
            if len(told & set(clash)) != 1 or told & (set(plan) - set(clash)):
                problems.append(f"project {project_id}: told {sorted(told & set(plan))}")
    for worker in workers:
        worker.db.dispose()
    times = sorted(seconds.values())
    return [
        f"teams: {TEAMS} × 4, {len(finals)} last answers at once on two workers "
        f"({url.split(':')[0]})",
        f"wall time {wall:.2f} s; per answer median {statistics.median(times) * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms",
        f"told of a clash: {len(told)} (expected {TEAMS})",
        "problems: " + ("; ".join(problems) if problems else "none"),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print("\n".join(run(sys.argv[1])))
    else:
        with tempfile.TemporaryDirectory() as folder:
            print("\n".join(run(f"sqlite:///{folder}/teams.db")))
