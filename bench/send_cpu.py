"""CPU per Bot API call on the webhook's sending side (issue 15, target 4): the outbox sender's
client — the webhook's own ``bot.telegram.bot_api.BotApi`` — against python-telegram-bot's
``Bot`` (what the sender used before, and polling mode still uses), both sending the same
replies through ``bot.telegram.send.send_replies`` to the fake Bot API in another process.

Each round sends ``CALLS`` replies (a text with a keyboard, an edit, a callback answer — the
mix a button press makes) with each client in turn (A B A B, medians); CPU is this process's
(``time.process_time``: the client, its HTTP stack and the event loop; the fake server is not
in it).

    python bench/send_cpu.py [--calls 600] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.dialogue.messages import Button, Reply  # noqa: E402
from bot.telegram.bot_api import BotApi  # noqa: E402
from bot.telegram.polling import PtbTransport  # noqa: E402
from bot.telegram.send import ApiTransport, Transport, send_replies  # noqa: E402
from tests.support.fake_bot_api import DEFAULT_TOKEN  # noqa: E402
from tests.support.webhook_cluster import free_port  # noqa: E402

REPLY = Reply(
    "Ko es protu:\n• atbildēt uz jautājumiem par Erasmus+ projektiem;\n• vadīt rīkos.",
    buttons=(
        (Button("Jautāt", "menu:ask"), Button("Rīki", "menu:tools")),
        (Button("DigComp", "go:digcomp"),),
    ),
    edit=True,
)


async def _calls(transport: Transport, answer: Callable[[str], Awaitable[object]], n: int) -> None:
    """``n`` calls: per pressed button an answer, an edit, and every other time a new message."""
    done = 0
    while done < n:
        await answer(f"cb{done}")
        await send_replies(transport, 4242, [REPLY], edit_message_id=7)
        done += 2
        if done % 3 == 0:
            await send_replies(transport, 4242, [REPLY])
            done += 1


async def _direct(base_url: str, n: int) -> float:
    async with BotApi(DEFAULT_TOKEN, base_url, pool_size=8) as api:
        await api.get_me()
        started = time.process_time()
        await _calls(ApiTransport(api), api.answer_callback_query, n)
        return time.process_time() - started


async def _ptb(base_url: str, n: int) -> float:
    request = HTTPXRequest(connection_pool_size=8, read_timeout=15.0)
    bot = Bot(DEFAULT_TOKEN, base_url=base_url, request=request, get_updates_request=request)
    async with bot:
        started = time.process_time()
        await _calls(PtbTransport(bot), bot.answer_callback_query, n)
        return time.process_time() - started


def _serve() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_bot_api", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}/bot"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}{DEFAULT_TOKEN}/getMe", timeout=1.0)
            return server, base_url
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the fake Bot API did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server, base_url = _serve()
    results: dict[str, list[float]] = {"python-telegram-bot Bot": [], "own client (BotApi)": []}
    try:
        asyncio.run(_ptb(base_url, 60))  # warm both: imports, first connections
        asyncio.run(_direct(base_url, 60))
        for _ in range(args.rounds):
            ptb = asyncio.run(_ptb(base_url, args.calls))
            direct = asyncio.run(_direct(base_url, args.calls))
            results["python-telegram-bot Bot"].append(ptb * 1000 / args.calls)
            results["own client (BotApi)"].append(direct * 1000 / args.calls)
    finally:
        server.terminate()
        server.wait(10)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"CPU per Bot API call, {args.calls} calls x {args.rounds} rounds (load {load}):")
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, values in results.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {name:26s} median {medians[name]:.2f} ms  ({runs})")
    ratio = medians["own client (BotApi)"] / medians["python-telegram-bot Bot"]
    print(f"  own client / Bot: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
