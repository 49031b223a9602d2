"""Privacy and faults on real webhook worker processes (PostgreSQL, fake Bot API): a group chat
gets nothing personal, a DEBUG log holds no token, secret or user text (also through a held
table lock), poison updates are dropped, a wrong database URL is one line, and a clean stop
leaves no session or lock behind."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL
from tests.support.fake_bot_api import FakeBotApi
from tests.support.ports import reserved_port
from tests.support.webhook_cluster import (
    ROOT,
    SECRET,
    SimulatedUser,
    TelegramSender,
    WebhookCluster,
)

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")

GROUP = -1009876543210
MARKER = "Kokvilnaszirneklis"  # a word a user types, never to be logged
COMMANDS = (
    "start", "help", "language", "menu", "cancel", "projects", "privacy", "mydata", "forget",
    "digcomp", "digcomp quick", "risks", "partners", "sustainability", "stats", "unanswered",
)  # fmt: skip


def _group(update: dict[str, object]) -> dict[str, object]:
    message = update["message"]
    assert isinstance(message, dict)
    message["chat"] = {"id": GROUP, "type": "supergroup", "title": "Skolotāju istaba"}
    return update


def _outbox_rows(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            return int(db.execute(text("SELECT count(*) FROM outbox")).scalar_one())
    finally:
        engine.dispose()


def test_groups_poison_and_a_held_lock_at_debug_leak_nothing(postgres: str, tmp_path: Path) -> None:
    from tests.bot.fake_telegram import message_update

    log_path = tmp_path / "server.log"
    with (
        FakeBotApi() as fake,
        WebhookCluster(postgres, fake, workers=2, log_path=log_path, LOG_LEVEL="DEBUG") as cluster,
    ):
        sender = TelegramSender(cluster.url)
        client = httpx.Client(timeout=30)
        # A group member runs every command (an admin, too), and mentions the bot.
        admin = 4100
        for command in COMMANDS:
            sender.post(client, _group(message_update(admin, f"/{command}")))
        sender.post(client, _group(message_update(admin, f"@celvedis_bot {MARKER}?")))
        # Poison ids: acknowledged, dropped.
        for big in (2**63, 10**30):
            sender.post(client, {**message_update(4101, MARKER), "update_id": big})
        # A user's question while another session holds the users table for 10 s.
        holding = create_engine(postgres)
        holder = holding.connect()
        holder.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
        asked = threading.Thread(
            target=sender.post, args=(client, message_update(4102, f"kas ir {MARKER}?"))
        )
        asked.start()
        # Until the worker has given up on the lock at least once (its 3 s lock time-out,
        # logged), however long a loaded machine takes to get the question there; was 10 s.
        deadline = time.monotonic() + 300.0
        while "database trouble" not in log_path.read_text(encoding="utf-8", errors="replace"):
            assert time.monotonic() < deadline, "the held lock never timed the question out"
            time.sleep(0.2)
        holder.rollback()
        holder.close()
        holding.dispose()  # not left in a pool: a session later tests would see
        asked.join()
        # Normal users meanwhile still get through the whole conversation.
        SimulatedUser(4103, sender, fake).converse(2)
        assert fake.wait_for(lambda calls: bool(fake.messages_for(4102)), timeout=60)
        assert fake.wait_for(
            lambda calls: len(fake.calls(chat_id=GROUP)) >= len(COMMANDS) + 1, timeout=60
        )
        # Every reply sent and its row deleted: nothing is left that could still reach the group.
        deadline = time.monotonic() + 300.0
        while _outbox_rows(postgres):
            assert time.monotonic() < deadline, "the outbox never drained"
            time.sleep(0.2)
        to_group = fake.calls(chat_id=GROUP)
        client.close()
    # 0 personal payloads to the group: one line each, no file, no photo.
    assert len(to_group) == len(COMMANDS) + 1
    assert {c.method for c in to_group} == {"sendMessage"}
    assert all((c.text or "").startswith("🔒 Grupā neko personisku nerādu") for c in to_group)
    assert sender.attempts > len(sender.accepted)  # the lock cost a retry, not an apology
    assert not any("greizi" in t for t in fake.messages_for(4102))
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert "DEBUG" in logged and "update" in logged
    assert fake.token not in logged and fake.token.split(":", 1)[1] not in logged
    assert SECRET not in logged
    assert MARKER not in logged
    assert "database trouble" in logged  # the lock time-out was logged, without the text


def test_a_clean_stop_leaves_no_session_or_lock_behind(postgres: str) -> None:
    engine = create_engine(postgres)
    with engine.connect() as db:  # sessions this test's process already holds are not the cluster's
        before = [
            r[0]
            for r in db.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        ]
    with FakeBotApi() as fake:
        cluster = WebhookCluster(postgres, fake, workers=2).start()
        sender = TelegramSender(cluster.url)
        users = [SimulatedUser(4200 + i, sender, fake) for i in range(6)]
        threads = [threading.Thread(target=u.converse, args=(4,)) for u in users]
        for thread in threads:
            thread.start()
        stuck = []
        for _ in range(20):  # nobody sits idle in a transaction while it runs
            with engine.connect() as db:
                stuck += db.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND state = 'idle in transaction' "
                        "AND now() - state_change > interval '2 seconds'"
                    )
                ).all()
            time.sleep(0.25)
        for thread in threads:
            thread.join()
        assert cluster.stop() == 0
        # A closed connection's backend leaves pg_stat_activity a moment later (longer on a
        # loaded machine): wait for it, up to a bound, rather than a fixed pause.
        deadline = time.monotonic() + 60.0
        while True:
            with engine.connect() as db:
                others = db.execute(
                    text(
                        "SELECT state, backend_start, left(query, 80) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND pid <> ALL(:before)"
                    ),
                    {"before": before},
                ).all()
                advisory = db.execute(
                    text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                        "AND pid <> ALL(:before)"
                    ),
                    {"before": before},
                ).all()
            if (not others and not advisory) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        engine.dispose()
    assert stuck == []
    assert others == [] and advisory == []


def test_a_wrong_database_url_is_one_line_and_a_non_zero_exit() -> None:
    with reserved_port() as nobody, reserved_port() as port:  # refused, and ours to listen on
        env = {
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"postgresql+psycopg://celvedis:pw@127.0.0.1:{nobody}/nope",
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "WEBHOOK_SECRET": SECRET,
            "PORT": str(port),
        }
        done = subprocess.run(
            [sys.executable, "-m", "bot", "webhook", "--host", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,  # a hang guard: start-up takes seconds, longer on a loaded machine
        )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Cannot start: DATABASE_URL: cannot reach the database")
