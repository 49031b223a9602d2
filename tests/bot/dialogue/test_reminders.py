"""Reminder delivery: the Telegram loop sends each due reminder once, in the user's language."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.dialogue.core import Dialogue
from bot.dialogue.reminders import DueReminder, deliver_forever
from storage.repositories import ReminderRepository, UserRepository


def test_the_loop_sends_due_reminders_once_in_the_users_language(dialogue: Dialogue) -> None:
    with dialogue.db.transaction() as session:
        UserRepository(session).touch(1).language = "en"
        UserRepository(session).touch(2).language = "lv"
        past = datetime.now(UTC) - timedelta(minutes=1)
        future = datetime.now(UTC) + timedelta(days=1)
        reminders = ReminderRepository(session)
        reminders.replace(1, "risks", None, [("a", past, {"lv": "pārskatiet", "en": "review"})])
        reminders.replace(
            2,
            "risks",
            None,
            [
                ("b", past, {"lv": "pārskatiet", "en": "review"}),
                ("c", future, {"lv": "vēlāk", "en": "later"}),
            ],
        )
    sent: list[DueReminder] = []

    async def send(reminder: DueReminder) -> None:
        sent.append(reminder)

    rounds = 0

    def count_round() -> None:  # the loop's tidy-up: once a round, after its sending
        nonlocal rounds
        rounds += 1

    async def run_until_sent_and_ten_rounds_more() -> None:
        """Rounds, not a fixed time: a loaded machine may not get through one in 0.3 s."""
        task = asyncio.create_task(
            deliver_forever(dialogue.reminders, send, every=0.01, tidy=count_round)
        )
        deadline = asyncio.get_running_loop().time() + 60
        sent_by: int | None = None
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
            if sent_by is None and len(sent) >= 2:
                sent_by = rounds
            if sent_by is not None and rounds >= sent_by + 10:  # time to send any twice
                break
        task.cancel()

    asyncio.run(run_until_sent_and_ten_rounds_more())
    assert sorted((r.user_id, r.text) for r in sent) == [
        (1, "⏰ Reminder: review"),
        (2, "⏰ Atgādinājums: pārskatiet"),
    ]


def test_reminders_due_the_same_day_come_as_one_message(dialogue: Dialogue) -> None:
    day = datetime(2027, 1, 15, 7, tzinfo=UTC)  # 9:00 in Riga
    with dialogue.db.transaction() as session:
        UserRepository(session).touch(1).language = "lv"
        text = {"lv": "pārskatiet risku „{}”", "en": "review the risk “{}”"}
        due = [(key, day, {k: v.format(key) for k, v in text.items()}) for key in "abc"]
        due.append(("d", day + timedelta(days=1), {"lv": "rīt", "en": "tomorrow"}))
        ReminderRepository(session).replace(1, "risks", None, due)
    [today] = dialogue.reminders.claim_due(day + timedelta(hours=1))
    assert today.text.startswith("⏰ Atgādinājumi šai dienai (3):")
    assert [line for line in today.text.split("\n") if line.startswith("• ")] == [
        "• pārskatiet risku „a”",
        "• pārskatiet risku „b”",
        "• pārskatiet risku „c”",
    ]
    [tomorrow] = dialogue.reminders.claim_due(day + timedelta(days=2))
    assert tomorrow.text == "⏰ Atgādinājums: rīt"
