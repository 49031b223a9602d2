"""The project set-up flow."""

from __future__ import annotations

from flows import engine
from flows.engine import THEN, Start
from flows.projects import ProjectFlow


def test_project_flow_collects_a_project_and_names_the_next_tool() -> None:
    flow = ProjectFlow()
    state = engine.start(flow, Start(context={THEN: "risks"}))
    for event in (
        engine.Answer("GreenVET"),
        engine.Choose("ka2"),
        engine.Choose("coordinator"),
        engine.Answer("01.09.2025"),
    ):
        state, output = engine.advance(flow, state, event, "lv")
    state, output = engine.advance(flow, state, engine.Answer("31.08.2024"), "lv")
    assert "pirms sākuma" in output.notes[0] and state.step == "ends"
    state, output = engine.advance(flow, state, engine.Answer("31.08.2027"), "lv")
    completion = output.completion
    assert completion is not None and completion.then == "risks"
    assert completion.project == {
        "name": "GreenVET",
        "action": "ka2",
        "role": "coordinator",
        "starts_on": "2025-09-01",
        "ends_on": "2027-08-31",
    }
    assert "GreenVET" in flow.describe(completion.project, "en")
    assert "KA2 cooperation partnership" in flow.describe(completion.project, "en")


def test_dates_can_be_skipped_and_a_bad_date_is_re_asked() -> None:
    flow = ProjectFlow()
    state = engine.start(flow)
    for event in (engine.Answer("X"), engine.Choose("ka1"), engine.Choose("partner")):
        state, _ = engine.advance(flow, state, event, "en")
    state, output = engine.advance(flow, state, engine.Answer("someday"), "en")
    assert "can't read that date" in output.notes[0]
    state, _ = engine.advance(flow, state, engine.Skip(), "en")
    state, output = engine.advance(flow, state, engine.Skip(), "en")
    assert output.completion.project["starts_on"] is None
