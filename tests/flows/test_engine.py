"""The flow engine and the demo flow, without any transport or database."""

from __future__ import annotations

import json

import pytest

from flows.demo import DemoFlow
from flows.engine import Answer, Back, Choose, FlowState, Show, Skip, advance, render, start


@pytest.fixture
def flow() -> DemoFlow:
    return DemoFlow()


def test_start_shows_first_step_with_progress(flow: DemoFlow) -> None:
    state = start(flow)
    prompt = render(flow, state, "lv")
    assert state.step == "topic"
    assert (prompt.position, prompt.total) == (1, 2)
    assert [o[0] for o in prompt.options] == ["ka2", "cove", "digcomp"]
    assert not prompt.can_back and not prompt.can_skip


def test_choice_then_text_completes_with_summary_and_record(flow: DemoFlow) -> None:
    state, out = advance(flow, start(flow), Choose("cove"), "en")
    assert state.step == "goal" and out.prompt and out.prompt.can_back
    state, out = advance(flow, state, Answer("  Find   partners  "), "en")
    assert state.step is None and out.completion is not None
    assert out.completion.record == {"topic": "cove", "goal": "Find partners"}
    assert "Centres of Vocational Excellence" in out.completion.messages[0]


def test_unknown_option_and_text_on_a_button_step_keep_the_state(flow: DemoFlow) -> None:
    state = start(flow)
    for event in (Choose("nope"), Answer("hello")):
        same, out = advance(flow, state, event, "lv")
        assert same == state and not out.changed
        assert out.notes and out.prompt and out.prompt.step == "topic"


def test_back_returns_to_previous_step_and_keeps_answer(flow: DemoFlow) -> None:
    state, _ = advance(flow, start(flow), Choose("ka2"), "lv")
    back, out = advance(flow, state, Back(), "lv")
    assert back.step == "topic" and back.answers == {"topic": "ka2"}
    assert back.seq > state.seq
    first, out = advance(flow, back, Back(), "lv")
    assert first == back and out.notes  # nothing before the first step


def test_skip_only_where_allowed(flow: DemoFlow) -> None:
    state = start(flow)
    same, out = advance(flow, state, Skip(), "lv")
    assert same == state and out.notes
    state, _ = advance(flow, state, Choose("ka2"), "lv")
    done, out = advance(flow, state, Skip(), "lv")
    assert done.step is None and out.completion is not None
    assert "goal" not in done.answers


@pytest.mark.parametrize("text", ["", "   ", "x" * 301])
def test_empty_or_too_long_text_is_refused(flow: DemoFlow, text: str) -> None:
    state, _ = advance(flow, start(flow), Choose("ka2"), "lv")
    same, out = advance(flow, state, Answer(text), "lv")
    assert same == state and out.notes


def test_state_round_trips_through_json(flow: DemoFlow) -> None:
    state, _ = advance(flow, start(flow), Choose("digcomp"), "lv")
    restored = FlowState.from_json(json.loads(json.dumps(state.to_json())))
    assert restored == state
    again, out = advance(flow, restored, Show(), "lv")
    assert again == state and out.prompt and out.prompt.position == 2


def test_every_step_text_exists_in_both_languages(flow: DemoFlow) -> None:
    for step in flow.steps():
        assert step.question.lv and step.question.en
        for option in step.options:
            assert option.label.lv and option.label.en
