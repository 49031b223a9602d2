"""The command line (``python -m bot …``) run in this process: the same arguments, environment,
standard input and output and exit code as a new process, without starting one (and on the test
session's shared content)."""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import bot.app
from bot import cli
from bot.dialogue.core import Dialogue
from bot.logs import QUIET_LOGGERS
from tests.conftest import shared_content


def run_command(
    argv: list[str], script: str = "", env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``bot.cli.main(argv)`` with ``env`` added to the environment and ``script`` as standard
    input; a dialogue is built on the shared content (``bot.app.build_dialogue`` otherwise)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    built: list[Dialogue] = []
    real_build_dialogue = bot.app.build_dialogue

    def build_dialogue(url: str, **options: Any) -> Dialogue:
        content = shared_content()
        core = real_build_dialogue(
            url,
            flows=content.product,
            knowledge=content.knowledge,
            matcher=content.matcher,
            texts=content.texts,
            **options,
        )
        built.append(core)
        return core

    with pytest.MonkeyPatch.context() as patch, logging_restored():
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        patch.setattr(bot.app, "build_dialogue", build_dialogue)
        patch.setattr(sys, "stdin", io.StringIO(script))
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = cli.main(argv)
            except SystemExit as exit_:  # argparse
                code = exit_.code if isinstance(exit_.code, int) else 1
            finally:
                for core in built:
                    core.db.dispose()
    return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())


@contextlib.contextmanager
def logging_restored() -> Iterator[None]:
    """The command line sets up logging for its process; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, levels = root.handlers[:], {n: logging.getLogger(n).level for n in QUIET_LOGGERS}
    level = root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)
