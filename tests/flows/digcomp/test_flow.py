"""The DigComp flow through the engine: both modes, the result, the files and the history."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from flows import engine
from flows.digcomp.flow import PREVIOUS, DigCompFlow
from flows.engine import CONTACT, Completion, FlowState, Record, Start

TODAY = date(2026, 11, 25)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def flow() -> DigCompFlow:
    return DigCompFlow(clock=lambda: TODAY)


def run(
    flow: DigCompFlow, begin: Start | None, rating: str, lang: str = "lv"
) -> tuple[int, Completion, list[engine.Prompt]]:
    """Answer every question with ``rating``; the number of questions, the result, the prompts."""
    state = engine.start(flow, begin)
    prompts = []
    while state.step is not None:
        prompts.append(engine.render(flow, state, lang))
        state, output = engine.advance(flow, state, engine.Choose(rating), lang)
        assert output.changed, output.notes  # a refused answer would loop forever
    assert output.completion is not None
    return len(prompts), output.completion, prompts


def pdf_text(completion: Completion) -> tuple[int, str]:
    pdf = next(f for f in completion.files if f.filename.endswith(".pdf"))
    reader = PdfReader(io.BytesIO(pdf.data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_mode_question_comes_first_unless_the_command_names_a_mode(flow: DigCompFlow) -> None:
    assert engine.start(flow, flow.begin("", None)).step == "mode"
    assert engine.start(flow, flow.begin("quick", None)).step == "q:1.1"
    assert engine.start(flow, flow.begin("full", None)).step == "t:1.1:1"
    assert flow.begin("ātrais", None) == flow.begin("quick", None)
    assert flow.begin("nonsense", None) is None


def test_quick_mode_asks_21_questions_with_progress(flow: DigCompFlow) -> None:
    count, completion, prompts = run(flow, flow.begin("quick", None), "2")
    assert count == 21
    assert [(p.position, p.total) for p in prompts] == [(n, 21) for n in range(1, 22)]
    assert len(prompts[0].options) == 4 and prompts[0].can_skip
    assert completion.record is not None
    assert completion.record["mode"] == "quick"
    assert set(completion.record["levels"].values()) == {4}
    assert "Kopumā: 4. līmenis — Vidējais līmenis" in completion.messages[0]


def test_thorough_mode_asks_two_to_four_statements_per_competence(flow: DigCompFlow) -> None:
    lowest, _, prompts = run(flow, flow.begin("full", None), "0")
    highest, completion, _ = run(flow, flow.begin("full", None), "3")
    assert (lowest, highest) == (42, 84)
    assert {p.total for p in prompts} == {21}  # progress counts competences, not statements
    assert completion.record is not None and set(completion.record["levels"].values()) == {8}
    assert "Kopumā: 8. līmenis — Īpaši specializētais līmenis" in completion.messages[0]


def test_the_result_has_profile_next_steps_note_chart_and_one_page_pdf(flow: DigCompFlow) -> None:
    begin = flow.begin("quick", None)
    assert begin is not None
    state = engine.start(flow, Start({**begin.answers, "q:3.4": "0"}, begin.context))
    while state.step is not None:
        rating = "0" if state.step in {"q:3.4", "q:5.4"} else "3"
        state, output = engine.advance(flow, state, engine.Choose(rating), "lv")
    completion = output.completion
    assert completion is not None
    [summary] = completion.messages  # one short message; the sections come on demand
    assert summary.count("\n") < 15
    assert "🟧 3. Digitālā satura veidošana: 4. līmenis (vidējais)" in summary
    assert "Tas nozīmē:" in summary and "nevis sertifikāts" in summary
    assert completion.details  # the sections come as buttons under the summary
    last = Record(completion.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    shown, profile, next_steps, note = (d.text for d in flow.details(last, "lv"))
    assert shown == summary
    assert "• 3.4 Programmēšana — 1" in profile
    assert "🟧 3. Digitālā satura veidošana: 4. līmenis (vidējais)" in profile
    assert "1) 3.4" in next_steps and "2) 5.4" in next_steps
    assert "Europass" in next_steps and "DigCompEdu" in next_steps and "SELFIE" in next_steps
    assert "nevis sertifikāts" in note and "4." in note
    chart, pdf = completion.files
    assert chart.is_image and chart.data.startswith(PNG)
    assert pdf.filename == "digcomp-pasnovertejums-2026-11-25.pdf"
    pages, text = pdf_text(completion)
    assert pages == 1
    for expected in ("DigComp 2.2", "25.11.2026", "Kopumā: 5. līmenis", "3.4", "JRC128415"):
        assert expected in text


def test_skipping_everything_scores_nothing_and_keeps_no_record(flow: DigCompFlow) -> None:
    state = engine.start(flow, flow.begin("quick", None))
    while state.step is not None:
        state, output = engine.advance(flow, state, engine.Skip(), "en")
    assert output.completion is not None and output.completion.record is None
    assert "nothing to score" in output.completion.messages[0]


def test_going_back_to_change_the_mode_ignores_the_other_modes_answers(flow: DigCompFlow) -> None:
    state = engine.start(flow, {})
    state, _ = engine.advance(flow, state, engine.Choose("quick"), "lv")
    state, _ = engine.advance(flow, state, engine.Choose("3"), "lv")
    state, _ = engine.advance(flow, state, engine.Back(), "lv")
    state, _ = engine.advance(flow, state, engine.Back(), "lv")
    assert state.step == "mode"
    state, _ = engine.advance(flow, state, engine.Choose("full"), "lv")
    while state.step is not None:
        state, output = engine.advance(flow, state, engine.Choose("1"), "lv")
    record = output.completion.record
    assert record["mode"] == "full" and "q:1.1" not in record["answers"]
    assert set(record["levels"].values()) == {2}  # "with help" on the intermediate statements


def test_a_retake_shows_the_change_per_area_since_last_time(flow: DigCompFlow) -> None:
    _, first, _ = run(flow, flow.begin("quick", None), "1")
    last = Record(first.record, datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    _, second, _ = run(flow, flow.begin("quick", last), "2", "en")
    assert ", +2 since 01.10.2026" in second.messages[0]
    kept = Record(second.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    change = flow.details(kept, "en")[3].text
    assert change.startswith("📈 Change since 01.10.2026:")
    assert "1. Information and data literacy: 2 → 4 (+2)" in change


def test_landing_shows_the_last_result_and_offers_retakes_and_the_pdf(flow: DigCompFlow) -> None:
    _, first, _ = run(flow, flow.begin("quick", None), "2")
    last = Record(first.record, datetime(2026, 10, 1, 23, 30, tzinfo=UTC))
    landing = flow.landing(last, "lv")
    assert "02.10.2026" in landing.messages[0]  # shown in Latvian time
    assert "Kopumā: 4. līmenis" in landing.messages[0]
    assert [arg for arg, _ in landing.actions] == ["quick", "full", "pdf"]
    assert landing.files[0].data.startswith(PNG)
    exported = flow.act("pdf", last, "en")
    assert exported is not None and exported.files[0].filename.endswith(".pdf")
    assert flow.act("unknown", last, "en") is None


def test_a_damaged_history_record_does_not_break_the_landing(flow: DigCompFlow) -> None:
    last = Record({"levels": {"1.1": 99, "1.2": "x", "1.3": 3}}, datetime(2026, 1, 1, tzinfo=UTC))
    landing = flow.landing(last, "en")
    assert "Overall: level 3" in landing.messages[0]
    assert flow.begin("", last).context[PREVIOUS]["areas"]["2"] is None


def test_state_round_trips_through_json(flow: DigCompFlow) -> None:
    state = engine.start(flow, flow.begin("full", None))
    state, _ = engine.advance(flow, state, engine.Choose("2"), "lv")
    assert FlowState.from_json(state.to_json()) == state


def test_a_quick_retake_after_a_thorough_one_shows_no_fake_drop(flow: DigCompFlow) -> None:
    _, thorough, _ = run(flow, flow.begin("full", None), "3")
    last = Record(thorough.record, datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    _, quick, _ = run(flow, flow.begin("quick", last), "3", "en")
    [summary] = quick.messages
    assert "(-" not in summary and "came from the other mode" in summary
    kept = Record(quick.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert not any(d.text.startswith("📈") for d in flow.details(kept, "en"))


def test_every_section_of_a_result_fits_a_phone_message(flow: DigCompFlow) -> None:
    _, first, _ = run(flow, flow.begin("quick", None), "1")
    last = Record(first.record, datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    _, second, _ = run(flow, flow.begin("quick", last), "2")
    kept = Record(second.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert second.messages[0].count("\n") < 15
    for section in flow.details(kept, "lv"):
        assert len(section.text) < 4096


def test_the_name_on_the_pdf_is_a_run_of_one_step_on_the_last_result(flow: DigCompFlow) -> None:
    """Item 8: "add my name" asks one question (no progress), keeps the answer as the user's
    document name and makes the PDF again with it; a long name still fits one page."""
    assert flow.begin("name", None) is None  # nothing to print a name on yet
    _, first, _ = run(flow, flow.begin("full", None), "3")
    pdf = next(f for f in first.files if f.filename.endswith(".pdf"))
    assert pdf.action is not None and pdf.action[0] == "name"
    last = Record(first.record, datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    begin = flow.begin("name", last)
    assert begin is not None
    state = engine.start(flow, Start(begin.answers, {**begin.context, CONTACT: {}}))
    prompt = engine.render(flow, state, "lv")
    assert state.step == "name" and prompt.position == 0 and prompt.default is None
    name = "Anna Bērziņa-Kalniņa " + "Ā" * 58
    state, output = engine.advance(flow, state, engine.Answer(name), "lv")
    done = output.completion
    assert done is not None and done.record is None  # the history is not touched
    assert done.contact == {"document_name": name}
    pages, text = pdf_text(done)
    assert pages == 1 and "Anna Bērziņa-Kalniņa" in text
    # Once answered, results print it and no longer ask.
    kept = Start(context={CONTACT: {"document_name": name}})
    _, second, _ = run(flow, Start({"mode": "quick"}, {**kept.context, "preset": True}), "2")
    pdf = next(f for f in second.files if f.filename.endswith(".pdf"))
    assert pdf.action is None and "Anna Bērziņa-Kalniņa" in pdf_text(second)[1]


def test_the_quick_result_explains_its_ceiling_and_the_chart_names_level_and_mode(
    flow: DigCompFlow,
) -> None:
    """Item 8: the quick mode says it cannot show levels above 5; the chart's title (on the
    picture itself) carries the overall level and the mode."""
    _, quick, _ = run(flow, flow.begin("quick", None), "3", "en")
    assert "The quick mode goes up to level 5" in quick.messages[0]
    _, full, _ = run(flow, flow.begin("full", None), "3", "en")
    assert "The quick mode goes up to level 5" not in full.messages[0]
    for completion, title in ((quick, "Level 5 · quick"), (full, "Level 8 · thorough")):
        last = Record(completion.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
        report = flow._report_of(last, "en")
        assert report.chart_labels().title == f"{title} · 25.11.2026"
