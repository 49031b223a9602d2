"""The risk checklist: content, scoring and order of the register, files, edit and reminders."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from flows import engine
from flows.engine import PROJECT, Completion, Record, Start
from flows.risks.content import GROUPS, default_risk_content
from flows.risks.flow import RiskFlow
from flows.risks.scoring import level_of, register, status_step

TODAY = date(2026, 11, 25)
PROJECT_INFO = {"id": 7, "name": "GreenVET", "action": "ka2", "role": "coordinator"}


def on_project(begin: Start | None = None) -> Start:
    """A run's start on PROJECT_INFO, as the core hands a project tool its active project."""
    begin = begin or Start()
    return Start(begin.answers, {**begin.context, PROJECT: PROJECT_INFO})


@pytest.fixture(scope="module")
def flow() -> RiskFlow:
    return RiskFlow(clock=lambda: TODAY)


def run(
    flow: RiskFlow, plan: dict[str, list[engine.Event]], answers: Start | None = None
) -> Completion:
    """Answer every item ✅ except those in ``plan`` (item id -> events for its steps)."""
    state = engine.start(flow, answers or on_project())
    queues = {item: list(events) for item, events in plan.items()}
    while state.step is not None:
        item = state.step.split(":", 1)[1]
        queue = queues.get(item)
        event = queue.pop(0) if queue else engine.Choose("ok")
        state, output = engine.advance(flow, state, event, "lv")
        assert output.changed, (state.step, output.notes)
    assert output.completion is not None
    return output.completion


def flagged(status: str, likelihood: str, impact: str, *rest: engine.Event) -> list[engine.Event]:
    """A flagged item: its status, likelihood × impact in one tap, then its plan's events."""
    return [engine.Choose(status), engine.Choose(likelihood + impact), *rest]


OK = engine.Choose("ok")  # the plan step: the response, owner and date shown are all right
KEEP = engine.Choose(engine.KEEP)  # the default offered


def test_content_has_the_six_prerequisites_and_the_five_risk_kinds() -> None:
    content = default_risk_content()
    assert tuple(content.groups) == GROUPS
    assert len(content.in_group("prerequisites")) == 6
    assert 26 <= len(content.items) <= 30
    assert all(3 <= len(content.in_group(g)) <= 6 for g in GROUPS[1:])


def test_levels_follow_the_5x5_matrix() -> None:
    assert [level_of(s) for s in (1, 4, 5, 9, 10, 25)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    with pytest.raises(ValueError):
        level_of(0)


def test_register_is_sorted_by_score_and_not_yet_before_partly_on_ties() -> None:
    items = default_risk_content().items
    a, b, c = items[6], items[7], items[8]
    answers = {
        status_step(a.id): "partly",
        f"l:{a.id}": "2",
        f"i:{a.id}": "3",
        status_step(b.id): "no",
        f"l:{b.id}": "5",
        f"i:{b.id}": "4",
        status_step(c.id): "no",
        f"l:{c.id}": "3",
        f"i:{c.id}": "2",
    }
    risks = register(items, answers, {})
    assert [(r.item.id, r.score) for r in risks] == [(b.id, 20), (c.id, 6), (a.id, 6)]


def test_only_partly_and_not_yet_items_ask_for_likelihood_and_impact(flow: RiskFlow) -> None:
    state = engine.start(flow, on_project())
    first = state.step
    state, _ = engine.advance(flow, state, engine.Choose("na"), "lv")
    assert state.step.startswith("s:") and state.step != first
    state, _ = engine.advance(flow, state, engine.Choose("no"), "lv")
    assert state.step.startswith("li:")
    prompt = engine.render(flow, state, "lv")
    assert (prompt.position, prompt.total) == (2, 28)
    assert len(prompt.options) == 25 and prompt.options[0] == ("51", "5·1")


def test_a_checklist_gives_register_heat_map_xlsx_csv_and_reminders(flow: RiskFlow) -> None:
    items = default_risk_content().items
    top, second = items[7], items[12]
    completion = run(
        flow,
        {
            top.id: flagged("no", "5", "4", engine.Answer("Anna")),
            second.id: flagged(
                "partly", "2", "2", engine.Choose("d"), engine.Answer("15.01.2027"), KEEP
            ),
        },
    )
    [summary] = completion.messages  # one short message on a phone; the rest on demand
    assert "GreenVET" in summary and "❌ 1" in summary and "⚠️ 1" in summary
    assert summary.index("🔴 20") < summary.index("🟢 4")
    assert "🔴 1 augsti · 🟢 1 zemi" in summary and "pārskatīt 2 riskus" in summary
    assert len(summary.splitlines()) <= 15 and completion.details
    kept = Record(completion.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    summary_part, high, low = flow.details(kept, "lv")
    assert summary_part.text == summary
    assert (high.label, low.label) == ("🔴 Augstie riski (1)", "🟢 Zemie riski (1)")
    assert "Atbildīgais: Anna · Pārskatīt: 25.12.2026" in high.text
    assert "Rīcība: Mazināt" in high.text  # suggested
    heatmap, xlsx, csv_file = completion.files
    assert heatmap.is_image and heatmap.data.startswith(b"\x89PNG")
    assert "Excel" in xlsx.caption and "CSV" in csv_file.caption  # each file says what it is
    assert len({heatmap.caption, xlsx.caption, csv_file.caption}) == 3
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Nr." and rows[1][6] == 20 and rows[1][10] == "Anna"
    assert rows[2][10] == "Anna"  # the owner last used
    assert rows[2][13] == datetime(2027, 1, 15) and len(rows) == 3  # a date, not text
    assert rows[0][11:] == (
        "Riska statuss",
        "Pēdējā pārskatīšana",
        "Nākamā pārskatīšana",
        "Piezīmes",
    )
    assert rows[1][11:13] == ("Atvērts", datetime(2026, 11, 25))
    text = csv_file.data.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1][2] == top.risk.lv
    assert text.splitlines()[2].endswith(";Anna;Atvērts;25.11.2026;15.01.2027;")
    dues = {(r.key, r.due_on) for r in completion.reminders}
    assert dues == {(top.id, date(2026, 12, 25)), (second.id, date(2027, 1, 15))}
    assert completion.record["reviews"][top.id] == "2026-12-25"


def test_the_xlsx_is_set_up_as_excel_users_expect(flow: RiskFlow) -> None:
    """Item 7: dates as dates, a frozen header with filters, drop-downs, a PM² risk log."""
    items = default_risk_content().items
    done = run(flow, {items[0].id: flagged("no", "4", "4", OK)})
    xlsx = next(f for f in done.files if f.filename.endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:O2"
    review = sheet["N2"]
    assert review.is_date and review.number_format == "DD.MM.YYYY"
    lists = {
        str(v.sqref).split(":")[0]: v.formula1
        for v in sheet.data_validations.dataValidation
        if v.type == "list"
    }
    assert lists["I2"] == '"Novērst,Mazināt,Dalīt ar citiem,Pieņemt"'
    assert lists["L2"] == '"Atvērts,Uzraudzībā,Slēgts"'
    text = next(f for f in done.files if f.filename.endswith(".csv")).data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Nr.;Grupa;Risks;")


def test_a_review_date_in_the_past_or_unreadable_is_re_asked(flow: RiskFlow) -> None:
    item = default_risk_content().items[0]
    state = engine.start(flow, on_project())
    for event in flagged("no", "3", "3", engine.Choose("d")):
        state, _ = engine.advance(flow, state, event, "en")
    assert state.step == f"d:{item.id}"
    for text, note in (("01.01.2020", "has passed"), ("soon", "can't read")):
        state, output = engine.advance(flow, state, engine.Answer(text), "en")
        assert note in output.notes[0] and state.step == f"d:{item.id}"


def test_changing_one_item_later_keeps_the_rest(flow: RiskFlow) -> None:
    items = default_risk_content().items
    target = items[9]
    first = run(
        flow,
        {items[7].id: flagged("no", "5", "4", OK)},
    )
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin("edit", last)))
    asked = []
    events = [
        engine.Choose(target.group),
        engine.Choose(target.id),
        *flagged("partly", "3", "3", OK),
    ]
    for event in events:
        asked.append(state.step)
        state, output = engine.advance(flow, state, event, "lv")
    assert state.step is None and len(asked) == 5  # group, item, and that item's three steps
    record = output.completion.record
    assert [r["item"] for r in record["risks"]] == [items[7].id, target.id]
    # The old date is kept; the changed item takes the date last used.
    assert record["reviews"] == {items[7].id: "2026-12-25", target.id: "2026-12-25"}


def test_one_item_answered_again_directly(flow: RiskFlow) -> None:
    """ "Answer again" after a clash on a shared register opens just that item."""
    items = default_risk_content().items
    first = run(flow, {items[7].id: flagged("no", "5", "4", OK)})
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin(f"e.{items[7].id}", last)))
    assert state.step == f"s:{items[7].id}"
    state, output = engine.advance(flow, state, engine.Choose("ok"), "en")
    assert state.step is None and output.completion is not None
    assert output.completion.record["answers"][f"s:{items[7].id}"] == "ok"
    assert flow.begin("e.no-such-item", last) is None
    assert flow.item_of(f"l:{items[7].id}") == items[7].id
    shown = flow.item_value(first.record["answers"], items[7].id, "en")
    assert shown.startswith("❌ Not yet · 5×4")


def test_landing_offers_edit_new_and_files(flow: RiskFlow) -> None:
    items = default_risk_content().items
    first = run(flow, {items[7].id: flagged("no", "2", "2", OK)})
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    landing = flow.landing(last, "en")
    assert [arg for arg, _ in landing.actions] == ["edit", "new", "files"]
    assert "GreenVET" in landing.messages[0]
    files = flow.act("files", last, "en").files
    assert [f.filename.rsplit(".", 1)[1] for f in files] == ["xlsx", "csv"]


def test_ten_flagged_items_take_under_forty_taps(flow: RiskFlow) -> None:
    """Item 6: two flagged items in each of five groups, "the rest are in place" closes each
    group, the owner is typed once and every other plan is taken as offered."""
    content = default_risk_content()
    flagged_ids = {i.id for g in GROUPS[:5] for i in content.in_group(g)[:2]}
    state = engine.start(flow, on_project())
    taps = typed = 0
    while state.step is not None:
        kind, item = state.step.split(":", 1)
        if kind == "s":
            rest = flow.step_by_id(state.step).option("rest") is not None
            event: engine.Event = engine.Choose(
                "no" if item in flagged_ids else "rest" if rest else "ok"
            )
        elif kind == "li":
            event = engine.Choose("43")
        elif kind == "p" and typed == 0:
            event = engine.Answer("Anna")
        else:
            event = OK
        typed += isinstance(event, engine.Answer)
        taps += isinstance(event, engine.Choose)
        state, output = engine.advance(flow, state, event, "lv")
    assert taps + typed < 40, (taps, typed)
    done = output.completion
    assert done is not None and "❌ 10" in done.messages[0] and "✅ 18" in done.messages[0]
    assert done.record is not None
    answers = done.record["answers"]
    assert all(answers[f"o:{i}"] == "Anna" for i in flagged_ids)
    assert all(answers[f"d:{i}"] == "25.12.2026" for i in flagged_ids)
    assert all(answers[f"l:{i}"] == "4" and answers[f"i:{i}"] == "3" for i in flagged_ids)
    assert len(done.reminders) == 10


def test_the_plan_step_changes_the_response_or_the_date_and_later_items_follow(
    flow: RiskFlow,
) -> None:
    items = default_risk_content().items
    done = run(
        flow,
        {
            items[0].id: flagged(
                "no", "2", "3", engine.Choose("r"), engine.Choose("accept"), KEEP, engine.Skip()
            ),
            items[1].id: flagged(
                "no", "2", "3", engine.Choose("d"), engine.Choose("3m"), engine.Answer("Ilze")
            ),
            items[2].id: flagged("partly", "1", "1", OK),
        },
    )
    assert done.record is not None
    answers = done.record["answers"]
    assert answers[f"r:{items[0].id}"] == "accept"
    assert answers[f"r:{items[1].id}"] == items[1].response  # the suggested one
    assert answers[f"d:{items[0].id}"] == "25.12.2026"  # a month, when no date was used yet
    assert answers[f"d:{items[1].id}"] == answers[f"d:{items[2].id}"] == "25.02.2027"
    assert f"o:{items[0].id}" not in answers
    assert answers[f"o:{items[1].id}"] == answers[f"o:{items[2].id}"] == "Ilze"


def test_the_rest_of_a_group_in_place_with_one_tap(flow: RiskFlow) -> None:
    content = default_risk_content()
    state = engine.start(flow, on_project())
    state, _ = engine.advance(flow, state, engine.Choose("rest"), "lv")
    first_financial = content.in_group("financial")[0]
    assert state.step == f"s:{first_financial.id}"
    last = content.in_group("prerequisites")[-1]
    assert flow.step_by_id(f"s:{last.id}").option("rest") is None  # nothing after it


def test_going_through_it_again_offers_the_last_answers(flow: RiskFlow) -> None:
    items = default_risk_content().items
    first = run(flow, {items[0].id: flagged("no", "4", "5", engine.Answer("Jānis"))})
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin("new", last)))
    assert engine.render(flow, state, "lv").default == "❌ Vēl nav"
    state, _ = engine.advance(flow, state, engine.Choose(engine.KEEP), "lv")
    assert engine.render(flow, state, "lv").default == "4·5"
    state, _ = engine.advance(flow, state, engine.Choose(engine.KEEP), "lv")
    assert "Atbildīgais: Jānis" in engine.render(flow, state, "lv").text


def test_changing_one_item_says_only_what_changed_with_the_new_register(flow: RiskFlow) -> None:
    items = default_risk_content().items
    first = run(flow, {items[7].id: flagged("no", "5", "4", OK)})
    last = Record(first.record, datetime(2026, 11, 25, 10, tzinfo=UTC))
    state = engine.start(flow, on_project(flow.begin("edit", last)))
    for event in (
        engine.Choose(items[9].group),
        engine.Choose(items[9].id),
        *flagged("partly", "3", "3", OK),
    ):
        state, output = engine.advance(flow, state, event, "lv")
    [changed] = output.completion.messages
    assert changed.startswith("✏️ Mainīts projektā „GreenVET”:")
    assert items[9].check.lv in changed and "⚠️ Daļēji · 🟡 9" in changed
    assert items[7].check.lv not in changed and len(changed.splitlines()) == 2
    assert [f.filename.rsplit(".", 1)[1] for f in output.completion.files] == ["xlsx", "csv"]


def test_a_long_level_is_shown_a_few_risks_a_page(flow: RiskFlow) -> None:
    items = default_risk_content().items
    done = run(flow, {item.id: flagged("partly", "2", "3", OK) for item in items[:12]})
    assert done.record is not None
    for lang, name, of in (("lv", "Vidējie riski", "no"), ("en", "Medium risks", "of")):
        details = flow.details(Record(done.record, datetime(2026, 11, 25, tzinfo=UTC)), lang)
        pages = details[1:]  # after the summary: the twelve medium risks
        spans = ("1–5", "6–10", "11–12")
        assert [d.label for d in pages] == [f"🟡 {name} {span} {of} 12" for span in spans]
        numbers = [
            int(line.split(".", 1)[0])
            for page in pages
            for line in page.text.splitlines()[1:]
            if line[:1].isdigit()
        ]
        assert numbers == list(range(1, 13))  # each risk once, numbered across pages
        assert all(page.text.startswith(page.label) for page in pages)
        assert max(page.text.count("\n") for page in pages) < 25  # one phone screen or so


def test_a_short_level_is_one_page(flow: RiskFlow) -> None:
    items = default_risk_content().items
    done = run(flow, {item.id: flagged("partly", "2", "3", OK) for item in items[:3]})
    assert done.record is not None
    details = flow.details(Record(done.record, datetime(2026, 11, 25, tzinfo=UTC)), "en")
    assert [d.label for d in details[1:]] == ["🟡 Medium risks (3)"]
