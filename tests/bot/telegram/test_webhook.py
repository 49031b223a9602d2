"""The webhook app in-process: secret check, health, once-only updates, replies via the outbox
to a fake Bot API server, flood control. (Several worker processes: tests/system.)"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.dialogue.core import Dialogue
from bot.dialogue.flood import FloodLimits
from bot.settings import Settings
from bot.telegram.webhook import SECRET_HEADER, create_app
from flows import isolation
from storage.models import OutboxMessage, ProcessedUpdate, QuestionLog
from tests.bot.fake_telegram import callback_update, message_update
from tests.conftest import build_test_dialogue
from tests.support.fake_bot_api import FakeBotApi

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SECRET = "test-secret_123"


@dataclass
class Webhook:
    client: TestClient
    fake: FakeBotApi
    dialogue: Dialogue

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return self.client.post("/telegram", json=update, headers=headers).status_code

    def texts(self, chat_id: int, count: int) -> list[str]:
        """The first ``count`` texts the chat got (waits for them to be sent)."""
        assert self.fake.wait_for(lambda calls: len(self._texts(chat_id)) >= count, timeout=60)
        return self._texts(chat_id)

    def _texts(self, chat_id: int) -> list[str]:
        return self.fake.messages_for(chat_id)

    def count(self, model: type) -> int:
        with self.dialogue.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0


def _eventually(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Whether ``condition()`` holds within ``timeout`` seconds (asked every 20 ms): generous, so
    a loaded machine only makes it wait longer; a short ``timeout`` for what must not happen."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _serve(database_url: str, flood: FloodLimits | None = None) -> Iterator[Webhook]:
    dialogue = build_test_dialogue(database_url, flood=flood)
    with FakeBotApi() as fake:
        settings = Settings(
            database_url=database_url,
            telegram_token=fake.token,
            webhook_secret=SECRET,
            api_base_url=fake.base_url,
        )
        with TestClient(create_app(settings, dialogue=dialogue)) as client:
            yield Webhook(client, fake, dialogue)


@pytest.fixture
def webhook(database_url: str) -> Iterator[Webhook]:
    yield from _serve(database_url)


def test_wrong_or_missing_secret_is_refused_and_changes_nothing(webhook: Webhook) -> None:
    update = message_update(7, "/start")
    assert webhook.post(update, secret=None) == 403
    assert webhook.post(update, secret="wrong") == 403
    assert webhook.post(update, secret=SECRET + "x") == 403
    assert webhook.count(ProcessedUpdate) == 0


def test_health_reports_database_and_knowledge(webhook: Webhook) -> None:
    response = webhook.client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["knowledge_entries"] >= 150


def test_not_an_update_is_a_bad_request(webhook: Webhook) -> None:
    for body in (b"not json", b"[]", b'{"message": {}}'):
        response = webhook.client.post("/telegram", content=body, headers={SECRET_HEADER: SECRET})
        assert response.status_code == 400


def test_question_is_answered_through_the_outbox(webhook: Webhook) -> None:
    assert webhook.post(message_update(7, "kur meklet partnerus")) == 200
    [answer] = webhook.texts(7, 1)
    assert "eTwinning" in answer or "EPALE" in answer
    assert _eventually(lambda: webhook.count(OutboxMessage) == 0)


def test_a_resent_update_is_applied_once(webhook: Webhook) -> None:
    update = message_update(7, "kur meklet partnerus")
    assert webhook.post(update) == 200
    assert webhook.post(update) == 200  # Telegram re-sends when it missed our 200
    webhook.texts(7, 1)
    assert webhook.count(QuestionLog) == 1
    assert webhook.count(ProcessedUpdate) == 1
    webhook.post(message_update(7, "kas ir CoVE?"))
    texts = webhook.texts(7, 2)
    assert len(texts) == 2  # the repeat sent nothing


def test_button_press_is_answered_and_edits_in_place(webhook: Webhook) -> None:
    webhook.post(message_update(8, "/start"))
    webhook.texts(8, 1)
    webhook.post(callback_update(8, "lang:en", message_id=1))
    assert webhook.fake.wait_for(
        lambda calls: any(c.method == "editMessageText" for c in calls), timeout=60
    )
    assert webhook.fake.calls("answerCallbackQuery")
    edited = webhook.fake.calls("editMessageText")[-1]
    assert "I am Ceļvedis" in (edited.text or "")


def test_replies_arrive_in_order_for_each_chat(webhook: Webhook) -> None:
    for user in (21, 22):
        webhook.post(message_update(user, "/start"))
        webhook.post(callback_update(user, "lang:en", message_id=1))
        webhook.post(message_update(user, "/help"))
    for user in (21, 22):
        texts = webhook.texts(user, 5)
        assert "language" in texts[0].lower()
        assert "I am Ceļvedis" in texts[1]
        assert texts[-1].startswith("What I can do"), [t[:30] for t in texts]
        assert len(texts) == 5  # nothing twice


def test_a_flood_gets_one_note_and_is_ignored_without_slowing_others(database_url: str) -> None:
    # A window and a mute longer than any run: which inputs count must not depend on how fast
    # a loaded machine posts the twelve (over 10 s, a second window began and was answered).
    hour = timedelta(hours=1)
    for webhook in _serve(database_url, flood=FloodLimits(max_inputs=5, window=hour, mute=hour)):
        for i in range(12):
            webhook.post(message_update(9, f"kas ir CoVE {i}"))
        webhook.post(message_update(10, "kas ir CoVE?"))
        webhook.texts(10, 1)
        texts = webhook.texts(9, 6)
        assert len(texts) == 6  # 5 answers and one note; the rest ignored
        assert sum("ļoti ātri" in t for t in texts) == 1
        assert webhook.count(ProcessedUpdate) == 13  # ignored inputs are not re-sent either


def test_a_failing_input_gets_an_apology_once_and_is_not_resent_forever(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(webhook.dialogue, "_handle_in", broken)
    update = message_update(41, "kas ir CoVE?")
    assert webhook.post(update) == 200  # Telegram must not keep re-sending a poison update
    assert webhook.post(update) == 200
    [apology] = webhook.texts(41, 1)
    assert "kaut kas nogāja greizi" in apology
    assert webhook.count(ProcessedUpdate) == 1


def test_health_is_503_when_the_database_is_unreachable(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def unreachable(*args: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(webhook.dialogue.db, "transaction", unreachable)
    response = webhook.client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable: OperationalError"


def _document_libraries_loaded() -> bool:
    return {"fpdf", "PIL.ImageDraw", "flows.digcomp.report"} <= set(sys.modules)


def test_a_worker_reports_ready_with_its_document_helper_warm(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolation, "READY_TIMEOUT", 60.0)  # as a real worker (tests: 0)
    served = _serve(database_url)
    next(served)  # started: the lifespan has run
    try:
        helper = isolation.helper_pid()
        assert helper is not None  # in use before the first request: warmed up
        assert isolation.build(_document_libraries_loaded) is True
        assert isolation.helper_pid() == helper
    finally:
        served.close()
