"""The project set-up flow: name, Erasmus+ action, role and dates. The core stores the project
and makes it active; coordinator tools then work on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flows.dates import parse_date, show_date
from flows.engine import THEN, Completion, Flow, FlowState, Option, Start, Step
from flows.texts import load_flow_texts

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
        self._steps = (
            Step("name", t("project.name.question"), free_text=True, max_length=NAME_LIMIT),
            Step(
                "action",
                t("project.action.question"),
                options=tuple(Option(a, t(f"project.action.{a}")) for a in ACTIONS),
            ),
            Step(
                "role",
                t("project.role.question"),
                options=tuple(Option(r, t(f"project.role.{r}")) for r in ROLES),
                columns=2,
            ),
            Step("starts", t("project.starts.question"), free_text=True, skippable=True),
            Step("ends", t("project.ends.question"), free_text=True, skippable=True),
        )

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
