"""The command line: ``python -m bot chat | run | ask | validate``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from bot.settings import Settings, SettingsError
from knowledge.texts import ContentError
from storage.db import DatabaseConfigError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="celvedis", description="Ceļvedis, the Erasmus+ VET guide"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="chat in the terminal (no token needed)")
    chat.add_argument("--user", type=int, default=1, help="local user id (default 1)")
    chat.add_argument(
        "--now",
        type=_moment,
        default=None,
        help="pretend it is this date for reminders (YYYY-MM-DD), to try them without waiting",
    )
    sub.add_parser("run", help="run the Telegram bot with long polling (needs TELEGRAM_BOT_TOKEN)")
    ask = sub.add_parser("ask", help="answer one question, or one a line with --jsonl")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument("--jsonl", action="store_true", help="read questions from stdin, write JSON")
    validate = sub.add_parser("validate", help="check all content; non-zero exit on a problem")
    validate.add_argument("--dir", type=Path, default=None, help="knowledge-base directory")
    sub.add_parser("eval", help="evaluate the matcher on tests/knowledge/eval_set.yaml")
    review = sub.add_parser("unanswered", help="list recent unanswered and 👎 questions")
    review.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("httpx").setLevel(logging.WARNING)  # its URLs contain the token
        logging.getLogger("alembic").setLevel(logging.WARNING)
        if args.command == "validate":
            return _validate(args.dir)
        if args.command == "eval":
            return _eval()
        if args.command == "ask":
            return _ask(args.question, args.jsonl)
        if args.command == "unanswered":
            return _unanswered(settings, args.limit)
        if args.command == "chat":
            return _chat(settings, args.user, args.now)
        return _run(settings)
    except (SettingsError, DatabaseConfigError) as exc:
        print(f"Configuration problem:\n{exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"Content problem: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _validate(directory: Path | None) -> int:
    from bot.app import load_texts
    from flows.registry import default_registry
    from knowledge.loader import CONTENT_DIR, load_knowledge

    flows = default_registry()
    knowledge = load_knowledge(flows.ids(), directory or CONTENT_DIR)
    load_texts()
    print(f"OK: {len(knowledge)} knowledge-base entries, {len(flows.ids())} flows, texts complete")
    return 0


def _ask(words: list[str], jsonl: bool) -> int:
    from flows.registry import default_registry
    from knowledge.answers import Answerer

    answerer = Answerer.load(default_registry().ids())
    if jsonl:
        for line in sys.stdin:
            question = line.strip()
            if question:
                print(json.dumps(answerer.ask(question), ensure_ascii=False), flush=True)
        return 0
    if not words:
        print('Usage: python -m bot ask "question"  (or --jsonl)', file=sys.stderr)
        return 2
    print(answerer.ask(" ".join(words))["answer"] or "—")
    return 0


def _eval() -> int:
    from flows.registry import default_registry
    from knowledge.answers import Answerer
    from knowledge.evaluation import evaluate, format_report, load_eval_set

    report = evaluate(Answerer.load(default_registry().ids()), load_eval_set())
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


def _chat(settings: Settings, user_id: int, now: datetime | None) -> int:
    from bot.app import build_dialogue
    from bot.terminal import TerminalChat

    dialogue = build_dialogue(settings.database_url, admin_ids=settings.admin_ids, warm_up=True)
    return TerminalChat(dialogue, settings.out_dir, user_id=user_id, now=now).run()


def _run(settings: Settings) -> int:
    if not settings.telegram_token:
        print(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it, "
            "or try the terminal chat with `make chat`.",
            file=sys.stderr,
        )
        return 2
    from bot.telegram_app import build_application

    build_application(settings).run_polling(allowed_updates=["message", "callback_query"])
    return 0
