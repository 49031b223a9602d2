"""Callback data: compact, strict, and within Telegram's 64-byte limit."""

from __future__ import annotations

import pytest

from bot.dialogue.callbacks import MAX_BYTES, Callback, decode, encode


def test_round_trip() -> None:
    assert decode(encode("f", 12, "ka2")) == Callback("f", ("12", "ka2"))
    assert decode(encode("none", 7)) == Callback("none", ("7",))


@pytest.mark.parametrize(
    "data",
    [
        "",
        "f",
        "f:1",
        "f:1:2:3",
        "zzz:1",
        "lang:lv:en",
        "kb:" + "a" * 41,
        "kb:ā",
        "kb:a b",
        "f:1:" + "x" * 40 + ":y",
        "menu:\n",
        "x" * (MAX_BYTES + 1),
    ],
)
def test_malformed_data_is_rejected(data: str) -> None:
    assert decode(data) is None


def test_encode_refuses_what_decode_would_reject() -> None:
    with pytest.raises(ValueError):
        encode("kb", "Not Valid!")
