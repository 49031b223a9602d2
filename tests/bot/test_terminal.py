"""The terminal transport, scripted through standard input of a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_chat(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "OUT_DIR": str(tmp_path / "out"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_scripted_conversation(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "/start\n1\n/help\n/demo\n1\nMans mērķis\n/photo\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Latviešu" in out and "[2] English" in out
    assert "Komandas:" in out
    assert "Izmēģinājuma saruna · 2/2" in out
    assert "Jūsu mērķis: Mans mērķis" in out
    assert "tekstu un pogas" in out


def test_state_survives_between_runs_and_users_are_separate(tmp_path: Path) -> None:
    run_chat(tmp_path, "/start\n2\n/demo\n1\n")
    resumed = run_chat(tmp_path, "/demo\n")
    assert "Demo conversation · 2/2" in resumed.stdout
    other = run_chat(tmp_path, "/start\n", "--user", "99")
    assert "Choose your language" in other.stdout


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "mysql://nowhere/db"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr
