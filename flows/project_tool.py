"""What the coordinator tools share: they work on the active project (the core hands it over in
the run's context), they can be started again or edit the last result, and their history record
keeps the answers together with the project they were given for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.engine import (
    DEFAULTS,
    EDIT,
    JSON,
    MEMBERS,
    PROJECT,
    Flow,
    Option,
    Record,
    Start,
    edit_start,
)
from knowledge.texts import Localized

BEFORE = "before"  # context key of an edit: the answers as they were (to say what changed)
FOCUS = "focus"  # context key of an edit of one item only (``begin("e.<item>")``)
BASE = "base"  # context key: the id of the project's result a run started from (None: none)
# Context key (and ``Record.shown`` key) on a shared project: {"last": {item: "Anna, 01.12.2026"},
# "log": [[when, who, tool, items], ...]} — who last changed each item; the activity log (newest
# first) only for the coordinator. Put there by the core for showing; never kept in a record.
TEAM = "team"

PERSON = "u."  # an option id "u.<user id>": a member of the project's team picked by name
# An answer naming a member of the team keeps their user id under its key + LINK ("o:<item>"
# -> "o:<item>_id"); ``storage.team`` unlinks it (and says "former member") when they leave.
LINK = "_id"

RECORD_PROJECT = "_project"  # the project's key in a history record (kept for old records)


class ProjectTool(Flow):
    """A flow on the user's active project. ``/<tool>`` with a result offers "edit" and "new"
    (a periodic review: a fresh run that offers the last answers as defaults)."""

    needs_project = True
    review_start = "new"  # a reminder's button: the periodic review (last answers as defaults)

    def begin(self, arg: str, last: Record | None) -> Start | None:
        if not arg:
            return Start()
        if arg == "new":
            kept = self.last_answers(last) if last is not None else {}
            return Start(context={DEFAULTS: kept} if kept else {})
        focus = arg[2:] if arg.startswith("e.") else None
        if arg != "edit" and (focus is None or not self.has_item(focus)):
            return None
        edit = edit_start(last)
        if edit is None:
            return None
        context = {**edit.context, BEFORE: dict(edit.answers)}
        return Start(edit.answers, {**context, FOCUS: focus} if focus else context)

    @staticmethod
    def team_of(source: Mapping[str, Any]) -> tuple[dict[str, str], list[list[str]]]:
        """Who last changed each item and the activity log, from a run's context or a
        record's ``shown`` (both empty when the project is no shared one)."""
        team = source.get(TEAM)
        if not isinstance(team, Mapping):
            return {}, []
        last, log = team.get("last"), team.get("log")
        return (
            {str(k): str(v) for k, v in last.items()} if isinstance(last, Mapping) else {},
            [[str(cell) for cell in row] for row in log] if isinstance(log, list) else [],
        )

    # ---- people: a team member picked by name, or free text -----------------------------
    @staticmethod
    def members_of(context: Mapping[str, Any]) -> dict[int, str]:
        """The team the run was started with (user id -> first name; unnamed ones left out)."""
        found = context.get(MEMBERS)
        members: dict[int, str] = {}
        for entry in found if isinstance(found, list) else ():
            if isinstance(entry, list) and len(entry) == 2:
                user_id, name = entry
                if isinstance(user_id, int) and isinstance(name, str) and name:
                    members[user_id] = name
        return members

    def member_options(self, context: Mapping[str, Any]) -> tuple[Option, ...]:
        """A button per team member ("👤 Anna"); none off a shared project."""
        return tuple(
            Option(f"{PERSON}{user_id}", Localized(f"👤 {name}", f"👤 {name}"))
            for user_id, name in self.members_of(context).items()
        )

    def person(
        self, value: Any, linked: Any, context: Mapping[str, Any]
    ) -> tuple[str, int | None] | None:
        """Who ``value`` names: a picked member ("u.<id>") as their first name and id; a name
        kept with a member's id (``linked``) while it is still that member's name; else free
        text (no id). None for no answer."""
        if value in (None, ""):
            return None
        members = self.members_of(context)
        text = str(value)
        if text.startswith(PERSON) and text[len(PERSON) :].isdigit():
            user_id = int(text[len(PERSON) :])
            if user_id in members:
                return members[user_id], user_id
        if isinstance(linked, int) and members.get(linked) == text:
            return text, linked
        return text, None

    # ---- items: what answers are grouped by when a team shares them --------------------
    def item_of(self, key: str) -> str:
        """The item an answer belongs to ("s:x", "l:x", "o:x_id" -> "x"); "_…": bookkeeping."""
        parts = key.split(":")
        return parts[1].removesuffix(LINK) if len(parts) > 1 else key

    def has_item(self, item: str) -> bool:
        """Whether ``item`` can be edited on its own (``begin("e.<item>")``)."""
        return False

    def item_label(self, item: str, lang: str) -> str:
        """What the user calls the item (a risk's check, a plan's aspect)."""
        return item

    def item_value(self, answers: Mapping[str, Any], item: str, lang: str) -> str:
        """The item's answer in ``answers`` in a few words ("—" when it has none)."""
        return "—"

    @staticmethod
    def changed_keys(answers: Mapping[str, Any], context: Mapping[str, Any]) -> list[str] | None:
        """In an edit, the answers that differ from before (None when this is no edit)."""
        before = context.get(BEFORE)
        if not context.get(EDIT) or not isinstance(before, Mapping):
            return None
        keys = [*before, *(k for k in answers if k not in before)]
        return [k for k in keys if before.get(k) != answers.get(k)]

    @staticmethod
    def project_of(context: Mapping[str, Any]) -> JSON:
        """The project a run works on (empty when the context carries none)."""
        project = context.get(PROJECT)
        return dict(project) if isinstance(project, Mapping) else {}

    @classmethod
    def record(cls, answers: Mapping[str, Any], context: Mapping[str, Any], **extra: Any) -> JSON:
        """The history record of a finished run: its answers, its project, and ``extra``."""
        return {
            "version": 1,
            "answers": dict(answers),
            RECORD_PROJECT: cls.project_of(context),
            **extra,
        }

    @staticmethod
    def last_answers(last: Record) -> JSON:
        """A record's answers as the run had them (damaged parts are dropped)."""
        kept = last.data.get("answers")
        return dict(kept) if isinstance(kept, Mapping) else {}

    @staticmethod
    def last_project(last: Record) -> JSON:
        """The project a record was made for."""
        project = last.data.get(RECORD_PROJECT)
        return dict(project) if isinstance(project, Mapping) else {}
