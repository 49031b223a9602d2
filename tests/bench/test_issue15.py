"""The issue-15 table is read from the bench scripts' output: each row's figures, ratio and
verdict come from lines in the formats the scripts print."""

from __future__ import annotations

import json

from bench.issue15 import (
    Output,
    Table,
    digcomp_rows,
    first_result_rows,
    matcher_rows,
    memory_rows,
    startup_rows,
    webhook_rows,
)
from bench.worker_memory import slope_mb_per_min


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip("|").split("|")]


def test_startup_ratios_and_verdicts_come_from_its_lines() -> None:
    out = Output(
        "startup.py",
        "baseline_ask   CPU 0.120 s  peak RSS 20.0 MiB\n"
        "ask            CPU 0.180 s  peak RSS 30.0 MiB\n"
        "baseline_chat  CPU 0.100 s  peak RSS 20.0 MiB\n"
        "chat           CPU 0.700 s  peak RSS 61.0 MiB\n",
    )
    table = Table()
    startup_rows(table, out)
    cpu, rss, chat_cpu, chat_rss = (_cells(r) for r in table.rows)
    assert cpu[2:] == ["0.18 s", "0.12 s", "1.50×", "≤ 2×", "**yes**"]
    assert rss[2:] == ["30.0 MiB", "20.0 MiB", "1.50×", "≤ 35 MiB", "**yes**"]
    assert chat_cpu[4] == "7.00×" and chat_cpu[6] == "**no**"
    assert chat_rss[6] == "**no**"  # 61 MiB against ≤ 60


def test_a_failed_script_is_a_row_saying_so() -> None:
    table = Table()
    digcomp_rows(table, Output("digcomp.py --ratio", "", failed="failed (exit 1: boom)"))
    assert "failed (exit 1: boom)" in table.rows[0]
    assert _cells(table.rows[0])[6] == "—"


def test_digcomp_and_matcher_lines() -> None:
    table = Table()
    digcomp_rows(
        table,
        Output(
            "d",
            "DigComp quick result (texts, chart, PDF) warm: 300 ms CPU; bare Pillow + fpdf2 "
            "(bench/baseline_digcomp.py) 250 ms CPU: 1.20×\n",
        ),
    )
    assert _cells(table.rows[0])[4:] == ["1.20×", "≤ 1.1×", "**no**"]
    table = Table()
    line = (
        "{n}: {e} entries, build {b} ms CPU ({pe} ms/entry; inverted-index baseline 40 ms), "
        "index 3.0 MiB (14.9 KiB/entry), question CPU median 0.89 ms, p99 {p} ms\n"
    )
    text = line.format(n="shipped", e=204, b=80, pe="0.39", p="3.00")
    text += line.format(n="synthetic 10000", e=10000, b=16000, pe="1.60", p="23.00")
    matcher_rows(table, Output("m", text))
    build_small, _, _, build_big, question_big, _ = (_cells(r) for r in table.rows)
    assert build_small[6] == "**yes**" and build_big[6] == "**no**"
    assert question_big[5:] == ["p99 ≤ 25 ms", "**yes**"]


def test_webhook_and_memory_figures_lines() -> None:
    rounds = [
        {"plain_p99": 300.0, "cpu_ms": 7.0, "tx_per_update": 1.5, "idle_tx_s": 2.0,
         "mixed_p99": 200.0, "over_5s": 0, "pdf_p50": 1.0, "pdf_p99": 2.0, "pdfs": "12/12"},
    ]  # fmt: skip
    table = Table()
    webhook_rows(table, Output("w", "table\nfigures: " + json.dumps({"tree": rounds})))
    verdicts = [_cells(r)[6] for r in table.rows]
    assert verdicts == ["**no**", "**yes**", "**yes**", "—", "**yes**", "—"]
    memory = {
        "workers": 2, "updates": 1000, "learners": 40, "minutes": 10.0, "ready": 79.0,
        "end": 80.5, "peak": 81.0, "slope": 0.05, "helper_peak": 90.0,
    }  # fmt: skip
    table = Table()
    memory_rows(table, Output("m", "figures: " + json.dumps(memory)))
    assert [_cells(r)[6] for r in table.rows] == ["**no**", "**yes**", "—"]


def test_first_result_row_is_the_median_and_met_only_when_every_pdf_is_within_1_s() -> None:
    def run(*seconds: float) -> dict[str, object]:
        return {"startup_s": 5.0, "results": [{"job_pdf_s": s} for s in seconds]}

    table = Table()
    first_result_rows(table, Output("f", "figures: " + json.dumps({"t": [run(0.4, 0.6)]})))
    first_result_rows(table, Output("f", "figures: " + json.dumps({"t": [run(0.4), run(1.2)]})))
    assert [_cells(r)[2] for r in table.rows] == ["500 ms (max 600 ms)", "800 ms (max 1200 ms)"]
    assert [_cells(r)[6] for r in table.rows] == ["**yes**", "**no**"]


def test_slope_is_least_squares_per_minute() -> None:
    assert slope_mb_per_min([(0.0, 80.0), (60.0, 81.0), (120.0, 82.0)]) == 1.0
    assert slope_mb_per_min([(0.0, 80.0), (30.0, 80.0)]) == 0.0
    assert slope_mb_per_min([(5.0, 80.0)]) == 0.0
