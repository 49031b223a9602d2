"""Admin-only commands (Telegram ids in ADMIN_IDS): /unanswered for editors, /stats."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogue.messages import Reply
from bot.dialogue.turn import Turn
from knowledge.texts import Catalogue
from storage.models import utcnow
from storage.repositories import QuestionLogRepository
from storage.review import format_review
from storage.stats import collect

ACTIVE_DAYS = 7


class AdminDesk:
    def __init__(self, texts: Catalogue, admin_ids: frozenset[int]) -> None:
        self.texts = texts
        self.admin_ids = admin_ids

    def unanswered(self, turn: Turn) -> Reply:
        rows = QuestionLogRepository(turn.session).for_review(limit=30)
        if not rows:
            return Reply(self.texts.text("admin.unanswered_empty", turn.lang))
        title = self.texts.text("admin.unanswered_title", turn.lang, count=len(rows))
        return Reply("\n".join([title, *format_review(rows)]))

    def stats(self, turn: Turn) -> Reply:
        turn.session.flush()
        figures = collect(turn.session, since=utcnow() - timedelta(days=ACTIVE_DAYS))
        completed = ", ".join(f"{flow} {n}" for flow, n in figures.completed_flows.items())
        text = self.texts.text(
            "admin.stats",
            turn.lang,
            users=figures.users,
            active_users=figures.active_users,
            active_flows=figures.active_flows,
            completed=completed or self.texts.text("admin.stats_none", turn.lang),
            questions=figures.questions,
            answered=figures.answered,
            hit_rate=f"{figures.hit_rate:.0%}",
            up=figures.thumbs_up,
            down=figures.thumbs_down,
        )
        return Reply(text)
