"""Settings from the environment: defaults, and one clear line per wrong variable."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_API_BASE_URL, Settings, SettingsError


def test_defaults_need_nothing() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.telegram_token is None and settings.webhook_secret is None
    assert settings.port == 8080 and settings.webhook_path == "/telegram"
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.webhook_problems()  # the webhook needs a token and a secret


def test_every_wrong_variable_is_named_once() -> None:
    env = {
        "ADMIN_IDS": "12,abc",
        "TELEGRAM_BOT_TOKEN": "not-a-token",
        "LOG_LEVEL": "LOUD",
        "LOG_FORMAT": "xml",
        "PORT": "99999",
        "WEB_CONCURRENCY": "zero",
        "WEBHOOK_PATH": "telegram",
        "WEBHOOK_SECRET": "has spaces!",
        "TELEGRAM_API_BASE_URL": "ftp://example.org",
        "DATABASE_URL": "nonsense",
    }
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)
    lines = str(error.value).splitlines()
    named = [line.split(":", 1)[0] for line in lines]
    assert sorted(named) == sorted(env)  # each variable exactly once
    assert "'abc'" in str(error.value)


def test_secrets_never_appear_in_the_settings_repr() -> None:
    settings = Settings.from_env(
        {"TELEGRAM_BOT_TOKEN": "123:SECRET-TOKEN", "WEBHOOK_SECRET": "hush_hush"}
    )
    assert "SECRET-TOKEN" not in repr(settings) and "hush_hush" not in repr(settings)
    assert settings.webhook_problems() == []


def test_api_base_url_gets_its_bot_suffix() -> None:
    for given in ("http://127.0.0.1:8081", "http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"):
        settings = Settings.from_env({"TELEGRAM_API_BASE_URL": given})
        assert settings.api_base_url == "http://127.0.0.1:8081/bot"
