"""Loading the knowledge base from YAML files and checking it as a whole."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.schema import Entry, parse_entry
from knowledge.texts import ContentError, read_yaml

CONTENT_DIR = Path(__file__).parent / "content"
# An answer about self-assessment offers the DigComp self-assessment (/digcomp) as a button.
_SELF_ASSESSMENT = re.compile(r"pašnovērtēj|self-assess", re.IGNORECASE)


@dataclass(frozen=True)
class KnowledgeBase:
    """All entries by id, in file order."""

    entries: tuple[Entry, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.entries)


def load_files(paths: Iterable[Path]) -> list[Entry]:
    entries: list[Entry] = []
    for path in paths:
        data = read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise ContentError(path, "(file)", "expected a top-level 'entries' list")
        entries.extend(parse_entry(raw, path, i) for i, raw in enumerate(data["entries"]))
    return entries


def check_references(entries: list[Entry], flow_ids: Iterable[str]) -> None:
    """Unique ids; related ids and flows that exist. Raises ContentError on the first problem."""
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen:
            raise ContentError(entry.path, entry.id, f"duplicate id (also in {seen[entry.id]})")
        seen[entry.id] = entry.path
    known_flows = set(flow_ids)
    for entry in entries:
        texts = f"{entry.answer.lv} {entry.answer.en}"
        if (
            "digcomp" in known_flows
            and "digcomp" not in entry.flows
            and _SELF_ASSESSMENT.search(texts)
        ):
            raise ContentError(
                entry.path, f"{entry.id}.flows", "speaks of self-assessment: offer the digcomp flow"
            )
        for related in entry.related:
            if related not in seen:
                raise ContentError(entry.path, f"{entry.id}.related", f"no entry {related!r}")
            if related == entry.id:
                raise ContentError(entry.path, f"{entry.id}.related", "refers to itself")
        for flow in entry.flows:
            if flow not in known_flows:
                raise ContentError(entry.path, f"{entry.id}.flows", f"no flow {flow!r}")


def load_knowledge(flow_ids: Iterable[str], directory: Path = CONTENT_DIR) -> KnowledgeBase:
    """Every ``*.yaml`` file in ``directory``, parsed and checked."""
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ContentError(directory, "(directory)", "no knowledge-base files found")
    entries = load_files(paths)
    check_references(entries, flow_ids)
    return KnowledgeBase(tuple(entries))
