"""Settings from the environment, checked once at start-up with one clear message per problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///var/celvedis.db"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
DEFAULT_BOT_USERNAME = "CelvedisBot"  # the invite links' t.me/<username> (BOT_USERNAME)
USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")  # a Telegram bot username


def bot_username_from_env(env: Mapping[str, str] | None = None) -> str:
    """BOT_USERNAME (without "@"), or the default when unset or malformed."""
    env = os.environ if env is None else env
    name = env.get("BOT_USERNAME", "").strip().lstrip("@")
    return name if USERNAME_PATTERN.match(name) else DEFAULT_BOT_USERNAME


class SettingsError(ValueError):
    """One or more environment variables are wrong; the message names each of them."""


class StartupError(RuntimeError):
    """Something the program needs is not there (a database, a free port, the Bot API); the
    message is one line naming the problem and the variable to look at."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    telegram_token: str | None = field(default=None, repr=False)
    admin_ids: frozenset[int] = frozenset()
    out_dir: Path = Path("var/out")
    log_level: str = "INFO"
    log_format: str = "text"
    port: int = 8080
    webhook_path: str = "/telegram"
    webhook_secret: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    web_workers: int = 1
    bot_username: str | None = None
    health_token: str | None = field(default=None, repr=False)

    def webhook_problems(self) -> list[str]:
        """What is missing to serve or register the webhook (empty when all is set)."""
        problems = []
        if not self.telegram_token:
            problems.append("TELEGRAM_BOT_TOKEN: required for the webhook (from @BotFather)")
        if not self.webhook_secret:
            problems.append(
                "WEBHOOK_SECRET: required for the webhook (1-256 of A-Z a-z 0-9 _ -), "
                "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return problems

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        problems: list[str] = []
        admin_ids: set[int] = set()
        for part in env.get("ADMIN_IDS", "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if part.lstrip("-").isdigit():
                admin_ids.add(int(part))
            else:
                problems.append(f"ADMIN_IDS: '{part}' is not a Telegram user id (digits only)")
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
        if token and (":" not in token or not token.split(":", 1)[0].isdigit()):
            problems.append("TELEGRAM_BOT_TOKEN: does not look like a bot token (<digits>:<key>)")
        log_level = env.get("LOG_LEVEL", "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            problems.append("LOG_LEVEL: use DEBUG, INFO, WARNING or ERROR")
        database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        if "://" not in database_url:
            problems.append("DATABASE_URL: expected sqlite:///path or postgresql+psycopg://…")
        log_format = env.get("LOG_FORMAT", "text").strip().lower() or "text"
        if log_format not in {"text", "json"}:
            problems.append("LOG_FORMAT: use text or json")
        port = _int(env, "PORT", 8080, 1, 65535, problems)
        web_workers = _int(env, "WEB_CONCURRENCY", 1, 1, 64, problems)
        webhook_path = env.get("WEBHOOK_PATH", "").strip() or "/telegram"
        if not webhook_path.startswith("/") or any(c.isspace() for c in webhook_path):
            problems.append("WEBHOOK_PATH: must start with / and contain no spaces, e.g. /telegram")
        secret = env.get("WEBHOOK_SECRET", "").strip() or None
        if secret and not SECRET_PATTERN.match(secret):
            problems.append("WEBHOOK_SECRET: use 1-256 characters from A-Z a-z 0-9 _ -")
        api_base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
        if not re.match(r"^https?://[^/\s]+", api_base_url):
            problems.append("TELEGRAM_API_BASE_URL: expected http(s)://host[:port][/bot]")
        elif not api_base_url.rstrip("/").endswith("/bot"):
            api_base_url = api_base_url.rstrip("/") + "/bot"
        bot_username = env.get("BOT_USERNAME", "").strip().removeprefix("@") or None
        if bot_username and not USERNAME_PATTERN.match(bot_username):
            problems.append("BOT_USERNAME: the bot's @username, 5-32 of A-Z a-z 0-9 _")
        health_token = env.get("HEALTH_TOKEN", "").strip() or None
        if health_token and not SECRET_PATTERN.match(health_token):
            problems.append("HEALTH_TOKEN: use 1-256 characters from A-Z a-z 0-9 _ -")
        if problems:
            raise SettingsError("\n".join(problems))
        return cls(
            database_url=database_url,
            telegram_token=token,
            admin_ids=frozenset(admin_ids),
            out_dir=Path(env.get("OUT_DIR", "var/out")),
            log_level=log_level,
            log_format=log_format,
            port=port,
            webhook_path=webhook_path,
            webhook_secret=secret,
            api_base_url=api_base_url.rstrip("/"),
            web_workers=web_workers,
            bot_username=bot_username,
            health_token=health_token,
        )


def _int(
    env: Mapping[str, str], name: str, default: int, low: int, high: int, problems: list[str]
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    problems.append(f"{name}: expected a whole number from {low} to {high}, got '{raw}'")
    return default
