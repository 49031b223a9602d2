"""The project set-up flow: name, Erasmus+ action, role and dates. The core stores the project
and makes it active; coordinator tools then work on it. Started with ``CHANGE`` in its context
it renames a project or changes its dates (the current values offered to keep)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from flows.dates import parse_date, show_date
from flows.engine import THEN, Completion, Flow, FlowState, Option, Start, Step
from flows.texts import load_flow_texts

CHANGE = "change"  # context key: {"id", "name", "starts_on", "ends_on", "part": name | dates}
PARTS = {"name": ("name",), "dates": ("starts", "ends")}
ACTIONS = ("ka2", "small", "ka1", "cove")
ROLES = ("coordinator", "partner")
NAME_LIMIT = 120


class ProjectFlow(Flow):
    """Asks what the core needs to create a project."""

    id = "project"
    in_menu = False

    def __init__(self) -> None:
        self.texts = load_flow_texts("projects")
        self.title = self.texts.localized("project.title")
        t = self.texts.localized

        def asked(step_id: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
            def applies(answers: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
                change = context.get(CHANGE)
                if not isinstance(change, Mapping):
                    return True
                return step_id in PARTS.get(str(change.get("part")), ())

            return applies

        self._steps = (
            Step(
                "name",
                t("project.name.question"),
                free_text=True,
                max_length=NAME_LIMIT,
                applies=asked("name"),
            ),
            Step(
                "action",
                t("project.action.question"),
                options=tuple(Option(a, t(f"project.action.{a}")) for a in ACTIONS),
                applies=asked("action"),
            ),
            Step(
                "role",
                t("project.role.question"),
                options=tuple(Option(r, t(f"project.role.{r}")) for r in ROLES),
                columns=2,
                applies=asked("role"),
            ),
            Step(
                "starts",
                t("project.starts.question"),
                free_text=True,
                skippable=True,
                applies=asked("starts"),
            ),
            Step(
                "ends",
                t("project.ends.question"),
                free_text=True,
                skippable=True,
                applies=asked("ends"),
            ),
        )

    def default(self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        """When changing a project: its current name or dates."""
        change = context.get(CHANGE)
        if not isinstance(change, Mapping):
            return super().default(step, answers, context)
        field = {"name": "name", "starts": "starts_on", "ends": "ends_on"}.get(step.id)
        value = change.get(field) if field else None
        if value and step.id != "name":
            return show_date(date.fromisoformat(str(value)))
        return value or None

    def steps(self) -> Sequence[Step]:
        return self._steps

    def begin(self, arg: str, last: Any) -> Start | None:
        return Start() if not arg else None

    def validate_text(
        self, step: Step, text: str, answers: Mapping[str, Any], lang: str
    ) -> str | None:
        if step.id not in ("starts", "ends"):
            return None
        day = parse_date(text)
        if day is None:
            return self.texts.text("project.bad_date", lang)
        start = parse_date(str(answers.get("starts") or ""))
        if step.id == "ends" and start is not None and day < start:
            return self.texts.text("project.end_before_start", lang, start=show_date(start))
        return None

    def describe(self, project: Mapping[str, Any], lang: str) -> str:
        """A one-line summary for lists: name, kind of action, role and dates."""
        parts = [str(project["name"])]
        for field in ("action", "role"):
            key = f"project.{field}.{project.get(field)}"
            if key in self.texts:
                parts.append(self.texts.text(key, lang))
        if project.get("starts_on") and project.get("ends_on"):
            start = show_date(date.fromisoformat(str(project["starts_on"])))
            end = show_date(date.fromisoformat(str(project["ends_on"])))
            parts.append(f"{start}–{end}")
        return " · ".join(parts)

    def complete(self, state: FlowState, lang: str) -> Completion:
        change = state.context.get(CHANGE)
        if isinstance(change, Mapping):
            return self._changed(change, state.answers, lang)
        answers = state.answers
        starts = parse_date(answers.get("starts", "") or "")
        ends = parse_date(answers.get("ends", "") or "")
        project = {
            "name": answers["name"],
            "action": answers["action"],
            "role": answers["role"],
            "starts_on": starts.isoformat() if starts else None,
            "ends_on": ends.isoformat() if ends else None,
        }
        message = self.texts.text("project.created", lang, name=answers["name"])
        return Completion(messages=(message,), project=project, then=state.context.get(THEN))

    def _changed(
        self, change: Mapping[str, Any], answers: Mapping[str, Any], lang: str
    ) -> Completion:
        """A project renamed or given new dates (a skipped date is cleared)."""
        project: dict[str, Any] = {"id": change["id"]}
        if change.get("part") == "name":
            project["name"] = answers["name"]
        else:
            for step, field in (("starts", "starts_on"), ("ends", "ends_on")):
                day = parse_date(str(answers.get(step) or ""))
                project[field] = day.isoformat() if day else None
        shown = {**change, **project}
        message = self.texts.text(
            "project.changed", lang, project=self.describe({**shown, "name": shown["name"]}, lang)
        )
        return Completion(messages=(message,), project=project)
