"""Document recipes: what a document job carries so that any worker, later, makes the same file.

A recipe is JSON, never a Python object: the flow's id, the language, the day the result was
asked for (flows stamp documents with it) and either the finished run's answers and context
(``complete``) or the kept record a landing or an export is made from (``landing``, ``act``,
with the action's argument); a teacher's group report (``group``) carries its anonymous
aggregate instead (``flows.groups.recipe``: no learner in it). ``build_files`` adds which of the
result's files (``index``) and its ``filename``. ``make`` runs the flow's pure step again from
it and builds that one file (in the document helper when isolation is on): the same bytes as
building it at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flows import isolation
from flows.dates import as_of, local_today
from flows.digcomp.content import default_competences
from flows.engine import FileSpec, FlowState, Record
from flows.groups.recipe import report_from_json, report_json
from flows.groups.report import GroupReport
from flows.registry import FlowRegistry

JSON = dict[str, Any]


class RecipeError(ValueError):
    """A recipe that no longer names a file this code can make (a flow or file gone)."""


def completion_recipe(run: FlowState, lang: str) -> JSON:
    """How to make the files of ``run``'s completion again."""
    return {
        "kind": "complete",
        "flow": run.flow,
        "answers": run.answers,
        "context": run.context,
        "lang": lang,
        "day": local_today().isoformat(),
    }


def record_recipe(
    kind: str,
    flow_id: str,
    last: Record,
    lang: str,
    arg: str = "",
    kept: Mapping[str, Any] | None = None,
) -> JSON:
    """How to make the files of a landing (``kind`` "landing") or an action ("act") again;
    ``kept``: what the action is given besides the record (the user's contact details)."""
    return {
        "kind": kind,
        "flow": flow_id,
        "record": last.data,
        "shown": last.shown,
        "created_at": last.created_at.isoformat(),
        "arg": arg,
        "kept": dict(kept or {}),
        "lang": lang,
        "day": local_today().isoformat(),
    }


def group_report_recipe(report: GroupReport) -> JSON:
    """How to make the files of a group's report again: from its aggregate alone."""
    return {"kind": "group", "report": report_json(report), "lang": report.lang}


def spec(flows: FlowRegistry, recipe: Mapping[str, Any]) -> FileSpec:
    """The file ``recipe`` names, not built yet."""
    if recipe.get("kind") == "group":
        report = report_from_json(recipe["report"], default_competences())
        return _pick((report.chart_file(), report.xlsx_file()), recipe)
    flow = flows.get(str(recipe.get("flow")))
    if flow is None:
        raise RecipeError("the recipe's flow is not registered")
    lang = str(recipe["lang"])
    with as_of(date.fromisoformat(str(recipe["day"]))):
        kind = recipe.get("kind")
        files: tuple[FileSpec, ...] = ()
        if kind == "complete":
            state = FlowState(
                flow=flow.id,
                step=None,
                answers=dict(recipe["answers"]),
                context=dict(recipe["context"]),
            )
            files = flow.complete(state, lang).files
        elif kind in ("landing", "act"):
            last = Record(
                dict(recipe["record"]),
                datetime.fromisoformat(recipe["created_at"]),
                dict(recipe.get("shown") or {}),
            )
            made = (
                flow.landing(last, lang)
                if kind == "landing"
                else flow.act(str(recipe["arg"]), last, lang, dict(recipe.get("kept") or {}))
            )
            files = made.files if made is not None else ()
        return _pick(files, recipe)


def _pick(files: tuple[FileSpec, ...], recipe: Mapping[str, Any]) -> FileSpec:
    """The one of ``files`` the recipe names (by its index, checked by its file name)."""
    index = int(recipe["index"])
    if not 0 <= index < len(files) or files[index].filename != recipe["filename"]:
        raise RecipeError("the recipe no longer names one of the result's files")
    return files[index]


def make(flows: FlowRegistry, recipe: Mapping[str, Any]) -> bytes:
    """The bytes of the file ``recipe`` names (in the document helper when isolation is on)."""
    found = spec(flows, recipe)
    return isolation.build(found.build)
