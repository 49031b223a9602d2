"""A project's team: who may work on a shared project and in which role. The project's owner
(``Project.user_id``) is its coordinator; members answer the registers and plans, viewers read
them. Like every repository it never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import FlowResult, Invite, Project, ProjectMember, Reminder

Role = Literal["coordinator", "member", "viewer"]
ROLES: tuple[Role, ...] = ("coordinator", "member", "viewer")
INVITE_ROLES: tuple[Role, ...] = ("member", "viewer")  # what an invite may admit as
WRITERS = ("coordinator", "member")  # may start and change a tool's run on the project
INVITE_KIND = "project"


class TeamRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def membership(self, project_id: int, user_id: int) -> ProjectMember | None:
        query = select(ProjectMember).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
        )
        return self.session.scalars(query).first()

    def role(self, project: Project, user_id: int) -> Role | None:
        """``user_id``'s role on ``project`` (its owner is always the coordinator), or None."""
        if project.user_id == user_id:
            return "coordinator"
        member = self.membership(project.id, user_id)
        if member is None or member.role not in ROLES:
            return None
        return cast(Role, member.role)

    def members(self, project_id: int) -> list[ProjectMember]:
        """The team, longest-standing first."""
        query = (
            select(ProjectMember)
            .where(ProjectMember.project_id == project_id)
            .order_by(ProjectMember.joined_at, ProjectMember.id)
        )
        return list(self.session.scalars(query))

    def join(self, project: Project, user_id: int, role: str, first_name: str | None) -> bool:
        """Add ``user_id`` to the team; False when they already belong to it."""
        if role not in INVITE_ROLES:
            raise ValueError(f"not a role to join as: {role!r}")
        if project.user_id == user_id or self.membership(project.id, user_id) is not None:
            return False
        self.session.add(
            ProjectMember(
                project_id=project.id,
                user_id=user_id,
                role=role,
                first_name=(first_name or None) and first_name[:64],
            )
        )
        self.session.flush()
        return True

    def coordinator_name(self, project: Project) -> str | None:
        member = self.membership(project.id, project.user_id)
        return member.first_name if member is not None else None

    def invites(self, project_id: int) -> list[Invite]:
        """The project's invites, newest first (usable or not)."""
        query = (
            select(Invite)
            .where(Invite.kind == INVITE_KIND, Invite.target_id == project_id)
            .order_by(Invite.id.desc())
        )
        return list(self.session.scalars(query))

    def member(self, member_id: int) -> ProjectMember | None:
        return self.session.get(ProjectMember, member_id)

    def set_role(self, member: ProjectMember, role: str) -> None:
        """A member becomes a viewer or back (the coordinator's role is handed over instead)."""
        if role not in INVITE_ROLES or member.role == "coordinator":
            raise ValueError(f"cannot make this a {role!r}")
        member.role = role
        self.session.flush()

    def remove(self, member: ProjectMember) -> None:
        """Take someone off the team, with their reminders about the project; what they
        answered stays the team's."""
        if member.role == "coordinator":
            raise ValueError("the coordinator hands the project over instead")
        self.session.execute(
            delete(Reminder).where(
                Reminder.user_id == member.user_id, Reminder.project_id == member.project_id
            )
        )
        self.session.delete(member)
        self.session.flush()

    def hand_over(self, project: Project, member: ProjectMember) -> None:
        """``member`` becomes the coordinator (and owner); the coordinator becomes a member.
        Which project each of them has active stays as it was."""
        if member.project_id != project.id or member.user_id == project.user_id:
            raise ValueError("hand over to someone else on this team")
        previous = self.membership(project.id, project.user_id)
        was_active_for_owner = project.active
        if previous is None:
            previous = ProjectMember(project_id=project.id, user_id=project.user_id)
            self.session.add(previous)
        previous.role = "member"
        previous.active = was_active_for_owner
        project.user_id = member.user_id
        project.active = member.active
        member.role = "coordinator"
        member.active = False
        self.session.flush()

    def visit(self, project: Project, user_id: int, now: datetime) -> list[Change]:
        """What others on the team finished on ``project`` since the user last opened it
        (newest first; nothing on the first visit), and this visit remembered."""
        member = self.membership(project.id, user_id)
        if member is None:
            return []
        since, member.seen_at = member.seen_at, now
        if since is None:
            return []
        author = aliased(ProjectMember)
        query = (
            select(FlowResult.flow, author.id, author.first_name, FlowResult.created_at)
            .outerjoin(
                author,
                (author.project_id == FlowResult.project_id)
                & (author.user_id == FlowResult.user_id),
            )
            .where(
                FlowResult.project_id == project.id,
                FlowResult.created_at > since,
                or_(FlowResult.user_id.is_(None), FlowResult.user_id != user_id),
            )
            .order_by(FlowResult.created_at.desc(), FlowResult.id.desc())
        )
        return [
            Change(flow, name, when, on_team=row_id is not None)
            for flow, row_id, name, when in self.session.execute(query)
        ]


@dataclass(frozen=True)
class Change:
    """A result someone else on the team finished: ``name`` None when not known or when they
    are no longer on the team (``on_team`` False)."""

    flow: str
    name: str | None
    when: datetime
    on_team: bool


@dataclass(frozen=True)
class Departure:
    """What erasing a user's data does to one of their projects: ``successor`` (a first name,
    or "" when not known) takes it over, or it is deleted (``successor`` None); ``joined``
    projects are someone else's the user only leaves."""

    project: str
    outcome: Literal["handed", "deleted", "left"]
    successor: str | None = None


def departures(session: Session, user_id: int) -> list[Departure]:
    """What ``/forget`` will do to each project the user is on (nothing changes here)."""
    team = TeamRepository(session)
    found: list[Departure] = []
    owned = select(Project).where(Project.user_id == user_id).order_by(Project.id)
    for project in session.scalars(owned):
        heir = _heir(team, project)
        if heir is None:
            found.append(Departure(project.name, "deleted"))
        else:
            found.append(Departure(project.name, "handed", heir.first_name or ""))
    joined = (
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == user_id, Project.user_id != user_id)
        .order_by(Project.id)
    )
    found.extend(Departure(project.name, "left") for project in session.scalars(joined))
    return found


def _heir(team: TeamRepository, project: Project) -> ProjectMember | None:
    """Who takes a project over when its coordinator leaves: the longest-standing member,
    else the longest-standing viewer."""
    others = [m for m in team.members(project.id) if m.user_id != project.user_id]
    members = [m for m in others if m.role == "member"]
    chosen = members or others
    return chosen[0] if chosen else None


LINK = "_id"  # an answer key + LINK holds a team member's user id (``flows.project_tool``)


def unlink(answers: dict[str, Any], user_id: int, former: str) -> dict[str, Any] | None:
    """``answers`` with every link to ``user_id`` (a risk's owner, an action's "who") removed
    and their name replaced by ``former``; None when nothing named them."""
    linked = [
        key
        for key, value in answers.items()
        if key.endswith(LINK) and value == user_id and not isinstance(value, bool)
    ]
    if not linked:
        return None
    kept = {k: v for k, v in answers.items() if k not in linked}
    for key in linked:
        kept[key.removesuffix(LINK)] = former
    return kept


def leave_every_team(session: Session, user_id: int, former: str = "former member") -> None:
    """Before a user's data is erased: each project they coordinate passes to its heir (those
    without one are deleted with the user's rows), and what they answered on projects that
    carry on stays the team's, no longer linked to them; where they were named as a risk's
    owner or an action's "who", the name becomes ``former``."""
    team = TeamRepository(session)
    owned = select(Project).where(Project.user_id == user_id)
    for project in list(session.scalars(owned)):
        heir = _heir(team, project)
        if heir is not None:
            if heir.role == "viewer":
                heir.role = "member"
            team.hand_over(project, heir)
    shared = select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)
    for result in session.scalars(select(FlowResult).where(FlowResult.project_id.in_(shared))):
        answers = result.data.get("answers")
        kept = unlink(answers, user_id, former) if isinstance(answers, dict) else None
        if kept is not None:
            result.data = {**result.data, "answers": kept}
    session.execute(
        update(FlowResult)
        .where(FlowResult.user_id == user_id, FlowResult.project_id.in_(shared))
        .values(user_id=None)
    )
    session.flush()


def remember_name(session: Session, user_id: int, first_name: str) -> None:
    """Keep the first name the user's teams see current (Telegram sends it with commands)."""
    name = first_name[:64]
    session.execute(
        update(ProjectMember)
        .where(
            ProjectMember.user_id == user_id,
            or_(ProjectMember.first_name.is_(None), ProjectMember.first_name != name),
        )
        .values(first_name=name)
    )
