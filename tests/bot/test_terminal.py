"""The terminal transport, scripted through standard input: ``python -m bot chat`` once in a
real process (the smoke test), otherwise its command line run in this process with the same
environment, standard input and output and exit code, on the session's shared content."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bot.app
from bot import cli
from bot.dialogue.core import Dialogue
from bot.first_screen import UserView, read_user, render
from bot.terminal import TerminalChat
from tests.conftest import build_test_dialogue, migrated_sqlite_url, shared_content
from tests.support.cli import logging_restored, run_command

DEFAULT_USER = 1  # the terminal chat's user id unless --user is given


def chat_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}", "OUT_DIR": str(tmp_path / "out")}


def run_chat_process(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot chat`` in a new process: loads and checks everything itself."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input=script,
        capture_output=True,
        text=True,
        env={**os.environ, **chat_env(tmp_path)},
        timeout=300,  # a hang guard: seconds on a quiet machine, far more under load
        check=False,
    )


def run_chat(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot chat`` run in this process (a new dialogue core each time, as after a
    restart), its outputs returned as the process's would be."""
    return run_command(["chat", *args], script, chat_env(tmp_path))


def test_scripted_conversation(tmp_path: Path) -> None:
    """The smoke test: the real command in a new process, on a new database."""
    result = run_chat_process(tmp_path, "/start\n1\n/help\n/photo\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Latviešu" in out and "[2] English" in out
    assert "Komandas:" in out and "/digcomp" in out
    assert "tekstu un pogas" in out


def test_digcomp_quick_then_a_retake_paused_by_a_restart(tmp_path: Path) -> None:
    """The learner's path from issue 4, in three processes on one database."""
    on_my_own, confidently = "3\n", "4\n"  # the 3rd and 4th buttons of every question
    first = run_chat(tmp_path, "/start\n1\n/digcomp quick\n" + on_my_own * 21)
    assert first.returncode == 0, first.stderr
    assert "DigComp pašnovērtējums · 1/21" in first.stdout
    assert "DigComp pašnovērtējums · 21/21" in first.stdout
    assert "Kopumā: 4. līmenis — Vidējais līmenis" in first.stdout
    saved = sorted(p.name for p in (tmp_path / "out" / str(DEFAULT_USER)).iterdir())
    assert [Path(name).suffix for name in saved] == [".pdf", ".png"]

    # The next day: the last result, a retake, half-way, a photo and typed text by mistake.
    script = "/digcomp\n4\n" + confidently * 10 + "/photo\nlabi\n"  # [4] retake quick
    second = run_chat(tmp_path, script)
    assert "Jūsu pēdējais DigComp pašnovērtējums" in second.stdout
    assert second.stdout.count("DigComp pašnovērtējums · 11/21") == 3  # asked, re-asked twice

    # After a restart: resumed at the same question, finished, compared with last time.
    # [1] is the PDF's "add my name" (not answered yet), [4] the change.
    third = run_chat(tmp_path, "/digcomp\n" + confidently * 11 + "4\n")
    out = third.stdout
    assert "Turpinām no vietas" in out and "DigComp pašnovērtējums · 11/21" in out
    assert "📈 Izmaiņas kopš" in out
    assert "1. Informācijas un datu lietpratība: 4 → 5 (+1)" in out
    assert "Kopumā: 5. līmenis — Augstais līmenis" in out


def test_state_survives_between_runs_and_users_are_separate(tmp_path: Path) -> None:
    run_chat(tmp_path, "/start\n2\n/digcomp\n1\n3\n")
    resumed = run_chat(tmp_path, "/digcomp\n")
    assert "DigComp self-assessment · 2/21" in resumed.stdout
    other = run_chat(tmp_path, "/start\n", "--user", "99")
    assert "Choose your language" in other.stdout


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    result = run_command(["chat"], "", {"DATABASE_URL": "mysql://nowhere/db"})
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr


def test_risk_register_files_and_a_reminder_after_a_restart(tmp_path: Path) -> None:
    setup = "/start\n1\n/risks\nGreenVET\n1\n1\n01.09.2025\n31.08.2027\n"
    # ❌, likelihood 5 × impact 4 (the 4th button), "change the date", the date, the owner
    first_item = "3\n4\n3\n15.01.2027\nAnna\n"
    high_risks = "1\n"  # the summary's first button: the high risks, with owner and date
    result = run_chat(tmp_path, setup + first_item + "1\n" * 27 + high_risks)
    assert result.returncode == 0, result.stderr
    assert "🔴 20" in result.stdout and "Pārskatīt: 15.01.2027" in result.stdout
    saved = sorted(p.suffix for p in (tmp_path / "out" / str(DEFAULT_USER)).iterdir())
    assert saved == [".csv", ".png", ".xlsx"]
    early = run_chat(tmp_path, "", "--now", "2027-01-14")
    assert "Atgādinājums" not in early.stdout
    due = run_chat(tmp_path, "1\n", "--now", "2027-01-15")  # and its review button pressed
    assert "⏰ Atgādinājums: pārskatiet risku" in due.stdout and "GreenVET" in due.stdout
    assert "[1] 🔎 Pārskatīt riskus" in due.stdout
    assert "Projekta risku kontrolsaraksts · GreenVET · 1/28" in due.stdout
    again = run_chat(tmp_path, "", "--now", "2027-01-16")
    assert "Atgādinājums" not in again.stdout  # delivered once


def test_sustainability_plan_docx_and_reminders_in_the_terminal(tmp_path: Path) -> None:
    from datetime import timedelta

    from flows.dates import add_months, local_today, show_date
    from flows.sustainability.content import default_plan_content

    end = local_today() - timedelta(days=10)  # the project has just ended
    setup = f"/start\n1\n/sustainability\nGreenVET\n1\n1\n01.09.2024\n{show_date(end)}\n"
    aspect = "Mājaslapa\nPublicēt e-kursu\nAnna\n30.06.2027\n10 skolas to izmanto\n"
    check = "1\n" * len(default_plan_content().questions)
    actions = "1\n"  # the summary's first button: the actions in full
    result = run_chat(tmp_path, setup + aspect * 5 + check + "1\n" + actions)
    assert result.returncode == 0, result.stderr
    assert "🌱 Ilgtspējas plāns — GreenVET" in result.stdout
    assert "— līdz 30.06.2027" in result.stdout and "Līdz: 30.06.2027" in result.stdout
    saved = [p.suffix for p in (tmp_path / "out" / str(DEFAULT_USER)).iterdir()]
    assert saved == [".docx"]
    # The project has ended: the reviews count from the day the plan is made.
    three_months = add_months(local_today(), 3).isoformat()
    later = run_chat(tmp_path, "", "--now", three_months)  # a restart, three months on
    assert "⏰ Atgādinājums: laiks pārskatīt projekta „GreenVET” ilgtspējas plānu" in later.stdout


def test_partner_search_call_and_docx_in_the_terminal(tmp_path: Path) -> None:
    setup = "/start\n2\n/partners\nGreenVET\n1\n1\n"  # a new project: KA2, coordinator
    bad_input = "\n/photo\n"  # an empty answer and a photo where a date is expected: re-asked
    skip_both_dates = "2\n2\n"
    answers = "catering\n2\n1\nFinland\n2\nBetter placements\nJoint modules\nAn e-course\n"
    answers += "Host learners\n09.2027-08.2029\nRiga State Technical School\nAnna Berzina\n"
    answers += "anna@rvt.lv\nRiga, Latvia\n2\n1\n"  # no Latvian wording: marked; in 2 weeks
    answers += "1\n2\n"  # the call in Latvian, then in English (shown in place)
    result = run_chat(tmp_path, setup + bad_input + skip_both_dates + answers)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Partner search: GreenVET — KA2 cooperation partnership" in out
    assert "Partneru meklēšana: GreenVET — KA2 sadarbības partnerība" in out
    assert "We are looking for: company, Finland." in out
    assert "Contact person: Anna Berzina, anna@rvt.lv" in out
    assert "Meklējam: uzņēmums, [jātulko: Finland]." in out
    saved = [p.suffix for p in (tmp_path / "out" / str(DEFAULT_USER)).iterdir()]
    assert saved == [".docx"]


def test_two_people_on_one_project_in_the_terminal(tmp_path: Path) -> None:
    """``--user`` and ``--name``: one machine acts as a coordinator and a member; the member
    picks the coordinator by first name as a risk's owner."""
    setup = "/start\n2\n/risks\nGreenVET\n1\n1\n01.09.2025\n31.08.2027\n" + "5\n" * 6
    run_chat(tmp_path, setup, "--user", "1", "--name", "Anna")
    link = run_chat(tmp_path, "/projects\n1\n5\n1\n2\n", "--user", "1", "--name", "Anna").stdout
    token = link.split("?start=")[1].split()[0]
    member = run_chat(tmp_path, f"/start {token}\n1\n", "--user", "2", "--name", "Jānis")
    assert "GreenVET" in member.stdout
    edit = "/risks\n1\n1\n1\n3\n17\n"  # change one item: the first, ⚠️, 2·2
    plan = run_chat(tmp_path, edit, "--user", "2", "--name", "Jānis").stdout
    assert "👤 Anna" in plan and "👤 Jānis" in plan


# ---- on a terminal: the first prompt before the database layer (TerminalChat.run_starting) ----
class Typed(io.StringIO):
    """What was typed on a terminal: lines already waiting before the program reads them.
    ``on_read`` is called as each line is read."""

    def __init__(self, text: str, on_read: Callable[[], None] = lambda: None) -> None:
        super().__init__(text)
        self.on_read = on_read

    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.on_read()
        return super().readline(-1 if size is None else size)


def typed_session(url: str, script: str, *, starting: bool, tmp_path: Path) -> str:
    """A terminal session's transcript: everything ready first (``run``), or started in the
    background (``run_starting``) with every line typed before the start-up is done: the
    core is built only once the first line has been read."""
    output = io.StringIO()
    chat = TerminalChat(None, tmp_path / "out", output=output)
    built: list[Dialogue] = []
    first_read = threading.Event()

    def build() -> Dialogue:
        assert first_read.wait(60), "the first line was not read while starting"
        built.append(build_test_dialogue(url, demo=False))
        return built[-1]

    try:
        if not starting:
            chat.dialogue = build_test_dialogue(url, demo=False)
            built.append(chat.dialogue)
            code = chat.run(Typed(script))
        else:
            view = read_user(url, DEFAULT_USER)
            assert view is not None
            content = shared_content()
            screen = render(view, content.texts, content.product)
            code = chat.run_starting(build, screen, Typed(script, first_read.set))
    finally:
        for core in built:
            core.db.dispose()
    assert code == 0
    return output.getvalue()


@pytest.mark.parametrize(
    "setup", ["", "/start\n", "/start\n1\n", "/start\n2\n/digcomp\n1\n", "/start\n2\n/risks\n"]
)
def test_typed_before_the_start_up_is_done_nothing_is_lost_or_reordered(
    tmp_path: Path, setup: str
) -> None:
    script = "2\n/help\nkur meklēt partnerus?\n/digcomp\n"
    transcripts = []
    for starting in (False, True):
        folder = tmp_path / str(starting)
        url = migrated_sqlite_url(folder / "chat.db")
        if setup:
            run_command(["chat"], setup, chat_env(folder) | {"DATABASE_URL": url})
        transcripts.append(typed_session(url, script, starting=starting, tmp_path=folder))
    assert transcripts[1] == transcripts[0]  # the same screens in the same order
    assert transcripts[1].count("> ") == script.count("\n") + 1
    assert "eTwinning" in transcripts[1]  # the question was answered


def test_end_of_input_at_the_first_prompt_waits_for_the_start_up(tmp_path: Path) -> None:
    """Ctrl-D at once: the database is made and migrated and the /start recorded all the same
    (never cut off by the exit)."""
    url = f"sqlite:///{tmp_path / 'var' / 'chat.db'}"
    transcript = interactive(["chat"], "", {**chat_env(tmp_path), "DATABASE_URL": url})
    assert transcript.returncode == 0 and transcript.stdout.endswith("> ")
    assert "Choose your language" in transcript.stdout
    assert read_user(url, DEFAULT_USER) == UserView(None)  # migrated to the code's version
    with sqlite3.connect(tmp_path / "var" / "chat.db") as connection:
        users = connection.execute("SELECT id FROM users").fetchall()
    connection.close()
    assert users == [(DEFAULT_USER,)]


def interactive(
    argv: list[str],
    typed: str,
    env: dict[str, str],
    build_dialogue: Callable[..., Dialogue] = bot.app.build_dialogue,
) -> subprocess.CompletedProcess[str]:
    """``bot.cli.main(argv)`` in this process as on a terminal (what was ``typed`` waiting),
    building everything itself (not on the shared content) with ``build_dialogue``; its
    outputs and exit code."""
    stdout, stderr = io.StringIO(), io.StringIO()
    built: list[Dialogue] = []

    def build(url: str, **options: Any) -> Dialogue:
        built.append(build_dialogue(url, **options))
        return built[-1]

    with pytest.MonkeyPatch.context() as patcher, logging_restored():
        for name, value in env.items():
            patcher.setenv(name, value)
        patcher.setattr(bot.app, "build_dialogue", build)
        patcher.setattr(sys, "stdin", Typed(typed))
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = cli.main(argv)
            finally:
                for core in built:
                    core.db.dispose()
    return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())


def test_on_a_terminal_a_bad_database_url_is_the_same_clear_error(tmp_path: Path) -> None:
    for url in ("mysql://nowhere/db", f"sqlite:///{tmp_path / 'file' / 'sub' / 'chat.db'}"):
        (tmp_path / "file").write_text("")  # a file where the URL wants a folder
        env = {**chat_env(tmp_path), "DATABASE_URL": url}
        on_terminal = interactive(["chat"], "/help\n", env)
        scripted = run_command(["chat"], "/help\n", env)
        assert on_terminal.returncode == scripted.returncode == 2
        assert on_terminal.stderr == scripted.stderr
        assert "DATABASE_URL" in on_terminal.stderr and on_terminal.stdout == ""


def test_on_a_terminal_broken_texts_are_the_same_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "texts.yaml"
    broken.write_text("welcome: [unclosed\n", encoding="utf-8")
    env = chat_env(tmp_path)
    results = []
    for typed in (True, False):
        with pytest.MonkeyPatch.context() as patcher:
            patcher.setattr(bot.app, "TEXTS_PATH", broken)
            if typed:
                results.append(interactive(["chat"], "/help\n", env))
            else:
                patcher.setattr(sys, "stdin", io.StringIO("/help\n"))
                stdout, stderr = io.StringIO(), io.StringIO()
                with (
                    logging_restored(),
                    contextlib.redirect_stdout(stdout),
                    contextlib.redirect_stderr(stderr),
                ):
                    code = cli.main(["chat"])
                outputs = (stdout.getvalue(), stderr.getvalue())
                results.append(subprocess.CompletedProcess([], code, *outputs))
    assert results[0].returncode == results[1].returncode == 1
    assert results[0].stderr == results[1].stderr
    assert results[0].stderr.startswith("Content problem:") and "texts.yaml" in results[0].stderr
    assert results[0].stdout == ""


def test_a_start_up_failure_in_the_background_is_reported(tmp_path: Path) -> None:
    """What goes wrong while the user types (here the migration) ends the chat with the usual
    one-line error once the first line is read, not silently."""
    from bot.settings import StartupError

    def fail(url: str, **options: Any) -> Dialogue:
        raise StartupError("DATABASE_URL: migrating the database failed")

    result = interactive(["chat"], "/help\n", chat_env(tmp_path), fail)
    assert result.returncode == 1
    assert result.stderr == "Cannot start: DATABASE_URL: migrating the database failed\n"
    assert "Choose your language" in result.stdout  # the first screen had been shown


def test_the_database_layer_is_not_loaded_before_the_first_prompt(tmp_path: Path) -> None:
    """In a new process on a terminal: SQLAlchemy, Alembic, the ORM models, the dialogue core
    and the document libraries are not imported when the prompt appears, and are by the answer."""
    probe = r"""
import io, json, sys
HEAVY = ("sqlalchemy", "alembic", "storage.models", "bot.dialogue.core", "PIL", "fpdf",
         "telegram", "httpx")
class Typed(io.StringIO):
    def isatty(self): return True
class Screen(io.StringIO):
    at_prompt = None
    def write(self, text):
        if self.at_prompt is None and text == "> ":
            self.at_prompt = sorted({m for m in sys.modules for h in HEAVY
                                     if m == h or m.startswith(h + ".")})
        return super().write(text)
sys.stdin, screen = Typed("kur meklēt partnerus?\n"), Screen()
sys.stdout = screen
from bot.cli import main
code = main(["chat"])
loaded = sorted(m for m in ("sqlalchemy", "storage.models", "bot.dialogue.core")
                if m in sys.modules)
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "at_prompt": screen.at_prompt, "loaded": loaded,
                  "text": screen.getvalue()}))
"""
    env = {**os.environ, **chat_env(tmp_path)}
    for setup in ("", "/start\n2\n/digcomp\n"):  # a new user; one in the middle of a tool
        if setup:
            subprocess.run(
                [sys.executable, "-m", "bot", "chat"], input=setup, env=env, text=True,
                capture_output=True, check=True, timeout=300,
            )  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-c", probe], env=env, text=True, capture_output=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["code"] == 0
        assert report["at_prompt"] == []
        assert report["loaded"] == ["bot.dialogue.core", "sqlalchemy", "storage.models"]
        assert "eTwinning" in report["text"]
