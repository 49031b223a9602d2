"""Pacing to Telegram's limits, on a fake clock."""

from __future__ import annotations

from bot.telegram.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    clock = Clock()
    pacer = Pacer(overall_rate=30, chat_rate=1, chat_burst=3, clock=clock)
    delays = [pacer.delay(1) for _ in range(5)]
    assert delays[:3] == [0, 0, 0]
    assert delays[3] == 1.0 and delays[4] == 2.0


def test_other_chats_are_not_slowed_by_one_busy_chat() -> None:
    clock = Clock()
    pacer = Pacer(overall_rate=30, chat_rate=1, chat_burst=3, clock=clock)
    for _ in range(5):
        pacer.delay(1)
    assert pacer.delay(2) == 0


def test_overall_rate_holds_across_chats() -> None:
    clock = Clock()
    pacer = Pacer(overall_rate=30, chat_rate=1, chat_burst=3, clock=clock)
    delays = [pacer.delay(chat) for chat in range(60)]
    assert delays[:30] == [0] * 30
    assert abs(delays[59] - 1.0) < 1e-9  # the 60th message waits a second
    clock.now = 2.0
    assert pacer.delay(1000) == 0  # refilled


def test_retry_after_pauses_everyone() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.pause(5)
    assert pacer.delay(1) == 5
    clock.now = 6
    assert pacer.delay(2) == 0
