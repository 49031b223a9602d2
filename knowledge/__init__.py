"""Content and question answering: YAML loading, validation, normalisation and matching.

Imports nothing from ``telegram``; the bot's transports sit on top of it.
"""
