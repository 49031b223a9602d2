"""A teacher's groups: members, rounds, and which of a member's own DigComp results count for a
closed round (a snapshot). Reads for the report return levels keyed by opaque numbers; the
aggregation (``flows.groups``) never sees who is who. Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.invites import InviteRepository
from storage.models import (
    FlowResult,
    Group,
    GroupMember,
    GroupRound,
    Reminder,
    RoundEntry,
    utcnow,
)
from storage.repositories import insert_if_missing

DIGCOMP = "digcomp"
INVITE_KIND = "group"
REMINDER_FLOW = "group"  # reminders of a round opening: key "round:<round id>"


def reminder_key(round_id: int) -> str:
    return f"round:{round_id}"


class GroupRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- groups ----------------------------------------------------------------------------
    def create(
        self,
        owner_id: int,
        name: str,
        *,
        teacher_name: str | None = None,
        mode: str = "quick",
        starts_on: date | None = None,
        ends_on: date | None = None,
    ) -> Group:
        group = Group(
            owner_id=owner_id,
            name=name[:80],
            teacher_name=teacher_name[:64] if teacher_name else None,
            mode=mode,
            starts_on=starts_on,
            ends_on=ends_on,
            closed=False,
        )
        self.session.add(group)
        self.session.flush()
        return group

    def get(self, group_id: int) -> Group | None:
        return self.session.get(Group, group_id)

    def owned(self, owner_id: int) -> list[Group]:
        query = select(Group).where(Group.owner_id == owner_id).order_by(Group.id)
        return list(self.session.scalars(query))

    def get_owned(self, owner_id: int, group_id: int) -> Group | None:
        """The group, only when ``owner_id`` created it."""
        group = self.session.get(Group, group_id)
        return group if group is not None and group.owner_id == owner_id else None

    def delete(self, group: Group) -> None:
        """The group with its rounds, memberships and invites; learners' own results stay."""
        rounds = select(GroupRound.id).where(GroupRound.group_id == group.id)
        self._drop_unsent_reminders(group.id)
        self.session.execute(delete(RoundEntry).where(RoundEntry.round_id.in_(rounds)))
        self.session.execute(delete(GroupRound).where(GroupRound.group_id == group.id))
        self.session.execute(delete(GroupMember).where(GroupMember.group_id == group.id))
        InviteRepository(self.session).delete_all(INVITE_KIND, group.id)
        self.session.delete(group)
        self.session.flush()

    def _drop_unsent_reminders(self, group_id: int, user_id: int | None = None) -> None:
        """Round reminders not yet sent for a group (of one member when given)."""
        keys = [reminder_key(r.id) for r in self.rounds(group_id)]
        if not keys:
            return
        statement = delete(Reminder).where(
            Reminder.flow == REMINDER_FLOW, Reminder.key.in_(keys), Reminder.sent_at.is_(None)
        )
        if user_id is not None:
            statement = statement.where(Reminder.user_id == user_id)
        self.session.execute(statement)

    def remind_members(self, group_id: int, round_id: int, text: dict[str, str]) -> None:
        """One reminder, due now, for every member (sent in each member's language)."""
        now = utcnow()
        for user_id in self.member_ids(group_id):
            self.session.add(
                Reminder(
                    user_id=user_id,
                    flow=REMINDER_FLOW,
                    key=reminder_key(round_id),
                    text=text,
                    due_at=now,
                )
            )
        self.session.flush()

    # ---- members ---------------------------------------------------------------------------
    def joined(self, user_id: int) -> list[Group]:
        query = (
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == user_id)
            .order_by(Group.id)
        )
        return list(self.session.scalars(query))

    def membership(self, group_id: int, user_id: int) -> GroupMember | None:
        query = select(GroupMember).where(
            GroupMember.group_id == group_id, GroupMember.user_id == user_id
        )
        return self.session.scalars(query).first()

    def join(self, group_id: int, user_id: int) -> bool:
        """Add the learner; False when they were a member already."""
        if self.membership(group_id, user_id) is not None:
            return False
        insert_if_missing(
            self.session, GroupMember, group_id=group_id, user_id=user_id, joined_at=utcnow()
        )
        return True

    def leave(self, group_id: int, user_id: int) -> bool:
        """Remove the learner and their entries in the group's rounds (reports lose them)."""
        member = self.membership(group_id, user_id)
        if member is None:
            return False
        rounds = select(GroupRound.id).where(GroupRound.group_id == group_id)
        self.session.execute(
            delete(RoundEntry).where(RoundEntry.round_id.in_(rounds), RoundEntry.user_id == user_id)
        )
        self._drop_unsent_reminders(group_id, user_id)
        self.session.delete(member)
        self.session.flush()
        return True

    def member_ids(self, group_id: int) -> list[int]:
        query = select(GroupMember.user_id).where(GroupMember.group_id == group_id)
        return list(self.session.scalars(query.order_by(GroupMember.id)))

    def member_count(self, group_id: int) -> int:
        query = select(func.count()).where(GroupMember.group_id == group_id)
        return int(self.session.scalar(query) or 0)

    # ---- rounds ----------------------------------------------------------------------------
    def rounds(self, group_id: int) -> list[GroupRound]:
        query = select(GroupRound).where(GroupRound.group_id == group_id)
        return list(self.session.scalars(query.order_by(GroupRound.id)))

    def round_of_owner(self, owner_id: int, round_id: int) -> tuple[Group, GroupRound] | None:
        """The round and its group, only when ``owner_id`` owns the group."""
        found = self.session.get(GroupRound, round_id)
        if found is None:
            return None
        group = self.get_owned(owner_id, found.group_id)
        return (group, found) if group is not None else None

    def open_round(self, group_id: int) -> GroupRound | None:
        query = select(GroupRound).where(
            GroupRound.group_id == group_id, GroupRound.closed_at.is_(None)
        )
        return self.session.scalars(query).first()

    def start_round(self, group_id: int, name: str, now: datetime | None = None) -> GroupRound:
        found = GroupRound(group_id=group_id, name=name[:40], opened_at=now or utcnow())
        self.session.add(found)
        self.session.flush()
        return found

    def _finished(
        self, group_id: int, opened_at: datetime, closed_at: datetime | None
    ) -> dict[int, int]:
        """member -> their newest DigComp result finished while the round was open (and after
        they joined)."""
        query = (
            select(FlowResult.user_id, FlowResult.id, FlowResult.created_at)
            .join(GroupMember, GroupMember.user_id == FlowResult.user_id)
            .where(
                GroupMember.group_id == group_id,
                FlowResult.flow == DIGCOMP,
                FlowResult.created_at >= opened_at,
                FlowResult.created_at >= GroupMember.joined_at,
            )
        )
        if closed_at is not None:
            query = query.where(FlowResult.created_at <= closed_at)
        newest: dict[int, tuple[datetime, int]] = {}
        for user_id, result_id, created_at in self.session.execute(query):
            if user_id not in newest or (created_at, result_id) > newest[user_id]:
                newest[user_id] = (created_at, result_id)
        return {user_id: result_id for user_id, (_, result_id) in newest.items()}

    def finished_count(self, found: GroupRound) -> int:
        """How many members have finished in this round (open: so far; closed: the snapshot)."""
        if found.closed_at is None:
            return len(self._finished(found.group_id, found.opened_at, None))
        return len(self.entries(found))

    def close_round(self, found: GroupRound, now: datetime | None = None) -> int:
        """Close the round and keep which result of each member counts (the snapshot)."""
        found.closed_at = now or utcnow()
        finished = self._finished(found.group_id, found.opened_at, found.closed_at)
        for user_id, result_id in finished.items():
            self.session.add(RoundEntry(round_id=found.id, user_id=user_id, result_id=result_id))
        found.counted = len(finished)
        self.session.flush()
        return len(finished)

    def entries(self, found: GroupRound) -> dict[int, Mapping[str, Any]]:
        """A closed round's counted levels of the learners still in the group, keyed by learner
        only to pair two rounds (``flows.groups.aggregate.change``); the keys are never shown."""
        query = (
            select(RoundEntry.user_id, FlowResult.data)
            .join(FlowResult, FlowResult.id == RoundEntry.result_id)
            .join(
                GroupMember,
                (GroupMember.user_id == RoundEntry.user_id)
                & (GroupMember.group_id == found.group_id),
            )
            .where(RoundEntry.round_id == found.id)
        )
        levels: dict[int, Mapping[str, Any]] = {}
        for learner, data in self.session.execute(query):
            raw = data.get("levels") if isinstance(data, Mapping) else None
            levels[cast(int, learner)] = raw if isinstance(raw, Mapping) else {}
        return levels
