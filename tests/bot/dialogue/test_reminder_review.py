"""A day's reminders as one short message with review buttons (issue 13 item 6): grouped by
project and tool, at most 15 lines, in the user's language, each reminder claimed once; the
button opens the tool's review on that project and is checked when pressed."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogue.core import Dialogue
from bot.dialogue.reminders import MAX_LINES
from bot.telegram.outbox import reply_from_json
from bot.telegram.sender import queue_reminders
from flows.dates import local_today, reminder_time, show_date
from flows.risks.content import default_risk_content
from storage.delivery import OutboxRepository
from storage.repositories import ProjectRepository, ReminderRepository
from tests.bot.dialogue.group_helpers import Person
from tests.bot.dialogue.team_helpers import (
    coordinator_with_project,
    finish_checklist,
    invite,
    joins,
)
from tests.bot.helpers import buttons
from tests.conftest import build_test_dialogue

DAY = local_today() + timedelta(days=20)  # the review day every flagged risk gets
COORDINATOR = 100


def flag_three_risks(person: Person) -> None:
    """Three checklist items flagged, each to be reviewed on ``DAY``; the rest in place."""
    for _ in range(3):
        person.press("❌")
        person.press("3·3")
        person.press("📅")
        person.send("text", show_date(DAY))
        person.press("⏭")
    finish_checklist(person)
    assert "📋 Riska reģistrs — GreenVET" in person.text()


def second_project_with_plan_reminder(core: Dialogue, user: int) -> int:
    """Another project of ``user`` whose sustainability review is also due on ``DAY``."""
    with core.db.transaction() as session:
        project = ProjectRepository(session).add(
            user, name="Otrais", action="ka2", role="coordinator"
        )
        ProjectRepository(session).activate(user, project.id - 1)  # GreenVET stays active
        text = {"lv": "laiks pārskatīt plānu „Otrais”", "en": "time to review the plan"}
        ReminderRepository(session).replace(
            user, "sustainability", project.id, [("6", reminder_time(DAY), text)]
        )
        return project.id


def data_of(label_part: str, replies_buttons: list[tuple[str, str | None]]) -> str:
    return next(data for label, data in replies_buttons if label_part in label and data)


def test_a_days_reminders_come_once_as_one_short_message_with_review_buttons(
    database_url: str,
) -> None:
    core = build_test_dialogue(database_url)
    coordinator = coordinator_with_project(core, COORDINATOR)
    flag_three_risks(coordinator)
    other = second_project_with_plan_reminder(core, COORDINATOR)

    assert core.reminders.claim_due(reminder_time(DAY) - timedelta(hours=1)) == []
    [due] = core.reminders.claim_due(reminder_time(DAY))  # four reminders: one message
    lines = due.text.split("\n")
    assert due.user_id == COORDINATOR and len(lines) <= MAX_LINES
    assert lines[0] == "⏰ Atgādinājumi šai dienai (4):"
    assert lines[1] == "📁 GreenVET · Projekta risku kontrolsaraksts:"
    assert [line.startswith("• ") for line in lines[2:5]] == [True] * 3
    assert lines[5] == "📁 Otrais · Ilgtspējas plāns:"
    labels = [(b.label, b.data) for row in due.buttons for b in row]
    assert [label for label, _ in labels] == [
        "🔎 Pārskatīt riskus · GreenVET",
        "🔎 Pārskatīt plānu · Otrais",
    ]
    assert data_of("plānu", labels) == f"rv:sustainability:{other}"
    # Delivered once, ever: a later look at the same or a later moment finds nothing.
    assert core.reminders.claim_due(reminder_time(DAY) + timedelta(hours=1)) == []
    assert core.reminders.claim_due(reminder_time(DAY) + timedelta(days=40)) == []

    # The button opens a fresh review of the register with the earlier answers as defaults.
    coordinator.send("button", data_of("riskus", labels))
    assert "Projekta risku kontrolsaraksts · GreenVET · 1/28" in coordinator.text()
    assert any(b.label.startswith("✔ Atstāt") for b in buttons(coordinator.last))
    core.db.dispose()


def test_the_review_button_is_checked_when_pressed(database_url: str) -> None:
    core = build_test_dialogue(database_url)
    coordinator = coordinator_with_project(core, COORDINATOR)
    flag_three_risks(coordinator)
    viewer = joins(core, 300, invite(coordinator, "viewer"), "en")
    stranger = Person(core, 400, "lv")
    stranger.start()
    with core.db.transaction() as session:
        project = ProjectRepository(session).active(COORDINATOR)
        assert project is not None
        project_id = project.id

    # A stranger replaying the coordinator's button: a friendly note, no project opened.
    stranger.send("button", f"rv:risks:{project_id}")
    assert "vairs nav aktuāls" in stranger.text()
    with core.db.transaction() as session:
        assert ProjectRepository(session).active(400) is None
    # A viewer may read, not review: the tool says so (in English).
    viewer.send("button", f"rv:risks:{project_id}")
    assert "but not start or change them" in viewer.text() and "1/28" not in viewer.text()
    # Forged kinds and arguments.
    stranger.send("button", f"rv:digcomp:{project_id}")
    assert stranger.last[0].notice
    stranger.send("button", "rv:risks:x1")
    assert "vairs nav aktuāls" in stranger.text()
    # A stale button: the project was deleted after the reminder came.
    other = second_project_with_plan_reminder(core, COORDINATOR)
    [due] = core.reminders.claim_due(reminder_time(DAY))
    stale = data_of("plānu", [(b.label, b.data) for row in due.buttons for b in row])
    coordinator.command("/projects")
    coordinator.press("Otrais")
    coordinator.press("🗑")
    coordinator.press("Jā, dzēst")
    with core.db.transaction() as session:
        assert ProjectRepository(session).visible(COORDINATOR, other) is None
    coordinator.send("button", stale)
    assert "vairs nav aktuāls" in coordinator.text()
    core.db.dispose()


def test_many_reminders_on_one_day_stay_within_a_phone_screen_in_the_users_language(
    database_url: str,
) -> None:
    core = build_test_dialogue(database_url)
    member = Person(core, 500, "en")
    member.start()
    items = default_risk_content().items[:20]
    with core.db.transaction() as session:
        project = ProjectRepository(session).add(
            500, name="GreenVET", action="ka2", role="coordinator"
        )
        text = {"lv": "pārskatiet risku", "en": "review the risk"}
        due = [(item.id, reminder_time(DAY), text) for item in items]
        ReminderRepository(session).replace(500, "risks", project.id, due)
    [message] = core.reminders.claim_due(reminder_time(DAY), before_commit=queue_reminders)
    lines = message.text.split("\n")
    assert len(lines) == MAX_LINES
    assert lines[0] == "⏰ Reminders for today (20):"
    assert lines[1] == "📁 GreenVET · Project risk checklist:"
    assert lines[2].removeprefix("• ").rstrip("…") in items[0].risk.en  # the risk, not its id
    assert lines[-1] == f"…and {20 - (MAX_LINES - 3)} more — all of them in the review."
    # The webhook's path: the same message with its button waits in the outbox.
    with core.db.transaction() as session:
        outbox = OutboxRepository(session)
        [row] = outbox.get_many([row_id for row_id, _chat, _ready in outbox.waiting()])
        [reply] = [reply_from_json(r) for r in row.replies]
    assert row.chat_id == 500 and reply.text == message.text
    assert [b.label for r in reply.buttons for b in r] == ["🔎 Review the risks"]
    assert core.reminders.claim_due(reminder_time(DAY) + timedelta(days=1)) == []
    core.db.dispose()
