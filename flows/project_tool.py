"""What the coordinator tools share: they work on the active project (the core hands it over in
the answers), they can be started again or edit the last result, and their history record keeps
the answers together with the project they were given for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.engine import JSON, PROJECT, Flow, Record, edit_answers


class ProjectTool(Flow):
    """A flow on the user's active project. ``/<tool>`` with a result offers "edit" and "new"."""

    needs_project = True

    def begin(self, arg: str, last: Record | None) -> JSON | None:
        if not arg or arg == "new":
            return {}
        return edit_answers(last) if arg == "edit" else None

    @staticmethod
    def project_of(answers: Mapping[str, Any]) -> JSON:
        """The project a run works on (empty when the answers carry none)."""
        project = answers.get(PROJECT)
        return dict(project) if isinstance(project, Mapping) else {}

    @classmethod
    def record(cls, answers: Mapping[str, Any], **extra: Any) -> JSON:
        """The history record of a finished run: its answers, its project, and ``extra``."""
        kept = {key: value for key, value in answers.items() if key != PROJECT}
        return {"version": 1, "answers": kept, PROJECT: cls.project_of(answers), **extra}

    @classmethod
    def last_answers(cls, last: Record) -> JSON:
        """A record's answers with its project, as a run had them (damaged parts are dropped)."""
        kept = last.data.get("answers")
        answers = dict(kept) if isinstance(kept, Mapping) else {}
        return {**answers, PROJECT: cls.project_of(last.data)}
