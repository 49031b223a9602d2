"""The partner-search call: ready to post (who to contact, the project's dates, a reply-by date),
several kinds of partner, and the other language's call never a silent copy of the user's text."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from docx import Document

from flows import engine
from flows.engine import CONTACT, KEEP, PROJECT, Completion, Record, Start
from flows.partners import PartnersFlow

TODAY = date(2026, 12, 1)
PROJECT_INFO = {
    "id": 1,
    "name": "GreenVET",
    "action": "ka2",
    "role": "coordinator",
    "starts_on": "2027-09-01",
    "ends_on": "2029-08-31",
}
TEXTS = {
    "field": "metālapstrāde",
    "country": "Somija",
    "goals": "Uzlabot praksi uzņēmumos",
    "activities": "Kopīgi moduļi",
    "results": "E-kurss",
    "role": "Prakses vietu tīkls",
    "institution": "Rīgas Valsts tehnikums",
    "person": "Anna Bērziņa",
    "email": "anna@rvt.lv",
    "city": "Rīga, Latvija",
}
ENGLISH = {
    "x:field": "metalworking",
    "x:country": "Finland",
    "x:goals": "Better placements in companies",
    "x:activities": "Joint modules",
    "x:results": "An e-course",
    "x:role": "A network of placements",
    "x:city": "Riga, Latvia",
}


def run(
    flow: PartnersFlow,
    *,
    english: str = "mark",
    project: dict[str, object] | None = None,
    contact: dict[str, str] | None = None,
    orgs: tuple[str, ...] = ("company", "ngo"),
) -> tuple[Completion, list[str]]:
    """Answer the whole flow; returns the completion and the steps asked."""
    context: dict[str, object] = {PROJECT: project or PROJECT_INFO}
    if contact is not None:
        context[CONTACT] = contact
    state = engine.start(flow, Start(context=context))
    asked: list[str] = []
    picks = list(orgs)
    while state.step is not None:
        step = state.step
        asked.append(step)
        if step in ("org", "org2", "org3"):
            event: engine.Event = engine.Choose(picks.pop(0) if picks else "done")
        elif step == "stage":
            event = engine.Choose("draft")
        elif step == "english":
            event = engine.Choose(english)
        elif step == "reply_by":
            event = engine.Choose("2w")
        elif step in ENGLISH:
            event = engine.Answer(ENGLISH[step])
        elif step in TEXTS and contact and step in contact:
            event = engine.Choose(KEEP)
        elif step in TEXTS:
            event = engine.Answer(TEXTS[step])
        elif step == "period":
            event = engine.Answer("09.2027–08.2029")
        else:
            raise AssertionError(step)
        state, output = engine.advance(flow, state, event, "lv")
        assert output.changed, (step, output.notes)
    assert output.completion is not None
    return output.completion, asked


def parts(flow: PartnersFlow, done: Completion) -> list[str]:
    """The result's parts as the buttons under it show them: summary, LV call, EN call, tips."""
    assert done.record is not None and done.details
    return [
        d.text for d in flow.details(Record(done.record, datetime(2026, 12, 1, tzinfo=UTC)), "lv")
    ]


def test_the_call_says_who_to_contact_when_and_by_when() -> None:
    flow = PartnersFlow(clock=lambda: TODAY)
    done, _ = run(flow)
    summary, lv_call, _en_call, tips = parts(flow, done)
    assert done.messages == (summary,) and len(summary.splitlines()) <= 15
    assert "Meklējam: uzņēmums vai nevalstiska organizācija, Somija" in summary
    assert "Atbildes līdz: 15.12.2026" in summary and "anna@rvt.lv" in summary
    assert tips.startswith("🧭")
    assert "Projekta laiks: 01.09.2027–31.08.2029" in lv_call
    assert "Meklējam: uzņēmums vai nevalstiska organizācija, Somija." in lv_call
    assert "Rīgas Valsts tehnikums, Rīga, Latvija" in lv_call
    assert "Kontaktpersona: Anna Bērziņa, anna@rvt.lv" in lv_call
    assert "atbildiet līdz 15.12.2026" in lv_call
    assert done.contact == {k: TEXTS[k] for k in ("institution", "person", "email", "city")}
    assert done.record is not None and done.record["answers"]["reply_by"] == "15.12.2026"


def test_the_english_call_never_copies_latvian_silently() -> None:
    flow = PartnersFlow(clock=lambda: TODAY)
    done, asked = run(flow, english="mark")
    summary, _lv_call, en_call, _tips = parts(flow, done)
    assert "We are looking for: company or NGO, [to translate: Somija]." in en_call
    assert "Goals: [to translate: Uzlabot praksi uzņēmumos]" in en_call
    assert "Project dates: 01.09.2027–31.08.2029" in en_call
    assert "reply by 15.12.2026" in en_call
    for typed in ("metālapstrāde", "Kopīgi moduļi", "E-kurss", "Prakses vietu tīkls"):
        assert f"[to translate: {typed}]" in en_call
    assert "[to translate: …]" in summary  # and the user is told
    assert not any(step.startswith("x:") for step in asked)
    doc = Document(io.BytesIO(done.files[0].data))
    assert any("[to translate: E-kurss]" in p.text for p in doc.paragraphs)


def test_the_english_wording_is_asked_for_and_used() -> None:
    flow = PartnersFlow(clock=lambda: TODAY)
    done, asked = run(flow, english="write")
    summary, lv_call, en_call, _tips = parts(flow, done)
    assert [s for s in asked if s.startswith("x:")] == list(ENGLISH)
    assert "Field: metalworking" in en_call and "Goals: Better placements in companies" in en_call
    assert "Riga, Latvia" in en_call and "company or NGO, Finland." in en_call
    assert "[to translate" not in en_call and "[to translate" not in summary
    assert "Nozare: metālapstrāde" in lv_call


def test_contact_details_kept_from_the_last_call_are_offered_with_one_tap() -> None:
    flow = PartnersFlow(clock=lambda: TODAY)
    kept = {k: TEXTS[k] for k in ("institution", "person", "email", "city")}
    state = engine.start(flow, Start(context={PROJECT: PROJECT_INFO, CONTACT: kept}))
    state = engine.FlowState(**{**state.__dict__, "step": "institution"})
    shown = engine.render(flow, state, "lv")
    assert shown.default == "Rīgas Valsts tehnikums"
    done, _ = run(flow, contact=kept)
    assert "Kontaktpersona: Anna Bērziņa, anna@rvt.lv" in parts(flow, done)[1]


def test_a_project_without_dates_asks_for_them_and_bad_contact_input_is_refused() -> None:
    flow = PartnersFlow(clock=lambda: TODAY)
    undated = {**PROJECT_INFO, "starts_on": None, "ends_on": None}
    done, asked = run(flow, project=undated, orgs=("vet",))
    lv_call = parts(flow, done)[1]
    assert "period" in asked and "Projekta laiks: 09.2027–08.2029" in lv_call
    assert "Meklējam: profesionālā skola, Somija." in lv_call
    state = engine.FlowState("partners", "email", context={PROJECT: PROJECT_INFO})
    _, output = engine.advance(flow, state, engine.Answer("anna at rvt"), "lv")
    assert output.notes and "e-pasta" in output.notes[0]
    state = engine.FlowState("partners", "reply_by", context={PROJECT: PROJECT_INFO})
    _, output = engine.advance(flow, state, engine.Answer("01.12.2026"), "lv")
    assert output.notes and "nākotnē" in output.notes[0]


def test_changing_one_answer_says_only_what_changed() -> None:
    flow = PartnersFlow(clock=lambda: TODAY)
    done, _ = run(flow)
    last = Record(done.record or {}, datetime(2026, 12, 1, tzinfo=UTC))
    begin = flow.begin("edit", last)
    assert begin is not None
    state = engine.start(flow, Start(begin.answers, {**begin.context, PROJECT: PROJECT_INFO}))
    state, _ = engine.advance(flow, state, engine.Choose("country"), "lv")
    _, output = engine.advance(flow, state, engine.Answer("Igaunija"), "lv")
    edited = output.completion
    assert edited is not None and edited.messages == ("✏️ Uzsaukumā mainīts:\n• Valsts: Igaunija",)
    assert [f.filename.rsplit(".", 1)[1] for f in edited.files] == ["docx"]
    assert "Meklējam: uzņēmums vai nevalstiska organizācija, Igaunija." in parts(flow, edited)[1]


def test_a_further_kind_of_partner_offers_only_kinds_not_yet_chosen() -> None:
    flow = PartnersFlow(clock=lambda: TODAY)
    state = engine.start(flow, Start(context={PROJECT: PROJECT_INFO}))
    offered: dict[str, set[str]] = {}
    picks = ["company", "ngo"]
    while state.step != "org3":
        assert state.step is not None
        step = flow.step_by_id(state.step)
        offered[step.id] = {o.id for o in flow.options(step, state.answers, state.context)}
        if step.id in ("org", "org2"):
            event: engine.Event = engine.Choose(picks.pop(0))
        else:
            event = engine.Answer(TEXTS["field"])
        state, _ = engine.advance(flow, state, event, "lv")
    org3 = flow.step_by_id("org3")
    offered["org3"] = {o.id for o in flow.options(org3, state.answers, state.context)}
    assert "company" in offered["org"]
    assert "company" not in offered["org2"] and {"done", "ngo"} <= offered["org2"]
    assert not {"company", "ngo"} & offered["org3"] and {"done", "vet"} <= offered["org3"]
    # A forged press of a kind already chosen is refused, not recorded twice.
    refused, output = engine.advance(flow, state, engine.Choose("ngo"), "lv")
    assert not output.changed and refused.step == "org3"
