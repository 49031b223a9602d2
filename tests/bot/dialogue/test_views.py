"""The pure views: a step's prompt, a landing, a result and the main menu, without a database."""

from __future__ import annotations

import pytest

from bot.app import load_texts
from bot.dialogue import callbacks, views
from bot.dialogue.messages import OutFile
from flows import engine
from flows.demo import DemoFlow
from flows.engine import Detail, FlowState, Landing, Start
from knowledge.texts import Catalogue


@pytest.fixture(scope="module")
def texts() -> Catalogue:
    return load_texts()


@pytest.fixture(scope="module")
def flow() -> DemoFlow:
    return DemoFlow()


def test_a_prompt_has_header_options_and_controls(texts: Catalogue, flow: DemoFlow) -> None:
    run = engine.start(flow, Start(context={"project": {"name": "GreenVET"}}), seq=7)
    reply = views.prompt(texts, "en", flow, run, engine.render(flow, run, "en"))
    header = reply.text.split("\n", 1)[0]
    assert flow.title.get("en") in header and "GreenVET" in header and "1/2" in header
    data = [b.data for row in reply.buttons for b in row]
    assert all(d and callbacks.decode(d) for d in data)
    assert "f:7:x" in data and "f:7:<" not in data  # pause; no "back" on the first step
    assert not any(d and d.startswith("restart:") for d in data) and not reply.edit


def test_a_resumed_prompt_offers_a_restart_and_a_later_step_back(
    texts: Catalogue, flow: DemoFlow
) -> None:
    run = engine.start(flow, seq=3)
    run, _ = engine.advance(flow, run, engine.Choose("ka2"), "lv")
    reply = views.prompt(
        texts, "lv", flow, run, engine.render(flow, run, "lv"), restart=True, edit=True
    )
    data = [b.data for row in reply.buttons for b in row]
    assert f"f:{run.seq}:<" in data and f"f:{run.seq}:>" in data  # back; skip (optional step)
    assert data[-1] == "restart:demo" and reply.edit
    assert "✍️" in reply.text  # a free-text step says so


def test_a_result_shows_pictures_then_messages_then_documents() -> None:
    chart = OutFile("chart.png", b"png", "chart", is_image=True)
    pdf = OutFile("result.pdf", b"pdf", "pdf")
    replies = views.result(["one", "two"], [pdf, chart])
    assert [r.text for r in replies] == ["chart", "one", "two", "pdf"]
    assert replies[0].files == (chart,) and replies[-1].files == (pdf,)
    assert not any(r.buttons for r in replies)


def test_a_detail_replaces_the_pressed_message_and_offers_the_others(
    texts: Catalogue, flow: DemoFlow
) -> None:
    parts = [Detail("Summary", "short"), Detail("More", "long")]
    reply = views.detail(texts, "en", flow, parts, 1)
    assert reply.text == "long" and reply.edit
    assert [b.data for row in reply.buttons for b in row] == ["det:demo:0", "menu:main"]


def test_a_landing_ends_with_its_actions_and_the_menu(texts: Catalogue, flow: DemoFlow) -> None:
    shown = Landing(messages=("summary", "last"), actions=(("quick", "Again"),))
    chart = OutFile("c.png", b"x", "c", is_image=True)
    replies = views.landing(texts, "en", flow, shown, [chart])
    assert [r.text for r in replies] == ["summary", "c", "last"]
    assert [b.data for row in replies[-1].buttons for b in row] == ["go:demo:quick", "menu:main"]


def test_the_main_menu_lists_runs_to_continue_first(texts: Catalogue, flow: DemoFlow) -> None:
    reply = views.main_menu(texts, "en", [flow], [flow], with_projects=True)
    labels = [row[0].label for row in reply.buttons]
    assert labels[0] == texts.text("menu.continue", "en", flow=flow.title.get("en"))
    assert len(labels) == 3  # continue demo, projects, ask (demo is not listed twice)
    assert reply.buttons[1][0].data == "menu:projects" and reply.buttons[2][0].data == "menu:ask"


def test_views_never_touch_the_state(texts: Catalogue, flow: DemoFlow) -> None:
    run = FlowState("demo", "topic", seq=2)
    views.prompt(texts, "lv", flow, run, engine.render(flow, run, "lv"))
    assert run == FlowState("demo", "topic", seq=2)
