"""The command line: ``python -m bot chat | run | ask | validate``."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, StartupError
from knowledge.texts import ContentError

if TYPE_CHECKING:
    from bot.dialogue.core import Dialogue
    from flows.registry import FlowRegistry
    from knowledge.answers import Answerer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="celvedis", description="Ceļvedis, the Erasmus+ VET guide"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="chat in the terminal (no token needed)")
    chat.add_argument("--user", type=int, default=1, help="local user id (default 1)")
    chat.add_argument(
        "--name", default=None, help="the first name Telegram would send (a project's team sees it)"
    )
    chat.add_argument(
        "--now",
        type=_moment,
        default=None,
        help="pretend it is this date for reminders (YYYY-MM-DD), to try them without waiting",
    )
    sub.add_parser("run", help="run the Telegram bot with long polling (needs TELEGRAM_BOT_TOKEN)")
    webhook = sub.add_parser(
        "webhook", help="serve the Telegram webhook on $PORT (needs the token and WEBHOOK_SECRET)"
    )
    webhook.add_argument(
        "--workers", type=int, default=None, help="worker processes (default $WEB_CONCURRENCY or 1)"
    )
    webhook.add_argument("--host", default="0.0.0.0", help="address to listen on")
    register = sub.add_parser(
        "set-webhook", help="register the webhook URL with Telegram (once per deployment)"
    )
    register.add_argument("url", help="public https URL; $WEBHOOK_PATH is added if it has no path")
    register.add_argument(
        "--delete", action="store_true", help="remove the webhook instead (back to polling)"
    )
    ask = sub.add_parser("ask", help="answer one question, or one a line with --jsonl")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument(
        "--jsonl",
        action="store_true",
        help="read questions from stdin, write JSON (with links and kind: answer, did_you_mean, "
        "small_talk, not_covered, unknown)",
    )
    validate = sub.add_parser("validate", help="check all content; non-zero exit on a problem")
    validate.add_argument("--dir", type=Path, default=None, help="knowledge-base directory")
    evaluation = sub.add_parser(
        "eval", help="evaluate the matcher on tests/knowledge/eval_set.yaml"
    )
    evaluation.add_argument(
        "--set",
        dest="eval_set",
        type=Path,
        default=None,
        help="another question set in the same format (such as tests/knowledge/dev_set_2.yaml)",
    )
    review = sub.add_parser("unanswered", help="list recent unanswered and 👎 questions")
    review.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)

    return _explaining_errors(lambda: _dispatch(args))


def _dispatch(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    configure_logging(settings)
    if args.command == "validate":
        return _validate(args.dir)
    if args.command == "eval":
        return _eval(args.eval_set)
    if args.command == "ask":
        return _ask(args.question, args.jsonl)
    if args.command == "unanswered":
        return _unanswered(settings, args.limit)
    if args.command == "chat":
        return _chat(settings, args.user, args.now, args.name)
    if args.command == "webhook":
        return _webhook(settings, args.workers, args.host)
    if args.command == "set-webhook":
        return _set_webhook(settings, args.url, args.delete)
    return _run(settings)


def _explaining_errors(run: Callable[[], int]) -> int:
    """``run()``, with a configuration, start-up or content problem told in one clear message
    and an exit code (2: configuration, 1: the others, 130: interrupted)."""
    try:
        return run()
    except _configuration_errors() as exc:
        print(f"Configuration problem:\n{exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except ContentError as exc:
        print(f"Content problem: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _configuration_errors() -> tuple[type[Exception], ...]:
    """The errors that mean a wrong setting. The database's is among them only once its module
    is loaded (``ask`` and ``eval`` never load SQLAlchemy; an error it was not loaded for cannot
    be raised). Evaluated only when an exception reaches ``main``'s handler."""
    database = sys.modules.get("storage.db")
    if database is None:
        return (SettingsError,)
    return (SettingsError, database.DatabaseConfigError)


def _validate(directory: Path | None) -> int:
    from bot.app import load_texts
    from flows.registry import default_registry
    from knowledge.loader import CONTENT_DIR, load_knowledge
    from knowledge.not_covered import not_covered
    from knowledge.small_talk import small_talk

    flows = default_registry()
    knowledge = load_knowledge(flows.ids(), directory or CONTENT_DIR)
    load_texts()
    intents, topics = len(small_talk().intents), len(not_covered().topics)
    print(
        f"OK: {len(knowledge)} knowledge-base entries, {len(flows.ids())} flows, texts complete, "
        f"{intents} small-talk intents, {topics} not-covered topics"
    )
    return 0


def _answerer() -> Answerer:
    """The Q&A pipeline, its index loaded from the cache when current (knowledge.index_cache)."""
    from knowledge.answers import Answerer
    from knowledge.index_cache import load_index

    knowledge, matcher = load_index()  # the product's flows, imported only to build
    return Answerer(knowledge, matcher)


def _ask(words: list[str], jsonl: bool) -> int:
    answerer = _answerer()
    if jsonl:
        for line in sys.stdin:
            question = line.strip()
            if question:
                print(json.dumps(answerer.ask(question), ensure_ascii=False), flush=True)
        return 0
    if not words:
        print('Usage: python -m bot ask "question"  (or --jsonl)', file=sys.stderr)
        return 2
    record = answerer.ask(" ".join(words))
    print(record["answer"] or "—")
    for link in record["links"]:
        print(f"• {link['name']}: {link['url']}")
    return 0


def _eval(path: Path | None = None) -> int:
    """The matcher's evaluation on the eval set, or on the question set at ``path``."""
    from knowledge.evaluation import EVAL_PATH, evaluate, format_report, load_eval_set

    report = evaluate(_answerer(), load_eval_set(path or EVAL_PATH))
    print(format_report(report))
    return 0


def _unanswered(settings: Settings, limit: int) -> int:
    from storage.db import Database
    from storage.repositories import QuestionLogRepository
    from storage.review import format_review

    db = Database(settings.database_url)
    db.migrate()
    with db.transaction() as session:
        lines = format_review(QuestionLogRepository(session).for_review(limit=limit))
    print("\n".join(lines) if lines else "No unanswered or 👎 questions.")
    return 0


def _moment(text: str) -> datetime:
    """A ``--now`` date: noon UTC of that day (so a 9:00 reminder of the day is due)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def _chat(settings: Settings, user_id: int, now: datetime | None, name: str | None = None) -> int:
    """The terminal chat. On a terminal whose first screen can be told from the SQLite file
    (``bot.first_screen``), the prompt comes once the texts and the knowledge index are loaded
    (a content problem is still reported before it), and SQLAlchemy, the dialogue core and the
    database start in the background while the user types (``TerminalChat.run_starting``).
    Otherwise (a script, PostgreSQL, a migration or reminders due) all is ready before the
    first input, as it always was."""
    import bot.app
    from bot.terminal import TerminalChat

    source: TextIO = sys.stdin
    if isinstance(source, io.TextIOWrapper):  # bytes that are not UTF-8 become U+FFFD
        source.reconfigure(errors="replace")
    chat = TerminalChat(None, settings.out_dir, user_id=user_id, now=now, first_name=name)
    url, admins = settings.database_url, settings.admin_ids
    if not source.isatty():
        chat.dialogue = bot.app.build_dialogue(url, admin_ids=admins)
        return chat.run(cast(TextIO, _WarmUpOnRead(source, chat.dialogue.flows.warm_up)))

    from bot.first_screen import read_user, render
    from knowledge.index_cache import load_index

    texts = bot.app.load_texts()
    knowledge, matcher = load_index()
    view = read_user(url, user_id, now)
    flows: FlowRegistry | None = None
    if view is not None and view.language is not None:  # the main menu shows the flows
        from flows.registry import default_registry

        flows = default_registry()

    def build() -> Dialogue:
        return bot.app.build_dialogue(
            url, admin_ids=admins, flows=flows, knowledge=knowledge, matcher=matcher, texts=texts
        )

    def warm_up() -> None:
        chat.dialogue.flows.warm_up()

    if view is None:  # the first screen needs the database
        chat.dialogue = build()
        return chat.run(cast(TextIO, _WarmUpOnRead(source, warm_up)))
    # The document libraries load once the first answer is out, not against the start-up.
    lines = cast(TextIO, _WarmUpOnRead(source, warm_up, after_lines=1))
    return chat.run_starting(build, render(view, texts, flows), lines)


class _WarmUpOnRead(io.TextIOBase):
    """The chat's input, which starts the flows' warm-up (loading the document libraries in a
    thread) when line ``after_lines`` (counted from 0) is awaited: after the first prompt, or
    after the first answer, while the user types, instead of competing with start-up."""

    def __init__(self, source: TextIO, warm_up: Callable[[], None], after_lines: int = 0) -> None:
        super().__init__()
        self._source = source
        self._warm_up: Callable[[], None] | None = warm_up
        self._lines_before = after_lines

    def isatty(self) -> bool:
        return self._source.isatty()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if self._warm_up is not None and self._lines_before <= 0:
            threading.Thread(target=self._warm_up, name="warm-up", daemon=True).start()
            self._warm_up = None
        self._lines_before -= 1
        return self._source.readline(-1 if size is None else size)


def _run(settings: Settings) -> int:
    if not settings.telegram_token:
        print(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it, "
            "or try the terminal chat with `make chat`.",
            file=sys.stderr,
        )
        return 2
    from telegram.error import TelegramError

    from bot.telegram.polling import build_application

    migrate_or_explain(settings.database_url)
    try:
        build_application(settings).run_polling(allowed_updates=["message", "callback_query"])
    except (TelegramError, TimeoutError, OSError) as exc:
        raise _bot_api_problem(settings, exc) from None
    return 0


def _webhook(settings: Settings, workers: int | None, host: str) -> int:
    import uvicorn

    problems = settings.webhook_problems()
    workers = workers or settings.web_workers
    if workers < 1:
        problems.append("--workers: at least 1")
    if workers > 1 and settings.database_url.startswith("sqlite"):
        problems.append(
            "DATABASE_URL: several workers need PostgreSQL (postgresql+psycopg://…); "
            "SQLite serves one worker"
        )
    if problems:
        raise SettingsError("\n".join(problems))
    _check_port_free(host, settings.port)
    # Once here, not racing in every worker; in a child, so that this process (the one worker,
    # or the workers' supervisor) never holds Alembic, nor SQLAlchemy when it only supervises.
    status = _migrate_in_child()
    if status != 0:
        return status
    # Fewer malloc arenas for the workers' threads: much less resident memory, same speed.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    limit_malloc_arenas(int(os.environ["MALLOC_ARENA_MAX"]))  # this process serves with 1
    uvicorn.run(
        "bot.telegram.webhook:create_app",
        factory=True,
        host=host,
        port=settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=25,
    )
    return 0


def _migrate_in_child() -> int:
    """``python -m bot`` migrating ``$DATABASE_URL`` in a child interpreter (the URL stays in
    the environment, off the command line); its one-line problem, if any, is printed here and
    its exit status returned (0: migrated)."""
    import subprocess

    code = "import sys; from bot.cli import _migrate; sys.exit(_migrate())"
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    if child.stderr:
        print(child.stderr, end="", file=sys.stderr)
    return child.returncode


def _migrate() -> int:
    """The child's side of ``_migrate_in_child``: errors as ``main`` reports them."""

    def migrate() -> int:
        settings = Settings.from_env()
        configure_logging(settings)
        migrate_or_explain(settings.database_url)
        return 0

    return _explaining_errors(migrate)


def limit_malloc_arenas(arenas: int) -> None:
    """glibc's ``mallopt(M_ARENA_MAX, arenas)`` for this process (MALLOC_ARENA_MAX is read only
    when a process starts: this covers the one that is already running). Nothing elsewhere."""
    import contextlib
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or not name:
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to limit
        ctypes.CDLL(name).mallopt(-8, arenas)  # M_ARENA_MAX


def migrate_or_explain(url: str) -> None:
    """Migrate the database at ``url``, or raise a StartupError saying what is wrong in one
    line (unreachable, refused, or a migration that failed)."""
    from sqlalchemy import text

    from storage.db import Database, reason, where

    db = Database(url)
    try:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise StartupError(
                f"DATABASE_URL: cannot reach the database at {where(url)}: {reason(exc)}"
            ) from None
        try:
            db.migrate()
        except Exception as exc:
            raise StartupError(
                f"DATABASE_URL: migrating the database at {where(url)} failed: "
                f"{type(exc).__name__}: {reason(exc)}"
            ) from None
    finally:
        db.dispose()


def _check_port_free(host: str, port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise StartupError(
                f"PORT: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                "another program uses it, or set PORT to a free one"
            ) from None


def _bot_api_problem(settings: Settings, exc: BaseException) -> StartupError:
    """One line for a Bot API call that failed at start-up."""
    from telegram.error import InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):
        return StartupError("TELEGRAM_BOT_TOKEN: the Bot API refused the token (see @BotFather)")
    if isinstance(exc, NetworkError | TimeoutError | OSError):
        return StartupError(
            f"TELEGRAM_API_BASE_URL: cannot reach the Bot API at {settings.api_base_url} "
            f"({type(exc).__name__}); check the network, a firewall or the variable"
        )
    message = getattr(exc, "message", None) or type(exc).__name__
    return StartupError(f"the Bot API refused the request: {message}")


def _set_webhook(settings: Settings, url: str, delete: bool) -> int:
    import asyncio
    from urllib.parse import urlsplit

    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.app import load_texts
    from bot.telegram.menu import register_commands_on

    problems = settings.webhook_problems()
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if not delete and parts.scheme != "https" and not local:
        problems.append(f"URL: Telegram only calls https:// webhooks, got {url!r}")
    if problems:
        raise SettingsError("\n".join(problems))
    if parts.path in ("", "/"):
        url = url.rstrip("/") + settings.webhook_path

    async def register() -> None:
        assert settings.telegram_token
        base = settings.api_base_url
        request = HTTPXRequest(connection_pool_size=2, read_timeout=15.0)
        bot = Bot(
            settings.telegram_token,
            base_url=base,
            base_file_url=base.removesuffix("/bot") + "/file/bot",
            request=request,
            get_updates_request=request,
        )
        async with bot:
            if delete:
                await bot.delete_webhook()
                print("Webhook removed; the bot can poll again (python -m bot run).")
                return
            await bot.set_webhook(
                url,
                secret_token=settings.webhook_secret,
                allowed_updates=["message", "callback_query"],
                max_connections=40,
            )
            await register_commands_on(bot, load_texts())
            print(f"Webhook set: {url} (commands registered in Latvian and English)")

    from telegram.error import TelegramError

    try:
        asyncio.run(register())
    except (TelegramError, TimeoutError, OSError) as exc:
        raise _bot_api_problem(settings, exc) from None
    return 0
