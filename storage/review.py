"""Plain-text listing of questions for content editors (shared by the CLI and /unanswered)."""

from __future__ import annotations

from storage.models import QuestionLog


def format_review(rows: list[QuestionLog]) -> list[str]:
    """One line a question: date, why it needs review, the question, the best guess."""
    lines = []
    for row in rows:
        why = "👎" if row.feedback == -1 else row.outcome
        guess = f" → {row.entry_id} ({row.score:.0f})" if row.entry_id else f" ({row.score:.0f})"
        lines.append(f"• {row.created_at:%Y-%m-%d} [{why}] {row.question}{guess}")
    return lines
