"""The DigComp content: the framework's shape, both languages, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.digcomp.content import (
    AREA_SIZES,
    BANDS,
    COMPETENCES_PATH,
    STATEMENT_LIMIT,
    default_competences,
    load_competences,
)
from flows.digcomp.flow import DigCompFlow
from knowledge.texts import ContentError

ANNEX_2 = {"1.1", "2.1", "3.1", "4.1", "5.3"}  # competences the seed describes level by level


def test_five_areas_and_twenty_one_competences_in_order() -> None:
    competences = default_competences()
    assert len(competences) == 21
    assert {a: sum(c.area == a for c in competences) for a in AREA_SIZES} == AREA_SIZES


def test_every_competence_has_a_statement_per_band_in_both_languages() -> None:
    for competence in default_competences():
        assert set(competence.statements) == set(BANDS)
        for statement in competence.statements.values():
            assert statement.lv.startswith("Es protu") and statement.en.startswith("I can")
            assert len(statement.lv) <= STATEMENT_LIMIT and len(statement.en) <= STATEMENT_LIMIT
        assert "DigComp 2.2" in competence.source
        if competence.code in ANNEX_2:
            assert "annex 2" in competence.source


def test_the_flow_texts_exist_in_both_languages() -> None:
    flow = DigCompFlow()
    for key in flow.texts:
        text = flow.texts.localized(key)
        assert text.lv.strip() and text.en.strip()
    for area in AREA_SIZES:
        assert f"digcomp.area.{area}" in flow.texts


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "competences.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _original() -> list[dict]:
    return yaml.safe_load(COMPETENCES_PATH.read_text(encoding="utf-8"))


def test_a_missing_translation_names_the_file_and_competence(tmp_path: Path) -> None:
    data = _original()
    del data[4]["statements"]["advanced"]["en"]
    with pytest.raises(ContentError, match=r"competences\.yaml: 2\.2\.statements\.advanced\.en"):
        load_competences(_write(tmp_path, data))


def test_a_missing_competence_or_a_broken_file_is_named(tmp_path: Path) -> None:
    data = _original()
    del data[20]
    with pytest.raises(ContentError, match="area 5"):
        load_competences(_write(tmp_path, data))
    broken = tmp_path / "broken.yaml"
    broken.write_text("- code: '1.1'\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"broken\.yaml.*not valid YAML"):
        load_competences(broken)


def test_a_too_long_chart_label_is_refused(tmp_path: Path) -> None:
    data = _original()
    data[0]["short"]["lv"] = "Ļoti gara etiķete, kas neietilpst grafikā"
    with pytest.raises(ContentError, match=r"1\.1\.short\.lv: longer than"):
        load_competences(_write(tmp_path, data))
