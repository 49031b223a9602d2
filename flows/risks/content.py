"""The checklist's content: groups (the six prerequisites and the five risk kinds of the
e-material) and their items, each with a check, the risk, a typical mitigation and a suggested
response. Loaded from YAML and checked strictly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.provenance import check_told
from knowledge.texts import ContentError, Localized, read_yaml

ITEMS_PATH = Path(__file__).parent.parent / "content" / "risk_items.yaml"
GROUPS: tuple[str, ...] = (
    "prerequisites",
    "financial",
    "personnel",
    "technological",
    "time",
    "cooperation",
)
RESPONSES: tuple[str, ...] = ("avoid", "reduce", "share", "accept")  # PM² risk responses
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,15}$")
LIMITS = {"name": 40, "check": 160, "risk": 130, "mitigation": 240}
ITEM_FIELDS = frozenset(
    {
        "id",
        "group",
        "check",
        "risk",
        "mitigation",
        "response",
        "likelihood",
        "impact",
        "source",
        "note",
    }
)


@dataclass(frozen=True)
class RiskItem:
    id: str
    group: str
    check: Localized
    risk: Localized
    mitigation: Localized
    response: str
    likelihood: int
    impact: int
    source: str
    note: Localized | None = None  # shown to the user when the item is not from the e-material

    def shown(self, lang: str) -> str:
        """The check as the user sees it, with the note when there is one."""
        check = self.check.get(lang)
        return f"{check}\nℹ️ {self.note.get(lang)}" if self.note else check


@dataclass(frozen=True)
class RiskContent:
    groups: Mapping[str, Localized]
    items: tuple[RiskItem, ...]

    def in_group(self, group: str) -> list[RiskItem]:
        return [item for item in self.items if item.group == group]

    def item(self, item_id: str) -> RiskItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def _scale(value: Any, path: Path, key: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise ContentError(path, key, "expected a whole number 1–5")
    return value


def _item(raw: Any, path: Path, index: int) -> RiskItem:
    if not isinstance(raw, Mapping):
        raise ContentError(path, f"items[{index}]", "expected a mapping")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
        raise ContentError(path, f"items[{index}].id", f"not a short ascii id: {item_id!r}")
    unknown = set(raw) - ITEM_FIELDS
    if unknown:
        raise ContentError(path, item_id, f"unknown field(s): {', '.join(sorted(unknown))}")
    if raw.get("group") not in GROUPS:
        raise ContentError(path, f"{item_id}.group", f"expected one of {', '.join(GROUPS)}")
    if raw.get("response") not in RESPONSES:
        raise ContentError(path, f"{item_id}.response", f"expected one of {', '.join(RESPONSES)}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ContentError(path, f"{item_id}.source", "name where the item comes from")
    note = None
    if raw.get("note") is not None:
        note = Localized.parse_limited(raw["note"], path, f"{item_id}.note", 120)
    check_told(source, [note] if note else [], path, f"{item_id}.note")
    return RiskItem(
        id=item_id,
        group=raw["group"],
        check=Localized.parse_limited(raw.get("check"), path, f"{item_id}.check", LIMITS["check"]),
        risk=Localized.parse_limited(raw.get("risk"), path, f"{item_id}.risk", LIMITS["risk"]),
        mitigation=Localized.parse_limited(
            raw.get("mitigation"), path, f"{item_id}.mitigation", LIMITS["mitigation"]
        ),
        response=raw["response"],
        likelihood=_scale(raw.get("likelihood"), path, f"{item_id}.likelihood"),
        impact=_scale(raw.get("impact"), path, f"{item_id}.impact"),
        source=source.strip(),
        note=note,
    )


def load_risk_content(path: Path = ITEMS_PATH) -> RiskContent:
    data = read_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise ContentError(path, "(file)", "expected 'groups' and a list of 'items'")
    raw_groups = data.get("groups")
    if not isinstance(raw_groups, list):
        raise ContentError(path, "groups", "expected a list")
    groups = {}
    for i, group in enumerate(raw_groups):
        if not isinstance(group, Mapping) or group.get("id") not in GROUPS:
            raise ContentError(path, f"groups[{i}]", f"expected an id from {', '.join(GROUPS)}")
        groups[group["id"]] = Localized.parse_limited(
            group.get("name"), path, f"{group['id']}.name", LIMITS["name"]
        )
    if tuple(groups) != GROUPS:
        raise ContentError(path, "groups", f"expected exactly, in order: {', '.join(GROUPS)}")
    items = tuple(_item(raw, path, i) for i, raw in enumerate(data["items"]))
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ContentError(path, next(i for i in ids if ids.count(i) > 1), "defined twice")
    for group in GROUPS:
        count = sum(item.group == group for item in items)
        low, high = (6, 6) if group == "prerequisites" else (3, 6)
        if not low <= count <= high:
            raise ContentError(path, group, f"has {count} items; expected {low}–{high}")
    ordered = sorted(items, key=lambda item: GROUPS.index(item.group))
    return RiskContent(groups=groups, items=tuple(ordered))


@cache
def default_risk_content() -> RiskContent:
    return load_risk_content()
