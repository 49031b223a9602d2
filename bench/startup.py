"""Start-up against bare baselines: CPU time and peak RSS of ``python -m bot ask`` against
bench/baseline_ask.py, and of ``python -m bot chat`` up to its first prompt (run on a
pseudo-terminal, measured when "> " appears) against bench/baseline_chat.py. Runs alternate
(A B A B); medians are printed. Usage: ``python bench/startup.py [rounds]``."""

from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUESTION = "kur meklēt partnerus?"
TICK = os.sysconf("SC_CLK_TCK")


def _finished(argv: list[str]) -> tuple[float, float]:
    """CPU seconds and peak RSS (MiB) of a command run to its end."""
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _to_prompt(argv: list[str], marker: bytes = b"> ") -> tuple[float, float]:
    """CPU seconds and peak RSS (MiB) of an interactive command when ``marker`` first appears."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execv(argv[0], argv)
    seen = b""
    deadline = time.monotonic() + 60
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            seen += os.read(fd, 65536)
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    with open(f"/proc/{pid}/status") as handle:
        peak = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    os.close(fd)
    return cpu, peak / 1024


def measure(rounds: int = 5) -> dict[str, tuple[float, float]]:
    """Medians of (CPU s, peak MiB) per command, runs alternating."""
    commands = {
        "baseline_ask": lambda: _finished([PYTHON, "bench/baseline_ask.py", QUESTION]),
        "ask": lambda: _finished([PYTHON, "-m", "bot", "ask", QUESTION]),
        "baseline_chat": lambda: _to_prompt([PYTHON, "bench/baseline_chat.py"]),
        "chat": lambda: _to_prompt([PYTHON, "-m", "bot", "chat", "--user", "990001"]),
    }
    commands["ask"]()  # the index cache written, not measured
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, run in commands.items():
            samples[name].append(run())
    return {
        name: (statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs))
        for name, runs in samples.items()
    }


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    figures = measure(rounds)
    for name, (cpu, peak) in figures.items():
        print(f"{name:14} CPU {cpu:.3f} s  peak RSS {peak:.1f} MiB")
    for what in ("ask", "chat"):
        cpu, peak = figures[what]
        base_cpu, base_peak = figures[f"baseline_{what}"]
        print(f"{what}: {cpu / base_cpu:.2f}× CPU, {peak / base_peak:.2f}× RSS of its baseline")


if __name__ == "__main__":
    main()
