"""Ceļvedis: the dialogue core and its transports (terminal, Telegram)."""
