"""``python -m bot webhook`` and ``set-webhook``: clear refusals, registration against a fake
Bot API, and logs that hold no message text or token."""

from __future__ import annotations

import logging

import pytest

from bot.cli import main
from bot.logs import configure_logging
from bot.settings import Settings
from tests.bot.fake_telegram import message_update
from tests.bot.telegram.test_webhook import SECRET, _serve
from tests.support.fake_bot_api import FakeBotApi


def test_webhook_refuses_to_start_without_its_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    assert main(["webhook"]) == 2
    assert "WEBHOOK_SECRET: required" in capsys.readouterr().err


def test_several_workers_need_postgresql(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/x.db")
    assert main(["webhook", "--workers", "2"]) == 2
    assert "DATABASE_URL: several workers need PostgreSQL" in capsys.readouterr().err


def test_set_webhook_registers_url_secret_updates_and_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeBotApi() as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
        assert main(["set-webhook", "https://bot.example.org"]) == 0
        [call] = fake.calls("setWebhook")
        assert call.params["url"] == "https://bot.example.org/telegram"
        assert call.params["secret_token"] == "s3cret"
        assert set(call.params["allowed_updates"]) == {"message", "callback_query"}
        commands = fake.calls("setMyCommands")
        assert len(commands) == 2  # Latvian and English menus
        assert "Webhook set" in capsys.readouterr().out
        assert main(["set-webhook", "--delete", "https://bot.example.org"]) == 0
        assert fake.calls("deleteWebhook")


def test_set_webhook_wants_https(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    assert main(["set-webhook", "http://bot.example.org/telegram"]) == 2
    assert "only calls https://" in capsys.readouterr().err


def test_logs_hold_no_message_text_or_token_at_info(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Settings(log_level="INFO"))  # the worker configures the same way
    for webhook in _serve(sqlite_url):
        webhook.post(message_update(31, "mana slepenā frāze par partneriem"))
        webhook.texts(31, 1)
        assert webhook.post(message_update(31, "/start"), secret="wrong") == 403
        logged = capsys.readouterr().err
        assert "webhook worker ready" in logged
        assert "slepenā" not in logged
        assert webhook.fake.token not in logged and SECRET not in logged
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_json_logs_are_one_object_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    configure_logging(Settings(log_level="INFO", log_format="json"))
    logging.getLogger("bot.test").info("hello %s", "world")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["message"] == "hello world" and entry["level"] == "INFO"
    configure_logging(Settings(log_level="WARNING"))
