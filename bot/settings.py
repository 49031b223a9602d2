"""Settings from the environment, checked once at start-up with one clear message per problem."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///var/celvedis.db"


class SettingsError(ValueError):
    """One or more environment variables are wrong; the message names each of them."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    telegram_token: str | None = field(default=None, repr=False)
    admin_ids: frozenset[int] = frozenset()
    out_dir: Path = Path("var/out")
    log_level: str = "INFO"

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
        if problems:
            raise SettingsError("\n".join(problems))
        return cls(
            database_url=database_url,
            telegram_token=token,
            admin_ids=frozenset(admin_ids),
            out_dir=Path(env.get("OUT_DIR", "var/out")),
            log_level=log_level,
        )
