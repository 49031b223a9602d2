"""A shared project's kept results in order, the team's first names for them, and the lock that
makes saving a new result a read-merge-write no other worker can interleave with. Like every
repository it never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import FlowResult, Project, ProjectMember

Kept = tuple[int, int | None, datetime, Mapping[str, Any]]  # id, who, when, answers


def answers_of(result: FlowResult | None) -> dict[str, Any]:
    """A result's answers (empty for none or a damaged record)."""
    kept = result.data.get("answers") if result is not None else None
    return dict(kept) if isinstance(kept, Mapping) else {}


class ProjectHistory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, project_id: int) -> bool:
        """Hold the project's row until the transaction ends (PostgreSQL; SQLite's write
        transactions are serial already): the next finished run of the project waits, then
        merges into what this one saved. False when the project is gone."""
        query = select(Project.id).where(Project.id == project_id).with_for_update()
        return self.session.execute(query).first() is not None

    def latest(self, project_id: int, flow: str) -> FlowResult | None:
        query = (
            select(FlowResult)
            .where(FlowResult.project_id == project_id, FlowResult.flow == flow)
            .order_by(FlowResult.created_at.desc(), FlowResult.id.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()

    def result(self, result_id: int, project_id: int, flow: str) -> FlowResult | None:
        """One of the project's results of ``flow`` (None for anything else)."""
        found = self.session.get(FlowResult, result_id)
        if found is None or found.project_id != project_id or found.flow != flow:
            return None
        return found

    def kept(self, project_id: int, flows: tuple[str, ...]) -> dict[str, list[Kept]]:
        """Each flow's results of the project, oldest first."""
        query = (
            select(FlowResult)
            .where(FlowResult.project_id == project_id, FlowResult.flow.in_(flows))
            .order_by(FlowResult.created_at, FlowResult.id)
        )
        found: dict[str, list[Kept]] = {flow: [] for flow in flows}
        for row in self.session.scalars(query):
            found[row.flow].append((row.id, row.user_id, row.created_at, answers_of(row)))
        return found

    def names(self, project_id: int) -> dict[int, str | None]:
        """The first name of everyone now on the team (None: not known)."""
        query = select(ProjectMember.user_id, ProjectMember.first_name).where(
            ProjectMember.project_id == project_id
        )
        return {user_id: name for user_id, name in self.session.execute(query)}
