"""``python -m bot webhook`` and ``set-webhook``: clear refusals, registration against a fake
Bot API, and logs that hold no message text or token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.logs import configure_logging
from bot.settings import Settings
from tests.bot.fake_telegram import message_update
from tests.bot.telegram.test_webhook import SECRET, _serve
from tests.support.fake_bot_api import FakeBotApi
from tests.support.ports import reserved_port


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


def _webhook_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_an_unreachable_database_is_one_line_and_a_non_zero_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with reserved_port() as nobody, reserved_port() as port:  # refused; ours to listen on
        url = f"postgresql+psycopg://celvedis:hunter2secret@127.0.0.1:{nobody}/nowhere"
        _webhook_env(monkeypatch, DATABASE_URL=url, PORT=str(port))
        assert main(["webhook", "--host", "127.0.0.1"]) == 1
    err = _one_line(capsys)
    assert err.startswith("Cannot start: DATABASE_URL: cannot reach the database at 127.0.0.1:")
    assert "hunter2secret" not in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:hunter2secret@h/db", "write postgres://… as postgresql+psycopg://…"),
        ("mysql://u:hunter2secret@h/db", "DATABASE_URL uses 'mysql'"),
        ("postgresql+nodriver://u:hunter2secret@h/db", "DATABASE_URL: cannot use this URL"),
        ("sqlite:////proc/no/such/dir/x.db", "DATABASE_URL: cannot create the folder /proc/no"),
    ],
)
def test_a_wrong_database_url_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, expected: str
) -> None:
    with reserved_port() as port:
        _webhook_env(monkeypatch, DATABASE_URL=url, PORT=str(port))
        assert main(["webhook", "--host", "127.0.0.1"]) in (1, 2)
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and "hunter2secret" not in err


def test_failing_migrations_are_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from sqlalchemy import create_engine, text

    sqlite_url = f"sqlite:///{tmp_path / 'unmigrated.db'}"  # not the migrated test template
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:  # a table in the way of the first migration
        conn.execute(text("CREATE TABLE users (x INTEGER)"))
    engine.dispose()
    with reserved_port() as port:
        _webhook_env(monkeypatch, DATABASE_URL=sqlite_url, PORT=str(port))
        assert main(["webhook", "--host", "127.0.0.1"]) == 1
    assert "DATABASE_URL: migrating the database at sqlite file" in _one_line(capsys)


def test_a_port_in_use_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        _webhook_env(monkeypatch, DATABASE_URL=sqlite_url, PORT=str(port))
        assert main(["webhook", "--host", "127.0.0.1"]) == 1
    assert f"PORT: cannot listen on 127.0.0.1:{port}" in _one_line(capsys)


def test_set_webhook_with_the_bot_api_unreachable_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with reserved_port() as nobody:  # nothing listens there
        _webhook_env(monkeypatch, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{nobody}/bot")
        assert main(["set-webhook", "https://bot.example.org"]) == 1
    err = _one_line(capsys)
    assert "TELEGRAM_API_BASE_URL: cannot reach the Bot API at http://127.0.0.1:" in err
    assert "123:abc" not in err


def test_set_webhook_with_a_refused_token_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeBotApi() as fake:
        _webhook_env(monkeypatch, TELEGRAM_API_BASE_URL=fake.base_url)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:not-the-fakes-token")
        assert main(["set-webhook", "https://bot.example.org"]) == 1
    assert "TELEGRAM_BOT_TOKEN: the Bot API refused the token" in _one_line(capsys)
