"""The DigComp 2.2 framework as the self-assessment uses it: 5 areas, 21 competences, and for
each competence its statements at the four level bands. Loaded from YAML and checked strictly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.provenance import check_told
from knowledge.texts import ContentError, Localized, read_yaml

COMPETENCES_PATH = Path(__file__).parent.parent / "content" / "digcomp_competences.yaml"

BANDS: tuple[str, ...] = ("foundation", "intermediate", "advanced", "specialised")
AREA_SIZES: dict[str, int] = {"1": 3, "2": 6, "3": 4, "4": 4, "5": 4}  # DigComp 2.2's 21
SHORT_LIMIT = 26  # chart labels
DESCRIPTION_LIMIT = 200
STATEMENT_LIMIT = 160
PRACTISE_LIMIT = 240
FIELDS = frozenset(
    {"code", "name", "short", "description", "statements", "practise", "source", "note"}
)
NOTE_LIMIT = 120


@dataclass(frozen=True)
class Competence:
    """One of the 21 competences, with an "I can…" statement for each band."""

    code: str
    name: Localized
    short: Localized
    description: Localized
    statements: Mapping[str, Localized]
    practise: Localized
    source: str
    note: Localized | None = None  # under each statement: what in it is not from the e-material

    @property
    def area(self) -> str:
        return self.code.split(".", 1)[0]


def _text(item: Mapping[str, Any], field: str, path: Path, key: str, limit: int) -> Localized:
    return Localized.parse_limited(item.get(field), path, f"{key}.{field}", limit)


def parse_competence(item: Any, path: Path, index: int) -> Competence:
    key = f"[{index}]"
    if not isinstance(item, Mapping):
        raise ContentError(path, key, "expected a mapping")
    code = item.get("code")
    if not isinstance(code, str) or code.split(".", 1)[0] not in AREA_SIZES:
        raise ContentError(path, f"{key}.code", f"not a DigComp competence code: {code!r}")
    key = code
    unknown = set(item) - FIELDS
    if unknown:
        raise ContentError(path, key, f"unknown field(s): {', '.join(sorted(unknown))}")
    statements = item.get("statements")
    if not isinstance(statements, Mapping) or set(statements) != set(BANDS):
        raise ContentError(path, f"{key}.statements", f"needs exactly: {', '.join(BANDS)}")
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ContentError(path, f"{key}.source", "name the source of the statements")
    note = None
    if item.get("note") is not None:
        note = _text(item, "note", path, key, NOTE_LIMIT)
    check_told(source, [note] if note else [], path, f"{key}.note")
    return Competence(
        code=code,
        name=Localized.parse(item.get("name"), path, f"{key}.name"),
        short=_text(item, "short", path, key, SHORT_LIMIT),
        description=_text(item, "description", path, key, DESCRIPTION_LIMIT),
        statements={
            b: _text(statements, b, path, f"{key}.statements", STATEMENT_LIMIT) for b in BANDS
        },
        practise=_text(item, "practise", path, key, PRACTISE_LIMIT),
        source=source.strip(),
        note=note,
    )


def load_competences(path: Path = COMPETENCES_PATH) -> tuple[Competence, ...]:
    """All 21 competences in DigComp order; a ContentError names the file and the competence."""
    data = read_yaml(path)
    if not isinstance(data, list):
        raise ContentError(path, "(file)", "expected a list of competences")
    competences = tuple(parse_competence(item, path, i) for i, item in enumerate(data))
    codes = [c.code for c in competences]
    if len(set(codes)) != len(codes):
        duplicate = next(c for c in codes if codes.count(c) > 1)
        raise ContentError(path, duplicate, "defined twice")
    for area, size in AREA_SIZES.items():
        expected = [f"{area}.{n}" for n in range(1, size + 1)]
        found = [c for c in codes if c.split(".", 1)[0] == area]
        if found != expected:
            raise ContentError(path, f"area {area}", f"expected {expected} in order, found {found}")
    return competences


@cache
def default_competences() -> tuple[Competence, ...]:
    return load_competences()
