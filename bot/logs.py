"""Logging set-up: plain lines for people, JSON lines (LOG_FORMAT=json) for log collectors.

Nothing a user typed and no token is logged at INFO; the ``httpx`` logger, whose request lines
contain the bot token in the URL, is held at WARNING.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.settings import Settings

QUIET_LOGGERS = ("httpx", "httpcore", "alembic", "telegram.ext", "uvicorn.access")


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
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
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
