"""The sustainability plan: self-check scoring, the plan, its DOCX, review, edit, reminders."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document

from flows import engine
from flows.engine import PROJECT, Completion, Record, Start
from flows.sustainability.content import ASPECTS, CRITERIA, default_plan_content
from flows.sustainability.flow import SustainabilityFlow
from flows.sustainability.scoring import band, criterion_scores, gaps, question_step

TODAY = date(2026, 11, 25)
PROJECT_INFO = {
    "id": 3,
    "name": "GreenVET",
    "action": "ka2",
    "role": "coordinator",
    "starts_on": "2024-09-01",
    "ends_on": "2026-08-31",
}
CONTENT = default_plan_content()


def on_project(begin: Start | None = None) -> Start:
    """A run's start on PROJECT_INFO, as the core hands a project tool its active project."""
    begin = begin or Start()
    return Start(begin.answers, {**begin.context, PROJECT: PROJECT_INFO})


@pytest.fixture(scope="module")
def flow() -> SustainabilityFlow:
    return SustainabilityFlow(clock=lambda: TODAY)


def answer_all(
    flow: SustainabilityFlow, state: engine.FlowState, check: dict[str, str], follow: str = "3-6-12"
) -> Completion:
    """Plan every aspect (first suggestion, texts, +6 months), answer the self-check."""
    while state.step is not None:
        step = state.step
        if step.endswith(":main"):
            aspect = CONTENT.aspect(step.split(":")[1])
            event: engine.Event = engine.Choose(aspect.options[0][0])
        elif step.endswith(":what"):
            event = engine.Answer(f"Plāns {step.split(':')[1]}")
        elif step.endswith(":who"):
            event = engine.Answer("Koordinatore Anna")
        elif step.endswith(":when"):
            event = engine.Choose("6m")
        elif step.endswith(":measure"):
            event = engine.Skip()
        elif step.startswith("q:"):
            event = engine.Choose(check.get(step[2:], "yes"))
        elif step == "follow":
            event = engine.Choose(follow)
        else:
            raise AssertionError(step)
        state, output = engine.advance(flow, state, event, "lv")
        assert output.changed, (step, output.notes)
    assert output.completion is not None
    return output.completion


def parts(flow: SustainabilityFlow, completion: Completion) -> dict[str, str]:
    """The result's parts as its buttons show them, by label."""
    assert completion.record is not None and completion.details
    kept = Record(completion.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    return {d.label: d.text for d in flow.details(kept, "lv")}


def test_content_has_five_aspects_and_four_criteria() -> None:
    assert tuple(a.id for a in CONTENT.aspects) == ASPECTS
    assert tuple(c.id for c in CONTENT.criteria) == CRITERIA
    assert all(3 <= len(a.options) <= 8 for a in CONTENT.aspects)
    assert CONTENT.mandatory


def test_self_check_scores_and_gaps() -> None:
    relevance = next(c for c in CONTENT.criteria if c.id == "relevance").questions
    answers = {question_step(relevance[0].id): "yes", question_step(relevance[1].id): "partly"}
    answers[question_step(relevance[2].id)] = "no"
    scores = criterion_scores(CONTENT, answers)
    assert scores["relevance"] == 50 and scores["impact"] is None  # (2 + 1 + 0) / 6
    assert [band(s) for s in (100, 80, 79, 50, 49)] == ["strong", "strong", "work", "work", "weak"]
    assert [(q.id, a) for q, a in gaps(CONTENT, answers)] == [
        (relevance[2].id, "no"),
        (relevance[1].id, "partly"),
    ]


def test_a_plan_has_every_section_in_chat_and_in_the_docx(flow: SustainabilityFlow) -> None:
    design = next(c for c in CONTENT.criteria if c.id == "design").questions[0]
    state = engine.start(flow, on_project())
    assert engine.render(flow, state, "lv").total == 10  # 5 aspects, 4 criteria, reminders
    completion = answer_all(flow, state, {design.id: "no"})
    [summary] = completion.messages  # short on a phone; the rest on demand
    assert len(summary.splitlines()) <= 15
    shown = parts(flow, completion)
    assert list(shown) == ["📋 Kopsavilkums", "🗂 Darbības", "🔎 Pašpārbaude", "📌 Obligāti"]
    actions, check, mandatory = shown["🗂 Darbības"], shown["🔎 Pašpārbaude"], shown["📌 Obligāti"]
    reminders = summary
    assert "• Finansējums: " in summary or summary.count("\n• ") == 5
    for aspect in CONTENT.aspects:
        assert aspect.name.lv in actions and f"Plāns {aspect.id}" in actions
    # The project ended on 31.08.2026: "+6 months" counts from today, 25.11.2026.
    assert "Līdz: 25.05.2027" in actions
    assert "❌ " + design.text.lv in check and design.advice.lv in check
    assert all(point.lv in mandatory for point in CONTENT.mandatory)
    assert "25.02.2027, 25.05.2027, 25.11.2027" in reminders
    assert "termiņi skaitīti no 25.11.2026" in reminders
    assert [(r.key, r.due_on) for r in completion.reminders] == [
        ("review-3", date(2027, 2, 25)),
        ("review-6", date(2027, 5, 25)),
        ("review-12", date(2027, 11, 25)),
    ]
    assert "pēc plāna sastādīšanas" in completion.reminders[0].text.lv
    doc = Document(io.BytesIO(completion.files[0].data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert len(headings) == 5  # title, actions, self-check, mandatory, review schedule
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    assert all(f"Plāns {a}" in cells for a in ASPECTS) and "Koordinatore Anna" in cells
    assert design.text.lv in cells and "❌ Nē" in cells


def test_own_text_instead_of_a_suggestion_and_a_typed_date(flow: SustainabilityFlow) -> None:
    state = engine.start(flow, on_project())
    state, _ = engine.advance(flow, state, engine.Answer("Nozares podkāsts"), "lv")
    state, _ = engine.advance(flow, state, engine.Answer("Seši raidījumi"), "lv")
    state, _ = engine.advance(flow, state, engine.Answer("Jānis"), "lv")
    state, output = engine.advance(flow, state, engine.Answer("drīz"), "lv")
    assert "nevaru saprast" in output.notes[0]
    state, _ = engine.advance(flow, state, engine.Answer("30.06.2027"), "lv")
    completion = answer_all(flow, state, {})
    assert "Nozares podkāsts — līdz 30.06.2027" in completion.messages[0]


def test_review_asks_only_the_status_of_each_action(flow: SustainabilityFlow) -> None:
    first = answer_all(flow, engine.start(flow, on_project()), {})
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin("review", last)))
    asked = []
    while state.step is not None:
        asked.append(state.step)
        assert "Plāns" in engine.render(flow, state, "lv").text
        state, output = engine.advance(flow, state, engine.Choose("done"), "lv")
    assert asked == [f"s:{a}" for a in ASPECTS]
    assert output.completion.messages[0].count("\n✅ ") == 5
    assert parts(flow, output.completion)["🗂 Darbības"].count("Statuss: ✅ Paveikts") == 5
    assert output.completion.record["answers"]["a:funding:when"] == "2027-05-25"


def test_changing_one_part_keeps_the_rest(flow: SustainabilityFlow) -> None:
    first = answer_all(flow, engine.start(flow, on_project()), {}, follow="none")
    assert first.reminders == ()
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin("edit", last)))
    state, _ = engine.advance(flow, state, engine.Choose("follow"), "lv")
    assert state.step == "follow"
    state, output = engine.advance(flow, state, engine.Choose("6-12"), "lv")
    assert [r.key for r in output.completion.reminders] == ["review-6", "review-12"]
    [changed] = output.completion.messages  # only what changed, and the new plan
    assert changed.startswith("✏️ Plānā mainīts:\n⏰ Atgādināšu pārskatīt plānu: 25.05.2027")
    assert "Plāns funding" in parts(flow, output.completion)["🗂 Darbības"]


def test_a_plan_before_the_end_counts_from_the_end() -> None:
    running = {**PROJECT_INFO, "ends_on": "2027-01-31"}
    flow = SustainabilityFlow(clock=lambda: TODAY)
    state = engine.start(flow, Start(context={PROJECT: running}))
    completion = answer_all(flow, state, {})
    assert "— līdz 31.07.2027" in completion.messages[0]
    assert [r.due_on for r in completion.reminders] == [
        date(2027, 4, 30),
        date(2027, 7, 31),
        date(2028, 1, 31),
    ]
    assert "pēc beigām" in completion.reminders[0].text.lv
    assert not any("skaitīti no" in m for m in completion.messages)


def test_a_plan_after_the_end_says_so_and_offers_dates_ahead(flow: SustainabilityFlow) -> None:
    """Defect: for an ended project every date was already past and reminders were dropped."""
    state = engine.start(flow, on_project())
    when = None
    while state.step is not None and not state.step.endswith(":when"):
        step = state.step
        event: engine.Event = (
            engine.Choose(CONTENT.aspect(step.split(":")[1]).options[0][0])
            if step.endswith(":main")
            else engine.Answer("Anna")
        )
        state, output = engine.advance(flow, state, event, "lv")
        when = output.prompt
    assert when is not None and "beidzās 31.08.2026" in when.text and "25.11.2026" in when.text
    completion = answer_all(flow, state, {})
    assert all(r.due_on > TODAY for r in completion.reminders)
    assert len(completion.reminders) == 3  # every chosen reminder is kept
    follow = engine.render(
        flow, engine.FlowState("sustainability", "follow", context={PROJECT: PROJECT_INFO}), "lv"
    )
    assert "jau beidzies" in follow.text and "25.11.2026" in follow.text


def test_reminders_gone_past_when_the_plan_is_changed_later_are_named() -> None:
    made = SustainabilityFlow(clock=lambda: TODAY)
    first = answer_all(made, engine.start(made, on_project()), {}, follow="none")
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    later = SustainabilityFlow(clock=lambda: date(2027, 3, 1))  # three months on
    state = engine.start(later, on_project(later.begin("edit", last)))
    state, _ = engine.advance(later, state, engine.Choose("follow"), "lv")
    state, output = engine.advance(later, state, engine.Choose("3-6-12"), "lv")
    done = output.completion
    assert [r.due_on for r in done.reminders] == [date(2027, 5, 25), date(2027, 11, 25)]
    assert any("jau ir pagājuši" in m and "25.02.2027" in m for m in done.messages)


def test_changing_one_aspect_offers_its_current_answers_and_says_what_changed(
    flow: SustainabilityFlow,
) -> None:
    """Item 10: only that part is asked again, each answer offered to keep with one tap."""
    first = answer_all(flow, engine.start(flow, on_project()), {})
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin("edit", last)))
    state, _ = engine.advance(flow, state, engine.Choose("funding"), "lv")
    asked = []
    while state.step is not None:
        asked.append(state.step)
        prompt = engine.render(flow, state, "lv")
        assert prompt.default is not None or state.step.endswith(":measure")
        event = engine.Answer("Jānis") if state.step.endswith(":who") else engine.Choose("+")
        if state.step.endswith(":measure"):
            event = engine.Skip()
        state, output = engine.advance(flow, state, event, "lv")
    assert asked == [f"a:funding:{part}" for part in ("main", "what", "who", "when", "measure")]
    [changed] = output.completion.messages
    assert changed.startswith("✏️ Plānā mainīts:\n• ") and "Plāns funding" not in changed
    assert len(changed.splitlines()) == 2
    kept = output.completion.record["answers"]
    assert kept["a:funding:who"] == "Jānis" and kept["a:funding:what"] == "Plāns funding"


def test_one_part_answered_again_directly_and_grouped_as_one_item(flow: SustainabilityFlow) -> None:
    first = answer_all(flow, engine.start(flow, on_project()), {}, follow="none")
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin("e.follow", last)))
    assert state.step == "follow"  # no "which part?" first
    _, output = engine.advance(flow, state, engine.Choose("6-12"), "en")
    assert output.completion is not None
    assert flow.begin("e.nothing", last) is None
    criterion = CONTENT.criteria[0]
    assert flow.item_of(question_step(criterion.questions[-1].id)) == criterion.id
    assert flow.item_of("a:funding:who") == flow.item_of("s:funding") == "funding"
    assert flow.item_value(first.record["answers"], "follow", "en") == "No, thanks"
    assert "Koordinatore Anna" in flow.item_value(first.record["answers"], "funding", "lv")


def test_a_shared_plan_says_who_last_changed_each_action(flow: SustainabilityFlow) -> None:
    first = answer_all(flow, engine.start(flow, on_project()), {})
    shown = {"team": {"last": {"funding": "Anna, 01.12.2026"}}}
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC), shown)
    actions = flow.details(last, "en")[1].text
    assert actions.count("Changed by") == 1 and "Changed by Anna, 01.12.2026" in actions
    plain = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert "Changed by" not in flow.details(plain, "en")[1].text


def test_an_actions_who_is_picked_from_the_team(flow: SustainabilityFlow) -> None:
    team = {"members": [[100, "Anna"], [200, "Jānis"]]}
    state = engine.start(flow, Start(context={PROJECT: PROJECT_INFO, **team}))
    while state.step is not None and not state.step.endswith(":who"):
        step = state.step
        aspect = CONTENT.aspect(step.split(":")[1])
        event: engine.Event = (
            engine.Choose(aspect.options[0][0]) if step.endswith(":main") else engine.Answer("x")
        )
        state, _ = engine.advance(flow, state, event, "lv")
    shown = engine.render(flow, state, "lv")
    assert ("u.200", "👤 Jānis") in shown.options and shown.free_text
    state, _ = engine.advance(flow, state, engine.Choose("u.200"), "lv")
    done = answer_all(flow, state, {})
    kept = done.record["answers"]
    first = CONTENT.aspects[0].id
    assert kept[f"a:{first}:who"] == "Jānis" and kept[f"a:{first}:who_id"] == 200
    assert kept[f"a:{CONTENT.aspects[1].id}:who"] == "Koordinatore Anna"
    assert f"a:{CONTENT.aspects[1].id}:who_id" not in kept  # typed: nobody's id
    # Changing that action later offers the member as the answer to keep.
    last = Record(done.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    edit = flow.begin(f"e.{first}", last)
    assert edit is not None
    state = engine.start(flow, Start(edit.answers, {**edit.context, PROJECT: PROJECT_INFO, **team}))
    while state.step != f"a:{first}:who":
        state, _ = engine.advance(flow, state, engine.Choose("+"), "lv")
    assert engine.render(flow, state, "lv").default == "👤 Jānis"
