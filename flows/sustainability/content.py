"""The plan's content: the e-material's five aspects of what happens after a project (4.2) with
suggestion buttons, the four quality criteria (4.1) with yes/partly/no questions and advice, and
the points every plan must include. Loaded from YAML and checked strictly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.provenance import check_told
from knowledge.texts import ContentError, Localized, read_yaml

ITEMS_PATH = Path(__file__).parent.parent / "content" / "sustainability_items.yaml"
ASPECTS: tuple[str, ...] = ("dissemination", "integration", "funding", "partnerships", "evaluation")
CRITERIA: tuple[str, ...] = ("relevance", "design", "partnership", "impact")
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,13}$")


@dataclass(frozen=True)
class Aspect:
    id: str
    name: Localized
    question: Localized
    options: tuple[tuple[str, Localized], ...]
    what_hint: Localized
    measure_hint: Localized

    def option(self, option_id: str) -> Localized | None:
        return next((label for oid, label in self.options if oid == option_id), None)


@dataclass(frozen=True)
class Question:
    id: str
    criterion: str
    text: Localized
    advice: Localized


@dataclass(frozen=True)
class Criterion:
    id: str
    name: Localized
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class PlanContent:
    aspects: tuple[Aspect, ...]
    criteria: tuple[Criterion, ...]
    mandatory: tuple[Localized, ...]

    def aspect(self, aspect_id: str) -> Aspect:
        return next(a for a in self.aspects if a.id == aspect_id)

    @property
    def questions(self) -> list[Question]:
        return [q for c in self.criteria for q in c.questions]


def _id(value: Any, path: Path, key: str) -> str:
    if not isinstance(value, str) or not ID.match(value):
        raise ContentError(path, key, f"not a short ascii id: {value!r}")
    return value


def _source(raw: Mapping[str, Any], shown: list[Localized], path: Path, key: str) -> None:
    """Every item names its source; what is not from the e-material says so to the user."""
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ContentError(path, f"{key}.source", "name where the item comes from")
    check_told(source, shown, path, key)


def _aspect(raw: Mapping[str, Any], path: Path) -> Aspect:
    key = str(raw.get("id"))
    options = raw.get("options")
    if not isinstance(options, list) or not 3 <= len(options) <= 8:
        raise ContentError(path, f"{key}.options", "expected 3–8 suggestion buttons")
    parsed = tuple(
        (
            _id(o.get("id") if isinstance(o, Mapping) else None, path, f"{key}.options[{i}]"),
            Localized.parse_limited(o.get("label"), path, f"{key}.options[{i}].label", 30),
        )
        for i, o in enumerate(options)
    )
    if len({oid for oid, _ in parsed}) != len(parsed):
        raise ContentError(path, f"{key}.options", "option ids must be unique")
    aspect = Aspect(
        id=key,
        name=Localized.parse_limited(raw.get("name"), path, f"{key}.name", 40),
        question=Localized.parse_limited(raw.get("question"), path, f"{key}.question", 200),
        options=parsed,
        what_hint=Localized.parse_limited(raw.get("what_hint"), path, f"{key}.what_hint", 200),
        measure_hint=Localized.parse_limited(
            raw.get("measure_hint"), path, f"{key}.measure_hint", 150
        ),
    )
    _source(raw, [aspect.question, aspect.what_hint, aspect.measure_hint], path, key)
    return aspect


def _criterion(raw: Mapping[str, Any], path: Path) -> Criterion:
    key = str(raw.get("id"))
    questions = raw.get("questions")
    if not isinstance(questions, list) or not 2 <= len(questions) <= 5:
        raise ContentError(path, f"{key}.questions", "expected 2–5 questions")
    criterion = Criterion(
        id=key,
        name=Localized.parse_limited(raw.get("name"), path, f"{key}.name", 60),
        questions=tuple(
            Question(
                id=_id(q.get("id"), path, f"{key}.questions[{i}].id"),
                criterion=key,
                text=Localized.parse_limited(q.get("text"), path, f"{key}.questions[{i}]", 200),
                advice=Localized.parse_limited(q.get("advice"), path, f"{key}.advice[{i}]", 280),
            )
            for i, q in enumerate(questions)
        ),
    )
    shown = [text for q in criterion.questions for text in (q.text, q.advice)]
    _source(raw, shown, path, key)
    return criterion


def load_plan_content(path: Path = ITEMS_PATH) -> PlanContent:
    data = read_yaml(path)
    if not isinstance(data, Mapping):
        raise ContentError(path, "(file)", "expected aspects, criteria and mandatory")
    for field in ("aspects", "criteria", "mandatory"):
        if not isinstance(data.get(field), list):
            raise ContentError(path, field, "expected a list")
        if not all(isinstance(item, Mapping) for item in data[field]):
            raise ContentError(path, field, "expected a list of mappings")
    aspects = tuple(_aspect(raw, path) for raw in data["aspects"])
    if tuple(a.id for a in aspects) != ASPECTS:
        raise ContentError(path, "aspects", f"expected exactly, in order: {', '.join(ASPECTS)}")
    criteria = tuple(_criterion(raw, path) for raw in data["criteria"])
    if tuple(c.id for c in criteria) != CRITERIA:
        raise ContentError(path, "criteria", f"expected exactly, in order: {', '.join(CRITERIA)}")
    ids = [q.id for c in criteria for q in c.questions]
    if len(set(ids)) != len(ids):
        raise ContentError(path, "criteria", "question ids must be unique")
    mandatory = tuple(
        Localized.parse_limited(m.get("text"), path, f"mandatory[{i}]", 260)
        for i, m in enumerate(data["mandatory"])
    )
    for i, (raw, text) in enumerate(zip(data["mandatory"], mandatory, strict=True)):
        _source(raw, [text], path, f"mandatory[{i}]")
    if not mandatory:
        raise ContentError(path, "mandatory", "name at least one mandatory point")
    return PlanContent(aspects=aspects, criteria=criteria, mandatory=mandatory)


@cache
def default_plan_content() -> PlanContent:
    return load_plan_content()
