"""The terminal transport, scripted through standard input: ``python -m bot chat`` once in a
real process (the smoke test), otherwise its command line run in this process with the same
environment, standard input and output and exit code, on the session's shared content."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import run_command

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
        timeout=60,
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
    due = run_chat(tmp_path, "", "--now", "2027-01-15")
    assert "⏰ Atgādinājums: pārskatiet risku" in due.stdout and "GreenVET" in due.stdout
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
