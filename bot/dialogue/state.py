"""A user's dialogue state, typed: the active run, runs paused for later, the last button
sequence number and the topic of the last answer. Converted to and from its database row here
and nowhere else.

Sequence numbers: every run shown with fresh buttons gets a number never used before for this
user, so a button from any older message is recognised as stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flows.engine import FlowState
from storage.models import DialogueState as DialogueRow
from storage.repositories import LockedState, UserRow

TOPIC_TTL = timedelta(minutes=10)  # a follow-up question refers to the last answer this long


@dataclass(frozen=True)
class Topic:
    """The knowledge-base entry the user was last answered with, and when."""

    entry_id: str
    at: datetime


@dataclass
class DialogueState:
    """Where one user is: the active flow run, paused runs by flow id, the highest sequence
    number handed out, and the last Q&A topic."""

    active: FlowState | None = None
    paused: dict[str, FlowState] = field(default_factory=dict)
    last_seq: int = 0
    topic: Topic | None = None
    feedback_for: int | None = None  # a 👎'd answer's log id, for the very next message

    # ---- reading ---------------------------------------------------------------------
    @property
    def flow(self) -> str | None:
        return self.active.flow if self.active else None

    def resumable(self) -> list[str]:
        """Flow ids the user can carry on with: the active one first, then the paused ones."""
        active = [self.active.flow] if self.active else []
        return active + [f for f in self.paused if f not in active]

    def recent_topic(self, now: datetime) -> str | None:
        """The last answer's entry id while a follow-up may still refer to it."""
        if self.topic is None or now - self.topic.at > TOPIC_TTL:
            return None
        return self.topic.entry_id

    # ---- changing --------------------------------------------------------------------
    def next_seq(self) -> int:
        """A sequence number never used before for this user (and remember it)."""
        seqs = [self.last_seq, *(s.seq for s in self.paused.values())]
        if self.active is not None:
            seqs.append(self.active.seq)
        self.last_seq = max(seqs) + 1
        return self.last_seq

    def activate(self, run: FlowState, *, fresh_seq: bool = False) -> FlowState:
        """Make ``run`` the active one; ``fresh_seq`` gives it a new sequence number so the
        buttons of every earlier message become stale."""
        if fresh_seq:
            run = replace(run, seq=self.next_seq())
        self.active = run
        return run

    def pause(self) -> FlowState | None:
        """Put the active run aside (it can be resumed); returns it, or None."""
        run = self.active
        if run is not None:
            self.paused[run.flow] = run
            self.active = None
        return run

    def take_paused(self, flow_id: str) -> FlowState | None:
        """Remove and return the paused run of ``flow_id`` (its sequence number stays used)."""
        run = self.paused.pop(flow_id, None)
        if run is not None:
            self.last_seq = max(self.last_seq, run.seq)
        return run

    def finish(self) -> None:
        """The active run is over; its sequence number stays used."""
        if self.active is not None:
            self.last_seq = max(self.last_seq, self.active.seq)
        self.active = None

    def remember_topic(self, entry_id: str | None, now: datetime) -> None:
        self.topic = Topic(entry_id, now) if entry_id else None


# ---- the row ---------------------------------------------------------------------------
def load_state(row: LockedState | DialogueRow) -> DialogueState:
    """The typed state of a (locked) row."""
    active = None
    if row.flow:
        active = FlowState(
            flow=row.flow,
            step=row.step,
            answers=dict(row.answers or {}),
            history=tuple(row.history or ()),
            seq=row.seq or 1,
            context=dict(row.context or {}),
        )
    paused = {}
    for flow_id, stored in (row.paused or {}).items():
        if isinstance(stored, dict) and stored.get("flow"):
            paused[str(flow_id)] = FlowState.from_json(stored)
    topic = Topic(row.topic, row.topic_at) if row.topic and row.topic_at else None
    return DialogueState(
        active=active,
        paused=paused,
        last_seq=row.seq or 0,
        topic=topic,
        feedback_for=row.feedback_for,
    )


def save_state(row: LockedState, state: DialogueState, user: UserRow | None = None) -> None:
    """Write ``state`` onto its locked row; only changed columns are updated (no statement
    when nothing changed). ``user``'s unsaved changes go with it (``LockedState.write``)."""
    active = state.active
    values: dict[str, Any] = {
        "flow": active.flow if active else None,
        "step": active.step if active else None,
        "answers": active.answers if active else {},
        "context": active.context if active else {},
        "history": list(active.history) if active else [],
        "seq": active.seq if active else state.last_seq,
        "paused": {flow_id: run.to_json() for flow_id, run in state.paused.items()},
        "topic": state.topic.entry_id if state.topic else None,
        "topic_at": state.topic.at if state.topic else None,
        "feedback_for": state.feedback_for,
    }
    row.write({name: value for name, value in values.items() if getattr(row, name) != value}, user)
