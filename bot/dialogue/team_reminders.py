"""Who gets a shared project's reminders: each goes to the team member it names (a risk's
owner, an action's "who"), else to whoever last answered its item; the coordinator gets one
digest a day per project listing everything due that day instead of a message each. Every
reminder is worded in both languages and sent in the recipient's own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.dialogue.turn import Turn
from flows.dates import reminder_time
from flows.engine import Flow, ReminderSpec
from flows.merge import edits, last_changes
from knowledge.texts import LANGUAGES, Catalogue
from storage.history import ProjectHistory
from storage.models import Project

DIGEST = "digest-"  # the key of the coordinator's digest: "digest-2027-01-15"
Due = tuple[int, str, datetime, dict[str, str]]  # recipient, key, due time, {"lv", "en"} text


def addressed(
    turn: Turn,
    texts: Catalogue,
    flow: Flow,
    project: Project,
    team: Sequence[int],
    reminders: Sequence[ReminderSpec],
) -> list[Due]:
    """The reminders of a finished run on a shared project, each with its recipient (the
    run's result is already saved: it counts as the last answer to the items it changed)."""
    kept = ProjectHistory(turn.session).kept(project.id, (flow.id,))[flow.id]
    item_of = getattr(flow, "item_of", lambda key: key)
    answered = {item: e.user_id for item, e in last_changes(edits(kept, item_of)).items()}
    coordinator = project.user_id
    due: list[Due] = []
    days: dict[date, list[ReminderSpec]] = {}
    for spec in reminders:
        recipient = spec.to if spec.to in team else answered.get(spec.key)
        if recipient not in team:
            recipient = turn.user.id
        assert recipient is not None
        days.setdefault(spec.due_on, []).append(spec)
        if recipient != coordinator:
            text = {lang: spec.text.get(lang) for lang in LANGUAGES}
            due.append((recipient, spec.key, reminder_time(spec.due_on), text))
    for day, listed in sorted(days.items()):
        text = {}
        for lang in LANGUAGES:
            heading = texts.text("reminder.digest", lang, project=project.name, count=len(listed))
            lines = [(spec.line or spec.text).get(lang) for spec in listed]
            text[lang] = "\n".join([heading, *(f"• {line}" for line in lines)])
        due.append((coordinator, f"{DIGEST}{day.isoformat()}", reminder_time(day), text))
    return due
