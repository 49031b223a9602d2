"""Start-up against bare baselines: CPU time and peak RSS of ``python -m bot ask`` against
bench/baseline_ask.py, and of ``python -m bot chat`` up to its first prompt (run on a
pseudo-terminal, measured when "> " appears) against bench/baseline_chat.py — for a new user
(the language picker) and for a returning user in the middle of a tool (welcome, privacy
notice, main menu with "continue"). Then the time from the prompt to the first answer to a
typed question, typed at once and after a pause of 1 s or 3 s (someone reading the screen):
wall time until the answer's prompt, the process's CPU meanwhile (with whatever start-up work
runs after the prompt) and the wall time from launch to the answer, the pause left out.

Runs alternate (A B A B); medians are printed. ``--before DIR`` measures the chat of another
checkout (e.g. a worktree of ``main``) in the same rounds, for a before/after comparison.
Usage: ``python bench/startup.py [rounds] [--before DIR]``."""

from __future__ import annotations

import argparse
import functools
import os
import pty
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUESTION = "kur meklēt partnerus?"
TICK = os.sysconf("SC_CLK_TCK")
NEW_USER, RETURNING_USER = "990001", "990002"
RETURNING_SETUP = "/start\n2\n/digcomp\n1\n"  # English, DigComp started: a "continue" in the menu
PAUSES = (1.0, 3.0)  # seconds before typing the question in the "after a pause" runs

Figures = dict[str, float]


def _finished(argv: list[str], cwd: Path = ROOT) -> Figures:
    """CPU seconds and peak RSS (MiB) of a command run to its end."""
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return {"cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


def _cpu_and_peak(pid: int) -> tuple[float, float]:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/status") as handle:
        peak = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))
    return (int(fields[11]) + int(fields[12])) / TICK, peak / 1024


def _read_until(fd: int, seen: bytes, done: Callable[[bytes], bool]) -> bytes:
    deadline = time.monotonic() + 60
    while not done(seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            seen += os.read(fd, 65536)
    return seen


def _to_prompt(
    argv: list[str], cwd: Path = ROOT, question: str | None = None, pause: float = 0.0
) -> Figures:
    """CPU seconds and peak RSS (MiB) of an interactive command when "> " first appears; with
    ``question``, typed ``pause`` seconds later, also the wall time and CPU until the answer
    (the next "> ") and the peak RSS then."""
    launched = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execv(argv[0], argv)
    seen = _read_until(fd, b"", lambda out: b"> " in out)
    cpu, peak = _cpu_and_peak(pid)
    figures = {"cpu": cpu, "rss": peak, "wall": time.perf_counter() - launched}
    if question is not None:
        time.sleep(pause)
        before, _ = _cpu_and_peak(pid)
        prompts = seen.count(b"> ")
        start = time.perf_counter()
        os.write(fd, question.encode() + b"\n")
        _read_until(fd, seen, lambda out: out.count(b"> ") > prompts)
        figures["answer_wall"] = time.perf_counter() - start
        figures["launch_to_answer"] = time.perf_counter() - launched - pause
        after, figures["answer_rss"] = _cpu_and_peak(pid)
        figures["answer_cpu"] = after - before
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    os.close(fd)
    return figures


def _prepare(cwd: Path) -> None:
    """The index cache written and the returning user put in the middle of DigComp."""
    subprocess.run([PYTHON, "-m", "bot", "ask", QUESTION], cwd=cwd, check=True, capture_output=True)
    subprocess.run(
        [PYTHON, "-m", "bot", "chat", "--user", RETURNING_USER],
        cwd=cwd, input=RETURNING_SETUP, text=True, check=True, capture_output=True,
    )  # fmt: skip


def _chat_commands(prefix: str, cwd: Path) -> dict[str, Callable[[], Figures]]:
    def chat(user: str) -> list[str]:
        return [PYTHON, "-m", "bot", "chat", "--user", user]

    return {
        f"{prefix}chat": lambda: _to_prompt(chat(NEW_USER), cwd),
        f"{prefix}chat_returning": lambda: _to_prompt(chat(RETURNING_USER), cwd),
        f"{prefix}answer_at_once": lambda: _to_prompt(chat(RETURNING_USER), cwd, QUESTION),
        **{
            f"{prefix}answer_after_{pause:.0f}s": functools.partial(
                _to_prompt, chat(RETURNING_USER), cwd, QUESTION, pause
            )
            for pause in PAUSES
        },
    }


def measure(rounds: int = 5, before: Path | None = None) -> dict[str, Figures]:
    """Medians of each figure per command, runs alternating."""
    commands: dict[str, Callable[[], Figures]] = {
        "baseline_ask": lambda: _finished([PYTHON, "bench/baseline_ask.py", QUESTION]),
        "ask": lambda: _finished([PYTHON, "-m", "bot", "ask", QUESTION]),
        "baseline_chat": lambda: _to_prompt([PYTHON, "bench/baseline_chat.py"]),
        **_chat_commands("", ROOT),
    }
    _prepare(ROOT)
    if before is not None:
        _prepare(before)
        commands.update(_chat_commands("before_", before))
    samples: dict[str, list[Figures]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, run in commands.items():
            samples[name].append(run())
    return {
        name: {key: statistics.median(s[key] for s in runs) for key in runs[0]}
        for name, runs in samples.items()
    }


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("rounds", type=int, nargs="?", default=5)
    options.add_argument("--before", type=Path, help="another checkout's chat, for comparison")
    args = options.parse_args()
    figures = measure(args.rounds, args.before)
    for name, values in figures.items():
        line = f"{name:25} CPU {values['cpu']:.3f} s  peak RSS {values['rss']:.1f} MiB"
        if "answer_wall" in values:
            line += (
                f"  → answer: wall {values['answer_wall'] * 1000:.0f} ms, "
                f"CPU {values['answer_cpu'] * 1000:.0f} ms, peak RSS {values['answer_rss']:.1f} MiB"
                f"; launch → answer (pause left out) {values['launch_to_answer']:.2f} s"
            )
        elif "wall" in values:
            line += f"  wall {values['wall']:.2f} s"
        print(line)
    for what in ("ask", "chat", "chat_returning", "before_chat", "before_chat_returning"):
        if what not in figures:
            continue
        base = figures["baseline_ask" if what == "ask" else "baseline_chat"]
        cpu, peak = figures[what]["cpu"], figures[what]["rss"]
        ratios = f"{cpu / base['cpu']:.2f}× CPU, {peak / base['rss']:.2f}× RSS"
        print(f"{what}: {ratios} of its baseline")


if __name__ == "__main__":
    main()
