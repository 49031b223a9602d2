"""Teams working one shared risk register through real webhook workers (issue 17's load test).

Each team: a coordinator creates a project from ``/risks``, closes the checklist with "the rest
are fine", and makes a member invite limited to 5 people; three partners join by ``/start
<token>``. Then every person of every team, all at once, changes the same items of their
team's register ("Change one item") with an answer of their own. ``check_teams`` then asserts
that nothing was lost or doubled, that each person's replies came in order, and that each
project's newest register holds, for each changed item, one of the answers its team gave.
Used by tests/system/test_team_load.py and ``bench/webhook.py --teams``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, create_engine, text

from tests.support.fake_bot_api import ApiCall, FakeBotApi
from tests.support.webhook_cluster import SimulatedUser, TelegramSender, buttons_of, has_text

TEAM_SIZE = 4  # a coordinator and three partners
ITEMS = ("pre-goals", "pre-involve")  # the items everyone on a team changes, in this order
TOKEN = re.compile(r"\?start=([A-Za-z0-9_-]{22,64})")
CHANGED = "✏️ Mainīts projektā"


def answer_of(person: int, item: int) -> tuple[str, str, str]:
    """The (status, likelihood, impact) ``person`` (0–3 in the team) gives for item ``item``:
    different for each person, so the final register shows whose answer it holds."""
    return ("no" if item % 2 == 0 else "partly", str(person + 2), str(3 + item % 2))


class Member(SimulatedUser):
    """One person on a team, waiting for each reply like a person does; ``steps``: seconds
    from each input to the reply it waited for (handling, the outbox and Telegram's pace)."""

    def __init__(self, user_id: int, sender: TelegramSender, fake: FakeBotApi) -> None:
        super().__init__(user_id, sender, fake)
        self.steps: list[float] = []

    def _timed(self, act: Callable[[], ApiCall]) -> ApiCall:
        started = time.monotonic()
        call = act()
        self.steps.append(call.at - started)
        return call

    def say(self, line: str, expect: Callable[[ApiCall], bool]) -> ApiCall:
        return self._timed(lambda: SimulatedUser.say(self, line, expect))

    def press(self, call: ApiCall, ending: str, expect: Callable[[ApiCall], bool]) -> ApiCall:
        """Press the button of ``call`` whose data ends with ``ending``."""
        data = next(d for d in buttons_of(call) if d.endswith(ending))
        return self._timed(lambda: SimulatedUser.tap(self, call, data, expect))


def with_button(ending: str) -> Callable[[ApiCall], bool]:
    return lambda call: any(d.endswith(ending) for d in buttons_of(call))


def set_up_team(coordinator: Member, team: int) -> str:
    """The coordinator's project and first register; returns a member invite's token."""
    coordinator.say("/risks", has_text("Kā sauc projektu"))  # straight to work, in Latvian
    step = coordinator.say(f"Komanda {team}", with_button(":ka2"))
    step = coordinator.press(step, ":ka2", with_button(":coordinator"))
    coordinator.press(step, ":coordinator", has_text("Kad projekts sākas?"))
    coordinator.say("01.09.2025", has_text("Kad projekts beidzas?"))
    step = coordinator.say("31.08.2027", has_text("1/28"))
    done = has_text("📋 Riska reģistrs")
    while not done(step):  # "the rest of the group are fine", a group at a time
        step = coordinator.press(step, ":rest", lambda c: with_button(":rest")(c) or done(c))
    listing = coordinator.say("/projects", with_button("menu:project"))
    project = next(d for d in buttons_of(listing) if d.startswith("proj:")).split(":")[1]
    card = coordinator.press(listing, f"proj:{project}", with_button(f"tm:show:{project}"))
    page = coordinator.press(card, f"tm:show:{project}", with_button(f"tm:invm:{project}"))
    options = coordinator.press(page, f"tm:invm:{project}", with_button(f"tm:newm5d14:{project}"))
    link = coordinator.press(options, f"tm:newm5d14:{project}", has_text("?start="))
    match = TOKEN.search(link.text or "")
    assert match, link.text
    return match[1]


def join(member: Member, token: str) -> None:
    offer = member.say(f"/start {token}", with_button(f"tm:join:{token}"))
    member.press(offer, f"tm:join:{token}", has_text("komandā"))


def change_items(member: Member, person: int, items: int) -> None:
    """``items`` of ``ITEMS`` changed one after another, each with this person's answer."""
    for index in range(items):
        status, likelihood, impact = answer_of(person, index)
        landing = member.say("/risks", with_button("go:risks:edit"))
        step = member.press(landing, "go:risks:edit", with_button(":prerequisites"))
        step = member.press(step, ":prerequisites", with_button(f":{ITEMS[index]}"))
        step = member.press(step, f":{ITEMS[index]}", with_button(f":{status}"))
        step = member.press(step, f":{status}", with_button(f":{likelihood}{impact}"))
        step = member.press(step, f":{likelihood}{impact}", with_button(":ok"))
        member.press(step, ":ok", has_text(CHANGED))


@dataclass
class TeamLoad:
    """The figures of one run."""

    teams: int
    items: int
    first_user: int
    members: list[list[Member]] = field(default_factory=list)
    setup_seconds: float = 0.0
    work_seconds: float = 0.0

    def user(self, team: int, person: int) -> int:
        return self.first_user + team * 10 + person


def run_teams(
    sender: TelegramSender, fake: FakeBotApi, teams: int, items: int = 1, first_user: int = 7000
) -> TeamLoad:
    """Set every team up (in parallel), then let all of them work their registers at once."""
    if not 1 <= items <= len(ITEMS):
        raise ValueError(f"each person changes 1 to {len(ITEMS)} items")
    load = TeamLoad(teams, items, first_user)
    load.members = [
        [Member(load.user(t, p), sender, fake) for p in range(TEAM_SIZE)] for t in range(teams)
    ]
    start_together = threading.Barrier(teams * TEAM_SIZE)

    def team_life(team: int) -> None:
        people = load.members[team]
        token = set_up_team(people[0], team)
        with ThreadPoolExecutor(max_workers=TEAM_SIZE - 1) as pool:
            for future in [pool.submit(join, m, token) for m in people[1:]]:
                future.result()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=teams) as pool:
        for future in [pool.submit(team_life, t) for t in range(teams)]:
            future.result()
    load.setup_seconds = time.monotonic() - started

    def work(team: int, person: int) -> float:
        start_together.wait(timeout=60)
        began = time.monotonic()
        change_items(load.members[team][person], person, items)
        return time.monotonic() - began

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=teams * TEAM_SIZE) as pool:
        futures = [pool.submit(work, t, p) for t in range(teams) for p in range(TEAM_SIZE)]
        for future in futures:
            future.result()
    load.work_seconds = time.monotonic() - started
    for team in load.members:
        for member in team:
            member.client.close()
    return load


# What a person sees of one change, in this order, each once.
CHANGE_STEPS = (
    "Kuru punktu mainīt?",
    "Izvēlieties punktu",
    "Kā ir Jūsu projektā?",
    "Izvēlieties vienu pogu",
    "Tipisks risinājums",
    CHANGED,
)


def _outbox_drains(db: Connection, within: float = 120.0) -> bool:
    """Whether the outbox empties: rows sent in full are deleted by the sender's next look (at
    most a second apart when idle), so a row may outlive its delivery briefly."""
    deadline = time.monotonic() + within
    while db.execute(text("SELECT count(*) FROM outbox")).scalar_one() != 0:
        db.rollback()  # a fresh snapshot for the next look
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def check_teams(
    url: str, sender: TelegramSender, fake: FakeBotApi, load: TeamLoad
) -> dict[str, int]:
    """Assert that nothing was lost or doubled, that each person's replies came in order, and
    that each project's newest register holds one of its team's answers for each item."""
    engine = create_engine(url)
    with engine.connect() as db:
        marks = {row[0] for row in db.execute(text("SELECT update_id FROM processed_updates"))}
        assert marks == sender.accepted, "an update lost or handled twice"
        assert _outbox_drains(db), "replies left unsent"
        for team in range(load.teams):
            _check_team(db, load, team)
    engine.dispose()
    messages = 0
    for team in load.members:
        for member in team:
            texts = fake.messages_for(member.user_id)
            messages += len(texts)
            seen = [
                marker
                for t in texts
                for marker in CHANGE_STEPS
                if marker in t and (marker != "Kā ir Jūsu projektā?" or "· 1/1" in t)
            ]
            assert seen == list(CHANGE_STEPS) * load.items, f"{member.user_id}: {seen}"
    return {"updates": len(sender.accepted), "messages": messages}


def _check_team(db: Connection, load: TeamLoad, team: int) -> None:
    users = [load.user(team, p) for p in range(TEAM_SIZE)]
    project_id, members = db.execute(
        text(
            "SELECT p.id, count(m.id) FROM projects p JOIN project_members m "
            "ON m.project_id = p.id WHERE p.user_id = :u GROUP BY p.id"
        ),
        {"u": users[0]},
    ).one()
    assert members == TEAM_SIZE, f"team {team}: {members} on the team"
    uses = db.execute(
        text("SELECT uses FROM invites WHERE target_id = :p"), {"p": project_id}
    ).scalar_one()
    assert uses == TEAM_SIZE - 1, f"team {team}: the invite counted {uses} uses"
    results = db.execute(
        text(
            "SELECT user_id, data FROM flow_results WHERE project_id = :p AND flow = 'risks' "
            "ORDER BY created_at, id"
        ),
        {"p": project_id},
    ).all()
    # The coordinator's first register, then one register per change: none lost, none twice.
    per_user = {u: sum(1 for r in results if r.user_id == u) for u in users}
    expected = {u: load.items + (1 if u == users[0] else 0) for u in users}
    assert per_user == expected, f"team {team}: registers {per_user}"
    final = results[-1].data["answers"]
    for index, item in enumerate(ITEMS[: load.items]):
        given = {answer_of(p, index) for p in range(TEAM_SIZE)}
        held = (final.get(f"s:{item}"), final.get(f"l:{item}"), final.get(f"i:{item}"))
        assert held in given, f"team {team}: {item} holds {held}, not one of {given}"
    unfinished = db.execute(
        text(
            "SELECT count(*) FROM dialogue_states WHERE user_id IN :u AND flow IS NOT NULL"
        ).bindparams(bindparam("u", expanding=True)),
        {"u": users},
    ).scalar_one()
    assert unfinished == 0, f"team {team}: a run left unfinished"
