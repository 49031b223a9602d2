"""What is not from the e-material says so to the user: risk items, sustainability hints and
points, DigComp statements (issue 12 item 8), checked by the loaders."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.digcomp.content import COMPETENCES_PATH, load_competences
from flows.digcomp.flow import DigCompFlow
from flows.risks.content import ITEMS_PATH as RISK_ITEMS
from flows.risks.content import load_risk_content
from flows.sustainability.content import ITEMS_PATH as PLAN_ITEMS
from flows.sustainability.content import load_plan_content
from knowledge.provenance import from_outside
from knowledge.texts import ContentError


def test_every_risk_item_from_outside_the_e_material_tells_the_user() -> None:
    content = load_risk_content()
    outside = [item for item in content.items if from_outside(item.source)]
    assert len(outside) >= 12
    for item in outside:
        assert "Nav no e-materiāla" in item.shown("lv"), item.id
        assert "Not from the e-material" in item.shown("en"), item.id
    # agreeing a working language is Erasmus+ practice: it was shown without a note before
    culture = content.item("coop-culture")
    assert culture is not None and "darba valod" in culture.shown("lv")


def test_a_risk_item_from_outside_without_a_note_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(RISK_ITEMS.read_text(encoding="utf-8"))
    item = next(i for i in data["items"] if i["id"] == "coop-culture")
    del item["note"]
    path = tmp_path / "risk_items.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"coop-culture\.note: not .*tell the user"):
        load_risk_content(path)


def test_a_sustainability_hint_from_outside_must_say_so(tmp_path: Path) -> None:
    load_plan_content()  # the shipped content passes
    data = yaml.safe_load(PLAN_ITEMS.read_text(encoding="utf-8"))
    hint = data["aspects"][0]["measure_hint"]
    hint["lv"] = hint["lv"].split(" (Nav")[0]
    hint["en"] = hint["en"].split(" (Not")[0]
    path = tmp_path / "sustainability_items.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"dissemination: not .*tell the user"):
        load_plan_content(path)
    del data["aspects"][0]["source"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"dissemination\.source"):
        load_plan_content(path)


def test_each_digcomp_statement_shows_what_is_not_from_the_e_material() -> None:
    flow = DigCompFlow()
    steps = {step.id: step for step in flow.steps()}
    annex = steps["t:1.1:1"].question  # 1.1 follows annex 2 of the e-material
    framework = steps["t:1.2:1"].question  # 1.2 is DigComp 2.2 only
    assert "Piemērs nav no e-materiāla" in annex.lv and "annex 2" in annex.en
    assert "Nav no e-materiāla: apgalvojums pēc DigComp 2.2" in framework.lv
    assert "Not from the e-material" in framework.en


def test_a_digcomp_competence_without_its_note_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(COMPETENCES_PATH.read_text(encoding="utf-8"))
    del data[4]["note"]
    path = tmp_path / "digcomp_competences.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"2\.2\.note"):
        load_competences(path)


def test_the_risk_edit_list_marks_items_not_from_the_e_material() -> None:
    from flows.risks.flow import RiskFlow

    steps = {step.id: step for step in RiskFlow().steps()}
    listing = steps["pick:cooperation"].question
    culture = next(line for line in listing.lv.splitlines() if "darba valoda" in line)
    assert culture.endswith("(ℹ️ nav no e-materiāla)")
    interests = next(line for line in listing.en.splitlines() if "interests" in line)
    assert "not from the e-material" not in interests
