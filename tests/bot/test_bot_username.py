"""BOT_USERNAME: the bot named in invite links."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_BOT_USERNAME, Settings, SettingsError, bot_username_from_env


def test_bot_username_defaults_and_is_checked() -> None:
    # Unset: None in the settings (no private-chat button in groups until getMe answers) and
    # the default for invite links built without Telegram (the terminal).
    assert Settings.from_env({}).bot_username is None
    assert bot_username_from_env({}) == DEFAULT_BOT_USERNAME
    assert Settings.from_env({"BOT_USERNAME": "@Skola_bot"}).bot_username == "Skola_bot"
    with pytest.raises(SettingsError, match="BOT_USERNAME"):
        Settings.from_env({"BOT_USERNAME": "no spaces allowed"})
    assert bot_username_from_env({"BOT_USERNAME": "x y"}) == DEFAULT_BOT_USERNAME
    assert bot_username_from_env({"BOT_USERNAME": "Skola_bot"}) == "Skola_bot"
