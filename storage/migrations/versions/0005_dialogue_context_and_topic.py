"""dialogue_states: a run's context apart from its answers; the last Q&A topic; a pending 👎

Control data that rode inside a run's answers under keys starting with "_" (the project a tool
works on, the flow to open next, edit/review modes, a preset mode, the last result to compare
with) moves to the new ``context`` column, for the active run and for every paused run.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:30:00
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_states = sa.table(
    "dialogue_states",
    sa.column("user_id", sa.BigInteger()),
    sa.column("answers", sa.JSON()),
    sa.column("context", sa.JSON()),
    sa.column("paused", sa.JSON()),
)


def _split(answers: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answers without control keys, context with the keys' leading "_" removed)."""
    kept = {k: v for k, v in answers.items() if not k.startswith("_")}
    context = {k[1:]: v for k, v in answers.items() if k.startswith("_")}
    return kept, context


def _merge(answers: Any, context: Any) -> dict[str, Any]:
    return {**answers, **{f"_{k}": v for k, v in context.items()}}


def upgrade() -> None:
    with op.batch_alter_table("dialogue_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("topic", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("topic_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("feedback_for", sa.BigInteger(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_states.c.user_id, _states.c.answers, _states.c.paused))
    for user_id, answers, paused in rows.all():
        paused = cast(dict[str, Any], paused or {})
        kept, context = _split(answers or {})
        new_paused: dict[str, Any] = {}
        for flow_id, run in paused.items():
            if isinstance(run, dict):
                run_answers, run_context = _split(run.get("answers") or {})
                run = {**run, "answers": run_answers, "context": run_context}
            new_paused[flow_id] = run
        conn.execute(
            _states.update()
            .where(_states.c.user_id == user_id)
            .values(answers=kept, context=context, paused=new_paused)
        )
    conn.execute(_states.update().where(_states.c.context.is_(None)).values(context={}))
    with op.batch_alter_table("dialogue_states", schema=None) as batch_op:
        batch_op.alter_column("context", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_states.c.user_id, _states.c.answers, _states.c.context, _states.c.paused)
    )
    for user_id, answers, context, paused in rows.all():
        paused = cast(dict[str, Any], paused or {})
        new_paused: dict[str, Any] = {}
        for flow_id, run in paused.items():
            if isinstance(run, dict):
                merged = _merge(run.get("answers") or {}, run.get("context") or {})
                run = {k: v for k, v in run.items() if k != "context"} | {"answers": merged}
            new_paused[flow_id] = run
        conn.execute(
            _states.update()
            .where(_states.c.user_id == user_id)
            .values(answers=_merge(answers or {}, context or {}), paused=new_paused)
        )
    with op.batch_alter_table("dialogue_states", schema=None) as batch_op:
        batch_op.drop_column("feedback_for")
        batch_op.drop_column("topic_at")
        batch_op.drop_column("topic")
        batch_op.drop_column("context")
