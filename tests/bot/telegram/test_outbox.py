"""Replies survive the trip through the outbox's JSON unchanged."""

from __future__ import annotations

import json

from bot.dialogue.messages import Button, OutFile, Reply
from bot.telegram.outbox import reply_from_json, reply_to_json


def test_reply_round_trip_with_buttons_and_files() -> None:
    reply = Reply(
        "Rezultāts — 🧭",
        buttons=((Button("PDF", "go:digcomp:pdf"), Button("Europass", url="https://europass.eu")),),
        files=(OutFile("chart.png", b"\x89PNG\x00\xff", caption="c", is_image=True),),
        edit=True,
        notice=False,
    )
    stored = json.loads(json.dumps(reply_to_json(reply)))
    assert reply_from_json(stored) == reply
