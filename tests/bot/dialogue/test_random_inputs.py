"""A seeded random walk of two users through every command, flow and button, with bad input mixed
in: nothing raises, every reply fits Telegram's limits, and every saved result stays with the
user whose project it is."""

from __future__ import annotations

import random

from sqlalchemy import select

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Input
from storage.models import FlowResult, Project

TEXTS = [
    "",
    "🙂🙂",
    "x" * 2500,
    "15.01.2027",
    "31.02.2027",
    "GreenVET",
    "kas ir KA2?",
    "1",
    "drīz",
    "Anna",
    "12.12.2030",
    "mūsu skola",
]
COMMANDS = [
    "/start",
    "/menu",
    "/cancel",
    "/projects",
    "/digcomp",
    "/digcomp full",
    "/risks",
    "/partners",
    "/sustainability",
    "/help",
    "/language",
    "/nonsense",
]
FORGED = [
    "go:risks:edit",
    "go:digcomp:pdf",
    "proj:1",
    "proj:abc",
    "f:1:<",
    "f:99:x",
    "menu:project",
    "restart:risks",
    "lang:xx",
    "fb:1:u",
    "none:999999",
]


def test_random_walk_never_fails_and_results_stay_with_their_user(dialogue: Dialogue) -> None:
    rng = random.Random(8)  # a walk that finishes some tools (the walk shifts when flows change)
    seen: dict[int, list[str]] = {1: [], 2: []}
    for _ in range(3000):
        user = rng.choice((1, 2))
        roll = rng.random()
        if roll < 0.5 and seen[user]:
            inp = Input(user, user, "button", rng.choice(seen[user]))
        elif roll < 0.6 and seen[3 - user]:  # the other user's button, as if forged
            inp = Input(user, user, "button", rng.choice(seen[3 - user]))
        elif roll < 0.7:
            inp = Input(user, user, "command", rng.choice(COMMANDS))
        elif roll < 0.78:
            inp = Input(user, user, "button", rng.choice(FORGED))
        elif roll < 0.82:
            inp = Input(user, user, "other", "sticker")
        else:
            inp = Input(user, user, "text", rng.choice(TEXTS))
        replies = dialogue.handle(inp)
        assert replies, inp
        for reply in replies:
            assert len(reply.text) <= 4096
            if reply.files:
                assert len(reply.text) <= 1024  # a caption
            for row in reply.buttons:
                for button in row:
                    assert button.data is None or len(button.data.encode()) <= 64
        buttons = [b.data for r in replies for row in r.buttons for b in row if b.data]
        if buttons:
            seen[user] = buttons
    with dialogue.db.transaction() as session:
        owners = session.execute(
            select(FlowResult.user_id, Project.user_id).join(
                Project, FlowResult.project_id == Project.id
            )
        ).all()
        assert all(result_user == project_user for result_user, project_user in owners)
        kinds = set(session.scalars(select(FlowResult.flow)))
    assert kinds & {"risks", "partners", "sustainability", "digcomp"}  # the walk got somewhere
