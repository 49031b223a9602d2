"""Coordinator documents: the time to finish the risk checklist (register, heat map, XLSX, CSV),
the partner-search call (DOCX) and the sustainability plan (DOCX), in a warm process."""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.digcomp import median_ms  # noqa: E402
from flows import engine  # noqa: E402
from flows.engine import PROJECT, Flow, FlowState, Start  # noqa: E402
from flows.partners import PartnersFlow  # noqa: E402
from flows.risks.flow import RiskFlow  # noqa: E402
from flows.sustainability.flow import SustainabilityFlow  # noqa: E402

RUNS = 15
PROJECT_INFO = {
    "id": 1,
    "name": "GreenVET",
    "action": "ka2",
    "role": "coordinator",
    "starts_on": "2024-09-01",
    "ends_on": "2026-08-31",
}


def _answer(flow: Flow, state: FlowState, rng: random.Random) -> engine.Event:
    step = flow.step_by_id(state.step or "")
    if step.options:
        return engine.Choose(rng.choice(step.options).id)
    return engine.Answer("Koordinatore Anna") if step.free_text else engine.Skip()


def _before_last(flow: Flow, rng: random.Random) -> tuple[FlowState, engine.Event]:
    state = engine.start(flow, Start(context={PROJECT: PROJECT_INFO}))
    while True:
        event = _answer(flow, state, rng)
        following, output = engine.advance(flow, state, event, "lv")
        if output.completion is not None:
            return state, event
        state = following if output.changed else state


def run() -> list[str]:
    rng = random.Random(5)
    rows = []
    for name, flow in (
        ("risk register: chat text, heat map PNG, XLSX, CSV", RiskFlow()),
        ("partner-search call: chat text and DOCX", PartnersFlow()),
        ("sustainability plan: chat text and DOCX", SustainabilityFlow()),
    ):
        state, event = _before_last(flow, rng)

        def finish(
            flow: Flow = flow, state: FlowState = state, event: engine.Event = event
        ) -> None:
            _, output = engine.advance(flow, state, event, "lv")
            assert output.completion is not None and output.completion.files
            for file in output.completion.files:  # building the named files counts
                assert file.data

        finish()  # warm-up: imports Pillow, openpyxl, python-docx
        rows.append(f"| {name} | {median_ms(finish, RUNS):.0f} ms |")
    return [
        "## Coordinator documents",
        "",
        f"Time from the last answer to the finished result, median of {RUNS} runs in a warm "
        "process (random answers):",
        "",
        "| result | median |",
        "|---|---|",
        *rows,
    ]


if __name__ == "__main__":
    print("\n".join(run()))
