"""A webhook-style worker's memory over a long run (issue 15, target 5).

One process plays a webhook worker: the Dialogue built as ``bot.telegram.webhook`` builds it
(PostgreSQL, schema already migrated, flood control on, documents in the helper process of
``flows.isolation``), fed ``--updates`` mixed updates (70 % questions from the evaluation set,
30 % commands) and ``--results`` DigComp quick runs to their result (/start, the language, the
21 answers: chart and PDF built by the helper), spread evenly over ``--minutes``. Each update
goes through ``Dialogue.handle_update`` with its own update id, as the webhook does (without
the outbox, which is the transport's). The worker's resident size is sampled every few
seconds; the report gives it at the start, after warm-up, at the end and at its peak, the
least-squares slope over the second half of the run (MB/min), and the document helper's own
peak (VmHWM, the largest of the helpers that ran).

Usage: ``python bench/memory_run.py --database postgresql+psycopg://… [--minutes 10]
[--updates 1000] [--results 40]``. The database must exist; its tables are migrated here."""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_dialogue  # noqa: E402
from bot.dialogue.core import Dialogue  # noqa: E402
from bot.dialogue.flood import FloodLimits  # noqa: E402
from bot.dialogue.messages import Input, Reply  # noqa: E402
from flows import isolation  # noqa: E402
from knowledge.evaluation import load_eval_set  # noqa: E402

COMMANDS = ("/start", "/help", "/menu", "/privacy", "/projects", "/language")
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 1e6


def peak_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            line = next(line for line in handle if line.startswith("VmHWM"))
    except (OSError, StopIteration):
        return None
    return int(line.split()[1]) * 1024 / 1e6


class Worker:
    """The dialogue and an update-id counter, as one webhook worker has them."""

    def __init__(self, database_url: str) -> None:
        # The webhook's parent process migrates (Alembic stays out of the workers): here a child.
        migrate = "import sys; from storage.db import Database; Database(sys.argv[1]).migrate()"
        subprocess.run([sys.executable, "-c", migrate, database_url], cwd=ROOT, check=True)
        isolation.enable()
        self.dialogue: Dialogue = build_dialogue(
            database_url, migrate=False, flood=FloodLimits(), warm_up=False
        )
        self._ids = itertools.count(int(time.time() * 1000) % 10**9 * 100)

    def send(self, user: int, kind: str, payload: str) -> list[Reply]:
        replies: list[Reply] = []

        def keep(_session: object, _inp: Input, out: list[Reply]) -> None:
            replies.extend(out)

        inp = Input(user, user, kind, payload, "lv")  # type: ignore[arg-type]
        self.dialogue.handle_update(inp, next(self._ids), keep)
        return replies


def press(worker: Worker, user: int, replies: list[Reply], label_part: str) -> list[Reply]:
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                if label_part in button.label and button.data:
                    return worker.send(user, "button", button.data)
    raise RuntimeError(f"no button with {label_part!r}")


DIGCOMP_STEPS = 24  # /start, the language, /digcomp quick, 21 answers
STEP_SECONDS = 1.5  # between one person's taps (flood control allows 20 in 10 s)


def digcomp_result(worker: Worker, user: int, rng: random.Random) -> Iterator[None]:
    """/start, Latvian, /digcomp quick and the 21 answers, one update a step."""
    replies = worker.send(user, "command", "/start")
    yield
    press(worker, user, replies, "Latviešu")
    yield
    replies = worker.send(user, "command", "/digcomp quick")
    for _ in range(21):
        yield
        replies = press(worker, user, replies, rng.choice(("Patstāvīgi", "Droši")))
    if not any(f.filename.endswith(".pdf") for r in replies for f in r.files):
        raise RuntimeError("the DigComp result came without its PDF")


class Sampler(threading.Thread):
    """The worker's RSS every ``every`` seconds and the helpers' peaks."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[tuple[float, float]] = []
        self.helper_peak = 0.0
        self.stopped = threading.Event()
        self.start_time = time.monotonic()

    def sample(self) -> None:
        self.samples.append((time.monotonic() - self.start_time, resident_mb()))
        helper = isolation.helper_pid()
        if helper is not None:
            self.helper_peak = max(self.helper_peak, peak_mb(helper) or 0.0)

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS over time, MB per minute."""
    if len(samples) < 2:
        return 0.0
    times = [t for t, _ in samples]
    values = [v for _, v in samples]
    mean_t, mean_v = statistics.fmean(times), statistics.fmean(values)
    var = sum((t - mean_t) ** 2 for t in times)
    cov = sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values, strict=True))
    return cov / var * 60 if var else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("MEMORY_RUN_DATABASE_URL"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--results", type=int, default=40)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    args = parser.parse_args()
    if not args.database:
        parser.error("--database (or MEMORY_RUN_DATABASE_URL) is needed: a PostgreSQL URL")
    rng = random.Random(15)
    questions = [item.question for item in load_eval_set()]
    start_rss = resident_mb()
    worker = Worker(args.database)
    sampler = Sampler(args.every)
    sampler.sample()
    sampler.start()
    # The plan: single updates evenly over the run (shuffled questions and commands); each
    # DigComp run starts at an even share of the run and taps every STEP_SECONDS.
    seconds = args.minutes * 60
    singles = ["question"] * round(args.updates * 0.7)
    singles += ["command"] * (args.updates - len(singles))
    rng.shuffle(singles)
    events: list[tuple[float, int, str]] = [
        (seconds * i / len(singles), i, kind) for i, kind in enumerate(singles)
    ]
    room = max(0.0, seconds - DIGCOMP_STEPS * STEP_SECONDS)
    for k in range(args.results):
        begin = room * k / max(1, args.results)
        events += [(begin + j * STEP_SECONDS, k, "digcomp") for j in range(DIGCOMP_STEPS)]
    events.sort()
    users = itertools.count(10**8 + int(time.time()) % 10**6 * 100)  # new users each run
    runs: dict[int, Iterator[None]] = {}
    done = results = 0
    after_warm_up = None
    began = time.monotonic()
    for at, k, kind in events:
        time.sleep(max(0.0, began + at - time.monotonic()))
        if kind == "digcomp":
            if k not in runs:
                runs[k] = digcomp_result(worker, next(users), rng)
            if next(runs[k], "finished") == "finished":
                results += 1
        elif kind == "question":
            worker.send(6_000_000 + rng.randrange(400), "text", rng.choice(questions))
        else:
            worker.send(6_000_000 + rng.randrange(400), "command", rng.choice(COMMANDS))
        done += 1
        if after_warm_up is None and time.monotonic() - began > min(60.0, seconds / 5):
            after_warm_up = resident_mb()
    sampler.sample()
    sampler.stopped.set()
    sampler.join()
    elapsed = time.monotonic() - began
    samples = sampler.samples
    second_half = [(t, v) for t, v in samples if t >= samples[-1][0] / 2]
    print(
        f"{done} updates ({results} DigComp results) in {elapsed / 60:.1f} min; worker RSS: "
        f"{start_rss:.0f} MB at start, {samples[0][1]:.0f} MB ready, "
        f"{after_warm_up or samples[0][1]:.0f} MB after warm-up, {samples[-1][1]:.0f} MB at the "
        f"end, peak {max(v for _, v in samples):.0f} MB; slope over the second half "
        f"{slope_mb_per_min(second_half):+.2f} MB/min (whole run "
        f"{slope_mb_per_min(samples):+.2f}); document helper's peak "
        f"{sampler.helper_peak:.0f} MB"
    )
    isolation.enable(False)
    worker.dialogue.db.dispose()


if __name__ == "__main__":
    main()
