"""Secrets never reach a log line, at any level, from any logger, in any part of a record."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from telegram import Bot

from bot.logs import REDACTED, configure_logging, install_redaction
from bot.settings import Settings

TOKEN = "987654321:AAH-fake_Key-0123456789abcdefghijk"
SECRET = "webhook-Secret_0123456789"


class Holder:
    def __repr__(self) -> str:
        return f"Holder(token={TOKEN!r}, secret={SECRET!r})"


@pytest.fixture
def configured(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    install_redaction([])


def _settings(log_format: str = "text") -> Settings:
    return Settings(
        telegram_token=TOKEN, webhook_secret=SECRET, log_level="DEBUG", log_format=log_format
    )


def _assert_clean(output: str) -> None:
    assert TOKEN not in output
    assert TOKEN.split(":", 1)[1] not in output
    assert SECRET not in output
    assert "987654321%3AAAH" not in output


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_token_and_secret_are_redacted_everywhere_at_debug(
    configured: None, capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    configure_logging(_settings(log_format))
    Bot(TOKEN, base_url="http://127.0.0.1:9/bot")  # PTB logs "Set Bot API URL: …/bot<token>"
    log = logging.getLogger("some.library")
    log.debug("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    log.debug("quoted: https://x/?t=%s", "987654321%3AAAH-fake_Key-0123456789abcdefghijk")
    log.info("an object: %r", Holder())
    try:
        raise RuntimeError(f"connection to https://api.telegram.org/bot{TOKEN}/ failed ({SECRET})")
    except RuntimeError:
        log.exception("failed")
    logging.getLogger("telegram.Bot").warning("stack", stack_info=True, extra={"k": Holder()})
    output = capsys.readouterr().err
    _assert_clean(output)
    assert output.count(REDACTED) >= 6
    assert "Set Bot API URL: http://127.0.0.1:9/bot[redacted]" in output
    if log_format == "json":
        lines = [json.loads(line) for line in output.splitlines()]
        assert any("RuntimeError" in line.get("exception", "") for line in lines)


def test_a_logger_with_its_own_handler_is_redacted_too(configured: None) -> None:
    configure_logging(_settings())
    stream = io.StringIO()
    own = logging.getLogger("vendor.own")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    own.addHandler(handler)
    own.propagate = False
    try:
        own.debug("token %s in %r", TOKEN, Holder())
        own.error("boom", exc_info=ValueError(TOKEN))
    finally:
        own.removeHandler(handler)
        own.propagate = True
    _assert_clean(stream.getvalue())
    assert "ValueError: [redacted]" in stream.getvalue()


def test_database_errors_are_logged_without_their_text(
    configured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from storage.db import Database

    marker = "Zirnekļtīkls"
    configure_logging(Settings(log_level="DEBUG"))
    db = Database("sqlite://")
    try:
        with db.transaction() as session:
            session.connection().exec_driver_sql("CREATE TABLE t (q TEXT UNIQUE)")
            session.connection().exec_driver_sql("INSERT INTO t VALUES (?)", (marker,))
            session.connection().exec_driver_sql("INSERT INTO t VALUES (?)", (marker,))
    except IntegrityError:
        logging.getLogger("bot.telegram.webhook").exception("the dialogue core failed")
    try:
        raise RuntimeError("wrapped") from sqlite3.OperationalError(f"near {marker}: syntax")
    except RuntimeError:
        logging.getLogger("x").error("chained", exc_info=True)
    db.dispose()
    output = capsys.readouterr().err
    assert "IntegrityError (IntegrityError)" in output and "Traceback" in output
    assert "OperationalError" in output
    assert marker not in output
