"""The DigComp PDF built the webhook's way, before and after issue 15, in one run:

- *spawn per document* (before): a fresh interpreter per document (``ProcessPoolExecutor`` with
  ``spawn``, what flows/isolation.py did);
- *helper* (after): the long-lived helper of flows/isolation.py, warm (its first document,
  which starts it, is reported apart);
- *in-process*: the same PDF built here, the floor.

The first result after ``enable()`` is timed four ways: the helper started by it (before issue
15), right after ``enable()``, 3 s after, and after ``wait_ready()`` (what a worker does before
it reports ready now; how long that wait took is printed too).

Also the PDF in-process with fpdf2's ``add_font`` per document (before) against the fonts parsed
once (``flows.fonts.add_pdf_fonts``, after). Runs alternate; medians of wall time and of CPU time
(this process and its children). Usage: ``python bench/documents_helper.py [runs]``."""

from __future__ import annotations

import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from digcomp import _before_last_answer  # noqa: E402

from flows import fonts, isolation  # noqa: E402
from flows.digcomp import document  # noqa: E402
from flows.digcomp.flow import DigCompFlow  # noqa: E402
from flows.digcomp.report import Report  # noqa: E402
from flows.digcomp.scoring import score  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process, its ended children and the running document helper."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    helper = isolation.helper_pid()
    if helper is not None:
        with open(f"/proc/{helper}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _timed(func: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    func()
    return time.perf_counter() - wall, _cpu() - cpu


def _spawn_per_document(builder: Callable[[], bytes]) -> bytes:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(builder).result(timeout=120)


def _add_font_each_time(pdf: object, family: str) -> None:
    path = fonts.font_path
    pdf.add_font(family, "", str(path()))  # type: ignore[attr-defined]
    pdf.add_font(family, "B", str(path(bold=True)))  # type: ignore[attr-defined]


def main(runs: int = 7) -> None:
    rng = random.Random(11)
    flow = DigCompFlow()
    state, _ = _before_last_answer(flow, flow.begin("quick", None), rng)
    profile = score("quick", state.answers, flow.competences)
    report = Report(
        flow.texts, flow.competences, profile, mode="quick", when=date(2026, 12, 1), lang="lv"
    )
    report.pdf_bytes()  # imports and fonts loaded here

    def result() -> None:  # the files of a DigComp result, each built as completion.py does
        isolation.build(report.chart)
        isolation.build(report.pdf_bytes)

    firsts = {}
    for name, prestart, pause in (
        ("first result, helper started by it (before)", False, 0.0),
        ("first result right after enable() (helper still warming up)", True, 0.0),
        ("first result 3 s after enable() (the worker's start-up)", True, 3.0),
        ("first result after wait_ready() (a worker's start-up now)", True, -1.0),
    ):
        isolation.enable(prestart=prestart)
        began = time.perf_counter()
        if pause < 0:
            isolation.wait_ready()
            waited = time.perf_counter() - began
        else:
            time.sleep(pause)
        firsts[name] = _timed(result)
        isolation.enable(False)
    isolation.enable()
    first = _timed(lambda: isolation.build(report.pdf_bytes))
    samples: dict[str, list[tuple[float, float]]] = {
        "spawn per document (before)": [],
        "helper, warm (after)": [],
        "in-process": [],
        "in-process, add_font per document (before)": [],
        "in-process, fonts parsed once (after)": [],
    }
    for _ in range(runs):
        samples["spawn per document (before)"].append(
            _timed(lambda: _spawn_per_document(report.pdf_bytes))
        )
        samples["helper, warm (after)"].append(_timed(lambda: isolation.build(report.pdf_bytes)))
        samples["in-process"].append(_timed(report.pdf_bytes))
        with mock.patch.object(document, "add_pdf_fonts", _add_font_each_time):
            samples["in-process, add_font per document (before)"].append(_timed(report.pdf_bytes))
        samples["in-process, fonts parsed once (after)"].append(_timed(report.pdf_bytes))
    helper = isolation.helper_pid()
    peak = "?"
    if helper is not None:
        with open(f"/proc/{helper}/status") as handle:
            peak = next(line.split()[1] for line in handle if line.startswith("VmHWM"))
        peak = f"{int(peak) / 1024:.0f} MiB"
    isolation.enable(False)
    print(
        f"helper's first PDF right after enable(): wall {first[0] * 1000:.0f} ms; "
        f"helper's peak RSS after {runs + 1} PDFs: {peak}"
    )
    for name, (wall, cpu) in firsts.items():
        print(f"{name:62} wall {wall * 1000:5.0f} ms  CPU {cpu * 1000:5.0f} ms")
    print(
        f"wait_ready() after enable(): the helper started and warmed up in {waited * 1000:.0f} ms"
    )
    for name, values in samples.items():
        wall = statistics.median(v[0] for v in values) * 1000
        cpu = statistics.median(v[1] for v in values) * 1000
        print(f"{name:45} wall {wall:7.0f} ms  CPU {cpu:7.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
