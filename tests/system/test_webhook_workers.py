"""Load and faults on real webhook worker processes sharing PostgreSQL, replying through a fake
Bot API server: every update handled once, every answer stored, flow state consistent, replies
in order per chat — also when a worker is SIGKILLed mid-load and Telegram re-sends updates."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL
from tests.support.fake_bot_api import FakeBotApi
from tests.support.webhook_cluster import SimulatedUser, TelegramSender, WebhookCluster

USERS = 24
ANSWERS = 6  # DigComp answers per user (3 before the pause, 3 after)
QUESTIONS = ("kur meklēt partnerus?", "kas ir CoVE?")

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL); CI always sets it"
)


def _converse_all(sender: TelegramSender, fake: FakeBotApi, first_user: int) -> None:
    users = [SimulatedUser(first_user + i, sender, fake) for i in range(USERS)]
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        for future in [pool.submit(user.converse, ANSWERS) for user in users]:
            future.result()


def _check_everything(
    url: str, sender: TelegramSender, fake: FakeBotApi, first: int, *, no_repeats: bool
) -> None:
    """``no_repeats``: no reply delivered twice (without faults; a killed sender may re-send
    what it sent just before it died — at least once, never lost)."""
    engine = create_engine(url)
    with engine.connect() as db:
        marks = {row[0] for row in db.execute(text("SELECT update_id FROM processed_updates"))}
        assert marks == sender.accepted  # every update handled, once
        for offset in range(USERS):
            user = first + offset
            questions = db.execute(
                text("SELECT question FROM question_log WHERE user_id = :u ORDER BY id"),
                {"u": user},
            ).scalars()
            assert tuple(questions) == QUESTIONS  # stored, and none twice
            flow, answers = db.execute(
                text("SELECT flow, answers FROM dialogue_states WHERE user_id = :u"), {"u": user}
            ).one()
            assert flow == "digcomp"
            rated = [k for k in answers if not k.startswith("_") and k != "mode"]
            assert len(rated) == ANSWERS, answers
    engine.dispose()
    for offset in range(USERS):
        texts = fake.messages_for(first + offset)
        progress = [int(t.split("/21")[0].rsplit(" ", 1)[-1]) for t in texts if "/21" in t]
        assert progress == sorted(progress), f"replies out of order: {progress}"
        if no_repeats:  # each step once, and the step shown again on resuming
            half = ANSWERS // 2
            expected = [*range(1, half + 2), *range(half + 1, ANSWERS + 2)]
            assert progress == expected, f"a reply missing or twice: {progress}"
        assert progress[-1] == ANSWERS + 1


def test_many_users_on_two_workers_each_update_once_in_order(postgres: str) -> None:
    with FakeBotApi() as fake, WebhookCluster(postgres, fake, workers=2) as cluster:
        sender = TelegramSender(cluster.url)
        _converse_all(sender, fake, first_user=1000)
        _check_everything(postgres, sender, fake, 1000, no_repeats=True)
        assert len(sender.accepted) == USERS * 13  # 13 updates in each conversation


def test_worker_killed_mid_load_and_resent_updates_lose_nothing_and_double_nothing(
    postgres: str,
) -> None:
    with FakeBotApi() as fake, WebhookCluster(postgres, fake, workers=2) as cluster:
        # Telegram also re-sends a tenth of the updates it already got a 200 for.
        sender = TelegramSender(cluster.url, resend_share=0.1)
        killed: list[int] = []

        def kill_twice() -> None:
            for _ in range(2):
                time.sleep(2.0)
                killed.append(cluster.kill_worker())

        killer = threading.Thread(target=kill_twice)
        killer.start()
        _converse_all(sender, fake, first_user=2000)
        killer.join()
        assert len(killed) == 2
        cluster.wait_healthy()  # the supervisor replaced the killed workers
        _check_everything(postgres, sender, fake, 2000, no_repeats=False)
        assert sender.attempts > len(sender.accepted)  # re-sends happened and were absorbed


def test_graceful_shutdown_finishes_requests_in_flight(postgres: str) -> None:
    """Requests really in flight when SIGTERM comes (held at a table lock another session
    holds, then let go) are finished and answered 200; what got a 200 was committed."""
    with FakeBotApi() as fake:
        cluster = WebhookCluster(postgres, fake, workers=2).start()
        from tests.bot.fake_telegram import message_update as message

        updates = [message(3000 + i, "kas ir CoVE?") for i in range(8)]
        results: dict[int, BaseException | None] = {}

        def post(update: dict[str, object]) -> None:
            import httpx

            try:
                with httpx.Client(timeout=30) as client:
                    response = client.post(
                        f"{cluster.url}/telegram",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": "cluster-secret"},
                    )
                ok = response.status_code == 200
                results[update["update_id"]] = None if ok else AssertionError(response)
            except Exception as exc:  # refused after shutdown began: Telegram would re-send
                results[update["update_id"]] = exc

        engine = create_engine(postgres)
        holder = engine.connect()
        holder.execute(text("LOCK TABLE processed_updates IN ACCESS EXCLUSIVE MODE"))
        threads = [threading.Thread(target=post, args=(u,)) for u in updates]
        for thread in threads:
            thread.start()
        # Until every claim waits, or the first has waited 0.3 s by the server's clock
        # (however long the posts take to arrive on a loaded machine, and however late this
        # process gets to look): the lock is let go well within the 3 s lock time-out of the
        # first, which would otherwise get a 503.
        waiting, waited = 0, 0.0
        deadline = time.monotonic() + 300.0  # a ceiling: the posts never arriving
        while time.monotonic() < deadline and waiting < len(updates) and waited < 0.3:
            time.sleep(0.02)
            with engine.connect() as db:
                waiting, waited = db.execute(
                    text(
                        "SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - "
                        "min(query_start))::float, 0) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database() "
                        # the claims only (on PostgreSQL a CTE of the statement reading the
                        # user): the retention sweep may be waiting on the lock too
                        "AND query LIKE '%INSERT INTO processed_updates%'"
                    )
                ).one()
        stopped: list[int] = []
        stopper = threading.Thread(target=lambda: stopped.append(cluster.stop()))
        stopper.start()  # SIGTERM while they wait
        time.sleep(0.3)
        holder.rollback()
        holder.close()
        stopper.join()
        for thread in threads:
            thread.join()
        accepted = {update_id for update_id, error in results.items() if error is None}
        with engine.connect() as db:
            marks = {r[0] for r in db.execute(text("SELECT update_id FROM processed_updates"))}
        engine.dispose()
        assert stopped == [0]
        assert waiting >= 1
        assert len(accepted) >= waiting, (waiting, results)  # every one in flight finished
        assert accepted <= marks  # whatever got a 200 was committed
