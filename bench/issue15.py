"""The section "Issue 15: ratios against bare baselines" of docs/BENCHMARKS.md: runs each bench
script in a fresh process, reads the figures from its output and writes ONE table (what, the
baseline script, the Ceļvedis figure, the baseline's, the ratio, the target, met?), then each
script's own output, so every row can be traced to a run and re-run by hand.

Scripts: bench/startup.py, bench/digcomp.py --ratio, bench/documents_helper.py,
bench/matcher_scale.py, and on PostgreSQL bench/webhook_jobs.py (also ``--first``) and
bench/worker_memory.py (skipped, and said so, without one). Used by bench/run.py (``make bench``).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLAT = 0.1  # MB/min: a second-half slope at most this counts as flat


@dataclass
class Output:
    """One script's run: its command (as shown), stdout, and how it ended."""

    shown: str
    stdout: str = ""
    failed: str | None = None  # why there are no figures (skipped, or its exit and error)
    seconds: float = 0.0

    def figures(self) -> Any:
        """The JSON on the script's ``figures: `` line, if it printed one."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("figures: "):
                return json.loads(line.removeprefix("figures: "))
        return None


def run_script(args: list[str], env: dict[str, str] | None = None) -> Output:
    shown = " ".join("URL" if "://" in a else a for a in args)  # no password in the file
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / args[0]), *args[1:]],
        cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})},
    )  # fmt: skip
    out = Output(f"python bench/{shown}", result.stdout, seconds=time.monotonic() - started)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        out.failed = f"failed (exit {result.returncode}: {last[:200]})"
    return out


@dataclass
class Table:
    rows: list[str] = field(default_factory=list)

    def add(
        self,
        what: str,
        script: str,
        ours: str,
        base: str = "—",
        ratio: str = "—",
        target: str = "reported",
        met: bool | None = None,
    ) -> None:
        shown = "—" if met is None else ("**yes**" if met else "**no**")
        self.rows.append(f"| {what} | {script} | {ours} | {base} | {ratio} | {target} | {shown} |")

    def missing(self, what: str, script: str, out: Output, target: str) -> None:
        self.add(what, script, out.failed or "no figures in its output", target=target)


def _number(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


def startup_rows(table: Table, out: Output) -> None:
    figures = {
        m.group(1): (float(m.group(2)), float(m.group(3)))
        for m in re.finditer(r"^(\w+)\s+CPU ([\d.]+) s\s+peak RSS ([\d.]+) MiB", out.stdout, re.M)
    }
    for what, name, cpu_target, rss_target in (
        ('`python -m bot ask "kur meklēt partnerus?"`', "ask", 2.0, 35.0),
        ("`python -m bot chat` to its first prompt", "chat", 3.0, 60.0),
    ):
        script = f"bench/baseline_{name}.py (via bench/startup.py)"
        if name not in figures or f"baseline_{name}" not in figures:
            table.missing(f"{what}, CPU", script, out, f"≤ {cpu_target:g}×")
            continue
        (cpu, rss), (base_cpu, base_rss) = figures[name], figures[f"baseline_{name}"]
        table.add(
            f"{what}, CPU (median)", script, f"{cpu:.2f} s", f"{base_cpu:.2f} s",
            f"{cpu / base_cpu:.2f}×", f"≤ {cpu_target:g}×", cpu / base_cpu <= cpu_target,
        )  # fmt: skip
        table.add(
            f"{what}, peak RSS", script, f"{rss:.1f} MiB", f"{base_rss:.1f} MiB",
            f"{rss / base_rss:.2f}×", f"≤ {rss_target:g} MiB", rss <= rss_target,
        )  # fmt: skip


def digcomp_rows(table: Table, out: Output) -> None:
    ours = _number(r"warm: ([\d.]+) ms CPU", out.stdout)
    base = _number(r"baseline_digcomp\.py\) ([\d.]+) ms CPU", out.stdout)
    script = "bench/baseline_digcomp.py (via bench/digcomp.py --ratio)"
    what = "DigComp quick result warm (texts, chart, PDF), CPU"
    if ours is None or base is None:
        table.missing(what, script, out, "≤ 1.1×")
        return
    ratio = ours / base
    table.add(what, script, f"{ours:.0f} ms", f"{base:.0f} ms", f"{ratio:.2f}×", "≤ 1.1×",
              ratio <= 1.1)  # fmt: skip


def helper_rows(table: Table, out: Output) -> None:
    timed = {
        m.group(1).strip(): (float(m.group(2)), float(m.group(3)))
        for m in re.finditer(r"^(.+?)\s+wall\s+([\d.]+) ms\s+CPU\s+([\d.]+) ms", out.stdout, re.M)
    }
    first = _number(r"right after enable\(\): wall ([\d.]+) ms", out.stdout)
    script = "bench/documents_helper.py (in-process build of the same PDF)"
    helper, inline = timed.get("helper, warm (after)"), timed.get("in-process")
    spawn = timed.get("spawn per document (before)")
    what = "DigComp PDF through the warm document helper, wall"
    if helper is None or inline is None:
        table.missing(what, script, out, "reported")
    else:
        note = f" (a new interpreter per PDF: {spawn[0]:.0f} ms)" if spawn else ""
        table.add(what, script, f"{helper[0]:.0f} ms{note}", f"{inline[0]:.0f} ms",
                  f"{helper[0] / inline[0]:.2f}×")  # fmt: skip
    if first is None:
        table.missing("first PDF right after the helper is enabled, wall", "—", out, "≤ 1 s")
    else:
        table.add("first PDF right after the helper is enabled, wall", "bench/documents_helper.py",
                  f"{first:.0f} ms", target="≤ 1 s", met=first <= 1000)  # fmt: skip


def matcher_rows(table: Table, out: Output) -> None:
    pattern = (
        r"^{name}: (\d+) entries, build ([\d.]+) ms CPU \(([\d.]+) ms/entry; inverted-index "
        r"baseline ([\d.]+) ms\), index ([\d.]+) MiB \(([\d.]+) KiB/entry\), question CPU "
        r"median ([\d.]+) ms, p99 ([\d.]+) ms"
    )
    script = "bench/baseline_index.py (via bench/matcher_scale.py)"
    for name, p99_target in (("shipped", None), (r"synthetic \d+", 25.0)):
        found = re.search(pattern.format(name=name), out.stdout, re.M)
        if found is None:
            table.missing(f"matcher build ({name})", script, out, "≤ 0.5 ms/entry")
            continue
        entries, build, per_entry, base, memory, per_kib, median, p99 = (
            float(g) for g in found.groups()
        )
        label = f"{entries:,.0f} entries"
        table.add(
            f"matcher build, {label}, CPU", script, f"{build:.0f} ms ({per_entry:.2f} ms/entry)",
            f"{base:.0f} ms", f"{build / base:.1f}×", "≤ 0.5 ms/entry", per_entry <= 0.5,
        )  # fmt: skip
        table.add(
            f"question CPU, {label} (median; p99)", "—", f"{median:.2f} ms; {p99:.2f} ms",
            target=f"p99 ≤ {p99_target:g} ms" if p99_target else "reported",
            met=(p99 <= p99_target) if p99_target else None,
        )  # fmt: skip
        table.add(f"index memory, {label}", "—", f"{memory:.1f} MiB ({per_kib:.1f} KiB/entry)")


def webhook_rows(table: Table, out: Output) -> None:
    figures = out.figures()
    script = "bench/webhook_jobs.py"
    if not figures:
        table.missing("webhook: text/button updates, p99 to the 200", script, out, "≤ 250 ms")
        return
    rounds = next(iter(figures.values()))
    runs = len(rounds)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    def worst(key: str) -> float:
        return max(r[key] for r in rounds)

    note = f" (median of {runs} runs)" if runs > 1 else ""
    table.add(f"webhook, 2 workers, 100 updates/s: text/button p99 to the 200{note}", script,
              f"{med('plain_p99'):.0f} ms", target="≤ 250 ms",
              met=worst("plain_p99") <= 250)  # fmt: skip
    table.add(f"same, worker CPU per text/button update{note}", script,
              f"{med('cpu_ms'):.1f} ms", target="≤ 8 ms", met=med("cpu_ms") <= 8)  # fmt: skip
    table.add(f"same, PostgreSQL transactions per update{note}", script,
              f"{med('tx_per_update'):.2f}", target="≤ 2",
              met=med("tx_per_update") <= 2)  # fmt: skip
    table.add("idle: PostgreSQL transactions/s, 2 workers (all of them, not only the sender's)",
              script, f"{med('idle_tx_s'):.1f}", target="sender ≤ 1 query/s")  # fmt: skip
    table.add(f"with DigComp learners: p99 to the 200; requests over 5 s{note}", script,
              f"{med('mixed_p99'):.0f} ms; {worst('over_5s')}",
              target="p99 ≤ 250 ms, none over 5 s",
              met=worst("mixed_p99") <= 250 and worst("over_5s") == 0)  # fmt: skip
    table.add(
        "last answer to the PDF arriving (p50 / p99)",
        script,
        f"{med('pdf_p50'):.1f} s / {med('pdf_p99'):.1f} s ({rounds[-1]['pdfs']} PDFs)",
    )


def first_result_rows(table: Table, out: Output) -> None:
    """bench/webhook_jobs.py --first: the first DigComp results after the workers start."""
    figures = out.figures()
    script = "bench/webhook_jobs.py --first"
    what = "first DigComp result after 2 workers start, 100 updates/s: commit → PDF built, wall"
    if not figures:
        table.missing(what, script, out, "≤ 1 s")
        return
    runs = next(iter(figures.values()))
    built = [r["job_pdf_s"] * 1000 for run in runs for r in run["results"]]
    table.add(what, script, f"{statistics.median(built):.0f} ms (max {max(built):.0f} ms)",
              target="≤ 1 s", met=max(built) <= 1000)  # fmt: skip


def memory_rows(table: Table, out: Output) -> None:
    figures = out.figures()
    script = "bench/worker_memory.py"
    if not figures:
        table.missing("webhook worker's resident size", script, out, "≤ 80 MB")
        return
    what = (
        f"real webhook worker (largest of {figures['workers']}) after {figures['updates']} "
        f"mixed updates and {figures['learners']} DigComp results in "
        f"{figures['minutes']:.1f} min: ready / end / peak"
    )
    table.add(what, script,
              f"{figures['ready']:.1f} / {figures['end']:.1f} / {figures['peak']:.1f} MB",
              target="≤ 80 MB", met=figures["peak"] <= 80)  # fmt: skip
    table.add("same, slope over the second half", script, f"{figures['slope']:+.2f} MB/min",
              target=f"flat (≤ {FLAT} MB/min)", met=figures["slope"] <= FLAT)  # fmt: skip
    table.add("document helper's peak (VmHWM)", script, f"{figures['helper_peak']:.1f} MB")


def postgres_reachable(url: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(database="postgres")
    engine = create_engine(admin, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def section(
    database: str | None, memory_minutes: float = 3.0, webhook_rounds: int = 1
) -> list[str]:
    """The section's lines. ``database``: PostgreSQL for the webhook benches (None: the
    scripts' default, used when reachable)."""
    url = database or os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/celvedis_bench"
    )
    env = {"BENCH_DATABASE_URL": url, "BENCH_ROUNDS": str(webhook_rounds)}
    load = _load()
    outputs = {
        "startup": run_script(["startup.py"]),
        "digcomp": run_script(["digcomp.py", "--ratio"]),
        "helper": run_script(["documents_helper.py"]),
        "matcher": run_script(["matcher_scale.py"]),
    }
    on_postgres = [
        ("webhook", ["webhook_jobs.py"]),
        ("first", ["webhook_jobs.py", "--first"]),
        ("memory", ["worker_memory.py", "--database", url, "--minutes", f"{memory_minutes:g}"]),
    ]
    reachable = postgres_reachable(url)
    for name, args in on_postgres:
        if reachable:
            outputs[name] = run_script(args, env)
        else:
            shown = "python bench/" + " ".join("URL" if "://" in a else a for a in args)
            outputs[name] = Output(shown, failed="skipped: no PostgreSQL (give --database)")
    table = Table()
    startup_rows(table, outputs["startup"])
    digcomp_rows(table, outputs["digcomp"])
    helper_rows(table, outputs["helper"])
    matcher_rows(table, outputs["matcher"])
    webhook_rows(table, outputs["webhook"])
    first_result_rows(table, outputs["first"])
    memory_rows(table, outputs["memory"])
    lines = [
        "## Issue 15: ratios against bare baselines",
        "",
        "Each row comes from the script named (its output below); a ratio is taken within one "
        "run of its script, which measures its baseline alongside (runs alternating, medians). "
        "CPU is user + system time; *wall* is marked. MB = 10^6 bytes, MiB = 2^20. "
        f"Load average (1, 5, 15 min) when this section started: {load}.",
        "",
        "| what | baseline script | Ceļvedis | baseline | ratio | target | met? |",
        "|---|---|---|---|---|---|---|",
        *table.rows,
        "",
        "The scripts' own output:",
        "",
        "```",
    ]
    for out in outputs.values():
        lines.append(f"$ {out.shown}   # {out.seconds:.0f} s")
        shown = [ln for ln in out.stdout.rstrip("\n").split("\n") if not ln.startswith("figures:")]
        lines += [*shown, *([out.failed] if out.failed else []), ""]
    return [*lines[:-1], "```"]


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    print("\n".join(section(sys.argv[1] if len(sys.argv) > 1 else None)))
