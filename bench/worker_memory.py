"""The real webhook workers' memory over a run (issue 15, target 5).

Starts ``python -m bot webhook --workers N`` (as the Procfile does, through
tests/support/webhook_cluster.py) on PostgreSQL with the fake Bot API, and drives it through
HTTP: ``--updates`` mixed single updates (60 % questions from the evaluation set, 25 %
commands, 15 % language buttons, 400 users) and ``--results`` learners going through the
DigComp quick self-assessment to its result (/start, Latvian, /digcomp quick, 21 answers: a
chart and a PDF built by the document helper), spread evenly over ``--minutes``. Every update
waits for its reply at the fake Bot API, not only for the 200 (so the work is done whether the
webhook replies in the request or after it); a learner's run ends when its PDF arrives.

Every ``--every`` seconds each worker's resident size (``/proc/PID/status`` VmRSS) and peak
(VmHWM) are sampled, and the document helpers' (the workers' children) peaks. Reported per
worker: ready (after start-up, before any update), at the end, the peak, and the least-squares
slope over the second half of the run (MB/min, 1 MB = 10^6 bytes); the document helper's peak.
The last line is the figures as JSON (``figures: {...}``), which bench/run.py reads.

    python bench/worker_memory.py [--database URL] [--minutes 10] [--workers 2]
        [--updates 1000] [--results 40] [--env NAME=VALUE ...]

The database (default ``$TEST_DATABASE_URL``, else ``$BENCH_DATABASE_URL``) is emptied first.
``--env`` passes variables to the server (``MALLOC_ARENA_MAX=8``, to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import empty_database  # noqa: E402
from knowledge.evaluation import load_eval_set  # noqa: E402
from tests.bot.fake_telegram import callback_update, message_update  # noqa: E402
from tests.support.fake_bot_api import ApiCall, FakeBotApi  # noqa: E402
from tests.support.webhook_cluster import (  # noqa: E402
    SENDING,
    SimulatedUser,
    TelegramSender,
    WebhookCluster,
    buttons_of,
    has_text,
)

COMMANDS = ("/start", "/help", "/menu", "/privacy", "/projects", "/language")
USERS = 400
DRIVERS = 8  # threads sending the single updates; a user is always on the same one
STEP_PAUSE = 0.5  # seconds a learner waits between a reply and the next answer
REPLY_TIMEOUT = 120.0


def database_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or os.environ.get("BENCH_DATABASE_URL")


def _status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process in MB (empty when it is gone)."""
    figures = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                figures[line[:5]] = int(line.split()[1]) * 1024 / 1e6
    except OSError:
        return {}
    return figures


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in samples)
    mean_v = statistics.fmean(v for _, v in samples)
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    cov = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return cov / var * 60 if var else 0.0


@dataclass
class Sampler:
    """Samples the workers' and their helpers' memory in a thread."""

    cluster: WebhookCluster
    every: float
    began: float = field(default_factory=time.monotonic)
    rss: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    hwm: dict[int, float] = field(default_factory=dict)
    helper_hwm: float = 0.0
    helpers: set[int] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        at = time.monotonic() - self.began
        for pid in self.cluster.worker_pids():
            figures = _status(pid)
            if "VmRSS" in figures:
                self.rss.setdefault(pid, []).append((at, figures["VmRSS"]))
                self.hwm[pid] = max(self.hwm.get(pid, 0.0), figures["VmHWM"])
            for child in _children(pid):
                helper = _status(child)
                if "VmHWM" in helper:
                    self.helpers.add(child)
                    self.helper_hwm = max(self.helper_hwm, helper["VmHWM"])

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.every):
                self.sample()

        self._thread = threading.Thread(target=loop, name="sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()


@dataclass
class Drive:
    """What the driver sent and saw."""

    singles: int = 0
    learners: int = 0
    pdfs: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _single(
    sender: TelegramSender,
    client: httpx.Client,
    fake: FakeBotApi,
    user: int,
    kind: str,
    payload: str,
) -> None:
    """One update, then its reply at the fake Bot API (a new message to the chat)."""
    seen = len(fake.calls())  # calls are only appended: look at the new ones only
    if kind == "button":
        sender.post(client, callback_update(user, payload))
    else:
        sender.post(client, message_update(user, payload))

    def answered(calls: list[ApiCall]) -> bool:
        return any(c.chat_id == user and c.method in SENDING for c in calls[seen:])

    fake.wait_for(answered, timeout=REPLY_TIMEOUT)


def _learner(user: SimulatedUser) -> bool:
    """/start, Latvian, /digcomp quick and the 21 answers; True when the PDF arrived."""
    picker = user.say("/start", lambda c: "lang:lv" in buttons_of(c))
    time.sleep(STEP_PAUSE)
    user.tap(picker, "lang:lv", lambda c: "menu:digcomp" in buttons_of(c))
    time.sleep(STEP_PAUSE)
    step = user.say("/digcomp quick", has_text("1/21"))
    for n in range(2, 22):
        time.sleep(STEP_PAUSE)
        step = user.tap(step, "f:", has_text(f"{n}/21"))  # the first level offered
    time.sleep(STEP_PAUSE)
    document = user.tap(step, "f:", lambda c: c.method == "sendDocument")
    return any(name.endswith(".pdf") for name, _ in document.files.values())


def drive(
    cluster: WebhookCluster, fake: FakeBotApi, minutes: float, updates: int, results: int
) -> Drive:
    """The planned load: single updates evenly over the run, learners starting evenly."""
    rng = random.Random(15)
    questions = [item.question for item in load_eval_set()]
    seconds = minutes * 60
    plan: list[tuple[float, int, str, str]] = []
    for i in range(updates):
        roll = rng.random()
        if roll < 0.6:
            kind, payload = "text", rng.choice(questions)
        elif roll < 0.85:
            kind, payload = "command", rng.choice(COMMANDS)
        else:
            kind, payload = "button", rng.choice(("lang:lv", "lang:en"))
        plan.append(
            (seconds * i / max(1, updates), 6_000_000 + rng.randrange(USERS), kind, payload)
        )
    sender = TelegramSender(cluster.url)
    done = Drive()
    began = time.monotonic()

    def driver(k: int) -> None:
        client = httpx.Client(timeout=30.0)
        for at, uid, kind, payload in plan:
            if uid % DRIVERS != k:
                continue
            time.sleep(max(0.0, began + at - time.monotonic()))
            try:
                _single(sender, client, fake, uid, kind, payload)
                with done.lock:
                    done.singles += 1
            except Exception as exc:
                with done.lock:
                    done.failures.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])
        client.close()

    def learner(k: int) -> None:
        # each starts at an even share of the run, leaving it ~1 min to finish
        time.sleep(
            max(0.0, began + max(0.0, seconds - 60) * k / max(1, results) - time.monotonic())
        )
        user = SimulatedUser(7_000_000 + k, sender, fake)
        try:
            ok = _learner(user)
            with done.lock:
                done.learners += 1
                done.pdfs += ok
        except Exception as exc:
            with done.lock:
                done.failures.append(f"learner: {type(exc).__name__}: {exc}"[:300])
        finally:
            user.client.close()

    with ThreadPoolExecutor(DRIVERS + results) as pool:
        jobs = [pool.submit(driver, k) for k in range(DRIVERS)]
        jobs += [pool.submit(learner, k) for k in range(results)]
        for job in jobs:
            job.result()
    return done


def measure(
    url: str,
    minutes: float,
    workers: int = 2,
    updates: int = 1000,
    results: int = 40,
    every: float = 5.0,
    env: dict[str, str] | None = None,
) -> dict[str, object]:
    empty_database(url)
    with FakeBotApi() as fake:
        cluster = WebhookCluster(url, fake, workers=workers, **(env or {}))
        try:  # stopped also when it never became healthy
            cluster.start(timeout=180.0)
            sampler = Sampler(cluster, every)
            time.sleep(5.0)  # the helper's start and rehearsal (in its own process)
            sampler.began = time.monotonic()
            sampler.sample()
            ready = {pid: series[0][1] for pid, series in sampler.rss.items()}
            sampler.start()
            started = time.monotonic()
            done = drive(cluster, fake, minutes, updates, results)
            elapsed = time.monotonic() - started
            sampler.stop()
        finally:
            cluster.stop()
    per_worker = []
    for pid, series in sampler.rss.items():
        half = series[-1][0] / 2
        per_worker.append(
            {
                "pid": pid,
                "ready": ready.get(pid, series[0][1]),
                "end": series[-1][1],
                "peak": max(sampler.hwm.get(pid, 0.0), max(v for _, v in series)),
                "slope": slope_mb_per_min([(t, v) for t, v in series if t >= half]),
                "slope_all": slope_mb_per_min(series),
            }
        )
    largest = max(per_worker, key=lambda w: w["peak"])
    return {
        "minutes": elapsed / 60,
        "workers": workers,
        "updates": done.singles,
        "learners": done.learners,
        "pdfs": done.pdfs,
        "failures": len(done.failures),
        "failure_examples": done.failures[:3],
        "per_worker": per_worker,
        "ready": max(w["ready"] for w in per_worker),
        "end": max(w["end"] for w in per_worker),
        "peak": largest["peak"],
        "slope": max(w["slope"] for w in per_worker),
        "helper_peak": sampler.helper_hwm,
        "helpers": len(sampler.helpers),
    }


def describe(r: dict[str, object]) -> list[str]:
    lines = [
        f"{r['updates']} single updates and {r['learners']} DigComp results "
        f"({r['pdfs']} PDFs arrived; {r['failures']} failures) in {r['minutes']:.1f} min on "
        f"{r['workers']} real webhook workers (PostgreSQL, fake Bot API, every reply awaited):"
    ]
    for w in r["per_worker"]:  # type: ignore[attr-defined]
        lines.append(
            f"  worker {w['pid']}: {w['ready']:.1f} MB ready, {w['end']:.1f} MB at the end, "
            f"peak {w['peak']:.1f} MB (VmHWM); slope over the second half "
            f"{w['slope']:+.2f} MB/min (whole run {w['slope_all']:+.2f})"
        )
    lines.append(
        f"  document helper's peak: {r['helper_peak']:.1f} MB (VmHWM, the largest of "
        f"{r['helpers']} helper processes)"
    )
    for example in r["failure_examples"]:  # type: ignore[attr-defined]
        lines.append(f"  failure: {example}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=database_url())
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--results", type=int, default=40)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    if not args.database:
        parser.error("--database (or TEST_DATABASE_URL) is needed: a PostgreSQL URL")
    env = dict(item.split("=", 1) for item in args.env)
    figures = measure(
        args.database, args.minutes, args.workers, args.updates, args.results, args.every, env
    )
    print("\n".join(describe(figures)))
    print("figures: " + json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
