"""Test support: a fake Telegram Bot API server."""
