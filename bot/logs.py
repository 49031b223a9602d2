"""Logging set-up: plain lines for people, JSON lines (LOG_FORMAT=json) for log collectors.

Secrets never reach a log line: ``install_redaction`` (called first by ``configure_logging``)
wraps the log-record factory, so every record of every logger at every level has the bot token
and the webhook secret replaced by ``[redacted]`` in its message, its arguments (reprs
included), its exception text and its stack, before any handler sees it. A database error's
text, which may quote a value a user typed, is replaced by its type and SQLSTATE in every
traceback. Nothing a user typed is logged at any level. The ``httpx`` logger, whose request
lines contain the Bot API URL, is also held at WARNING.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.settings import Settings

# fontTools: fpdf2's font subsetting logs some 25 INFO lines for every PDF.
QUIET_LOGGERS = ("httpx", "httpcore", "alembic", "telegram.ext", "uvicorn.access", "fontTools")
REDACTED = "[redacted]"
DATABASE_MODULES = {"sqlalchemy", "psycopg", "psycopg2", "sqlite3"}
MIN_SECRET = 6  # shorter fragments are not replaced (they would garble ordinary words)


class Redactor(logging.Filter):
    """Replaces secrets in a log record; usable as a filter and by the record factory."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        self.set_secrets(secrets)

    def set_secrets(self, secrets: Iterable[str | None]) -> None:
        """The strings to hide: each secret, its URL-quoted form, and a token's key part."""
        found: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            key = secret.split(":", 1)[1] if ":" in secret else ""
            for form in (secret, quote(secret, safe=""), key):
                if len(form) >= MIN_SECRET:
                    found.add(form)
        self.secrets = tuple(sorted(found, key=len, reverse=True))  # longest first

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        self.scrub(record)
        return True

    def scrub(self, record: logging.LogRecord) -> None:
        """Render the message with its arguments and the exception now, then redact them."""
        if getattr(record, "_redacted", False):
            return
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be shown
            message = f"{record.msg!r} {record.args!r}"
        redacted = self.redact(message)
        if redacted != message:  # else the arguments stay (some formatters read them)
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = format_exception_safely(record.exc_info[1])
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record._redacted = True


def _from_database(exc: BaseException) -> bool:
    """Raised by the database layer, whose messages may quote values (and so user text)."""
    return any(cls.__module__.split(".")[0] in DATABASE_MODULES for cls in type(exc).__mro__[:-1])


def describe_error(exc: BaseException) -> str:
    """The error for a log line: a database error's type and SQLSTATE only (its text may quote
    a value a user typed), any other error as usual."""
    if not _from_database(exc):
        return f"{type(exc).__name__}: {exc}"
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return f"{type(exc).__name__} ({type(orig).__name__}{f', SQLSTATE {code}' if code else ''})"


def format_exception_safely(exc: BaseException | None) -> str:
    """A traceback whose database errors show their type and SQLSTATE but not their text."""
    if exc is None:
        return ""
    if not any(_from_database(e) for e in _chain(exc)):
        return "".join(traceback.format_exception(exc)).rstrip("\n")
    parts = []
    for link in reversed(_chain(exc)):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        parts.append(describe_error(link) + "\n")
    return "".join(parts).rstrip("\n")


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain and len(chain) < 10:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain


_redactor = Redactor()
_base_factory: Callable[..., logging.LogRecord] | None = None


def install_redaction(secrets: Iterable[str | None]) -> Redactor:
    """Redact ``secrets`` from every record created from now on, whatever logger makes it."""
    global _base_factory
    _redactor.set_secrets(secrets)
    if _base_factory is None:
        _base_factory = logging.getLogRecordFactory()
        base = _base_factory

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = base(*args, **kwargs)
            _redactor.scrub(record)
            return record

        logging.setLogRecordFactory(factory)
    return _redactor


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info or record.exc_text:
            exc_info = record.exc_info or (None, None, None)
            entry["exception"] = record.exc_text or self.formatException(exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Redaction first, then one handler on the root logger at ``LOG_LEVEL``."""
    redactor = install_redaction([settings.telegram_token, settings.webhook_secret])
    handler = logging.StreamHandler()
    handler.addFilter(redactor)  # also records made before the factory was installed
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
