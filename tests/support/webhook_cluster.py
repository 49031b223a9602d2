"""Webhook workers in real processes, and simulated Telegram users driving them.

``WebhookCluster`` starts ``python -m bot webhook --workers N`` against a database and a
``FakeBotApi``; ``TelegramSender`` posts updates the way Telegram does (re-sending until it gets
a 200); ``SimulatedUser`` runs a scripted conversation — commands, a question, the DigComp
self-assessment with button presses, a pause and a resume — waiting for each reply like a person.
Used by the load and fault tests (tests/system) and the webhook benchmark (bench/webhook.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.bot.fake_telegram import callback_update, message_update
from tests.support.fake_bot_api import ApiCall, FakeBotApi
from tests.support.ports import reserve_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cluster-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SENDING = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
# Seconds the server may take to become healthy: a few on a quiet machine; under a load average
# of 30 on 2 cores it took 47 s (waiting ends as soon as it is healthy).
START_TIMEOUT = 300.0


class WebhookCluster:
    """``python -m bot webhook`` with ``workers`` processes on a port reserved for it until
    ``stop()`` (``tests.support.ports``: no other program takes it before the server binds)."""

    def __init__(
        self,
        database_url: str,
        fake: FakeBotApi,
        workers: int = 2,
        log_path: Path | None = None,
        **env: str,
    ) -> None:
        """``log_path``: write the server's log there (else it is kept for error messages)."""
        self.log_path = log_path
        self._reservation = reserve_port()
        self.port = int(self._reservation.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PATH": "/telegram",
            "PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = START_TIMEOUT) -> WebhookCluster:
        log = open(self.log_path, "wb") if self.log_path else subprocess.PIPE  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "webhook", "--workers", str(self.workers),
             "--host", "127.0.0.1"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # its own process group: workers can be killed with it
        )  # fmt: skip
        if self.log_path:
            log.close()  # type: ignore[union-attr]
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.kill()  # no server or worker left running after a failed start
            raise
        return self

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Until /healthz answers 200 and every worker process is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"the webhook server exited: {error[-2000:]}")
            try:
                ready = httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.2)
        raise TimeoutError("the webhook server did not become healthy")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the uvicorn parent; the parent itself for 1)."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [p for p in pids if _is_worker(p)]

    def kill_worker(self) -> int:
        """SIGKILL the oldest worker (uvicorn's supervisor starts a new one); killing twice
        kills both original workers, so the leader among them too."""
        pid = min(self.worker_pids())
        os.kill(pid, signal.SIGKILL)
        return pid

    def rss_mb(self) -> dict[int, float]:
        """Resident memory of each worker in MB."""
        sizes = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) / 1024
        return sizes

    def stop(self, timeout: float = 120.0) -> int:
        """SIGTERM (graceful: requests in flight finish) and wait; the exit code. Past
        ``timeout``, the server and its workers are killed. The port is given up."""
        if self.process is None:
            self._reservation.close()
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return self.kill()
        finally:
            self._reservation.close()

    def kill(self) -> int:
        """SIGKILL the server and its workers (killing the server alone would leave them
        running) and wait; the exit code."""
        self._reservation.close()
        if self.process is None:
            return 0
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()

    def __enter__(self) -> WebhookCluster:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _is_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmdline  # not multiprocessing's resource tracker


@dataclass
class TelegramSender:
    """Posts updates like Telegram: re-sends on errors and non-200 answers until accepted."""

    url: str
    resend_share: float = 0.0  # also re-send this share of accepted updates (a lost 200)
    latencies: list[float] = field(default_factory=list)
    accepted: set[int] = field(default_factory=set)
    attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(
        self,
        client: httpx.Client,
        update: dict[str, Any],
        timeout: float = START_TIMEOUT,  # re-sent (as Telegram does) for up to this long
        *,
        repeat: bool = True,
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            started = time.perf_counter()
            try:
                response = client.post(
                    f"{self.url}/telegram", json=update, headers={SECRET_HEADER: SECRET}
                )
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            with self._lock:
                self.attempts += 1
                if ok:
                    self.latencies.append(time.perf_counter() - started)
                    self.accepted.add(update["update_id"])
            if ok:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"update {update['update_id']} was never accepted")
            time.sleep(0.2)
        # Every tenth id or so (for a share of 0.1), wherever the ids of this run start: the
        # ids come from one counter for the whole test session.
        if repeat and (update["update_id"] % 100) < self.resend_share * 100:
            self.post(client, update, timeout, repeat=False)


class SimulatedUser:
    """One person: sends, then waits for the bot's reply before the next step."""

    def __init__(self, user_id: int, sender: TelegramSender, fake: FakeBotApi) -> None:
        self.user_id = user_id
        self.sender = sender
        self.fake = fake
        self.client = httpx.Client(timeout=30.0)
        self.seen = 0  # how many of this chat's calls have been looked at
        self.result_seconds = 0.0

    def _wait(
        self, predicate: Callable[[ApiCall], bool], timeout: float = START_TIMEOUT
    ) -> ApiCall:
        """The first new call to this chat matching ``predicate``."""
        found: list[ApiCall] = []

        def check(calls: list[ApiCall]) -> bool:
            mine = [c for c in calls if c.chat_id == self.user_id and c.method in SENDING]
            for index in range(self.seen, len(mine)):
                if predicate(mine[index]):
                    self.seen = index + 1
                    found.append(mine[index])
                    return True
            return False

        self.fake.wait_for(check, timeout=timeout)
        return found[0]

    def say(self, text: str, expect: Callable[[ApiCall], bool]) -> ApiCall:
        self.sender.post(self.client, message_update(self.user_id, text))
        return self._wait(expect)

    def tap(self, call: ApiCall, data_prefix: str, expect: Callable[[ApiCall], bool]) -> ApiCall:
        data = next(d for d in buttons_of(call) if d.startswith(data_prefix))
        message_id = int(call.params.get("message_id") or 1)
        self.sender.post(self.client, callback_update(self.user_id, data, message_id))
        return self._wait(expect)

    def converse(self, answers: int = 6) -> None:
        """/start, pick Latvian, ask, start DigComp quick, answer, pause, ask, resume, answer."""
        picker = self.say("/start", lambda c: "lang:lv" in buttons_of(c))
        self.tap(picker, "lang:lv", lambda c: "menu:digcomp" in buttons_of(c))
        self.say("kur meklēt partnerus?", has_text("eTwinning"))
        step = self.say("/digcomp quick", has_text("1/21"))
        half = answers // 2
        for n in range(2, half + 2):
            step = self.tap(step, "f:", has_text(f"{n}/21"))
        self.say("/cancel", lambda c: "menu:digcomp" in buttons_of(c))
        self.say("kas ir CoVE?", has_text("CoVE"))
        step = self.say("/digcomp", has_text(f"{half + 1}/21"))
        for n in range(half + 2, answers + 2):
            step = self.tap(step, "f:", has_text(f"{n}/21"))
        self.client.close()

    def complete_digcomp(self, read_last: float = 0.0) -> ApiCall:
        """A learner's whole quick self-assessment; returns the PDF's sendDocument call.
        ``read_last``: seconds spent on the last statement before answering (a person reads;
        a script answering at once has used up the chat's burst of messages)."""
        picker = self.say("/start", lambda c: "lang:lv" in buttons_of(c))
        self.tap(picker, "lang:lv", lambda c: "menu:digcomp" in buttons_of(c))
        step = self.say("/digcomp quick", has_text("1/21"))
        for n in range(2, 22):
            step = self.tap(step, "f:", has_text(f"{n}/21"))
        time.sleep(read_last)
        started = time.monotonic()
        document = self.tap(step, "f:", lambda c: c.method == "sendDocument")
        self.result_seconds = document.at - started  # the last answer to the PDF's arrival
        self.client.close()
        return document


def has_text(part: str) -> Callable[[ApiCall], bool]:
    return lambda call: part in (call.text or "")


def buttons_of(call: ApiCall) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        import json

        markup = json.loads(markup)
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [b.get("callback_data", "") for row in rows for b in row]
