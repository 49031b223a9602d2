"""The second development set (``tests/knowledge/dev_set_2.yaml``) and ``python -m bot eval
--set``: the set is well formed, written apart from the eval set and the knowledge base, and the
command evaluates whichever set it is given."""

from __future__ import annotations

from pathlib import Path

from knowledge.evaluation import load_eval_set
from knowledge.normalize import tokens
from tests.knowledge.test_eval import phrasing_words
from tests.support.cli import run_command

DEV_SET = Path(__file__).resolve().parent / "dev_set_2.yaml"


def test_dev_set_is_varied_and_checks_follow_ups() -> None:
    items = load_eval_set(DEV_SET)
    kinds = [item.kind for item in items]
    assert len(items) >= 150
    assert kinds.count("near_miss") + kinds.count("oos") >= 30
    assert kinds.count("lv_plain") >= 20 and kinds.count("en") >= 20
    assert all(item.previous for item in items if item.kind == "followup")


def test_dev_questions_are_neither_eval_questions_nor_phrasings() -> None:
    """Case, diacritics and punctuation aside, no dev question is an eval question or a
    knowledge-base phrasing (a phrasing copied from the set would only flatter it)."""
    taken = phrasing_words()
    taken |= {tuple(tokens(item.question)) for item in load_eval_set()}
    copied = [
        item.question for item in load_eval_set(DEV_SET) if tuple(tokens(item.question)) in taken
    ]
    assert copied == []


def test_eval_command_runs_the_set_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "questions:\n"
        '  - {q: "kur meklēt partnerus?", expect: partner-search, kind: lv}\n'
        '  - {q: "kā izcept šokolādes kūku?", expect: null, kind: oos}\n',
        encoding="utf-8",
    )
    result = run_command(["eval", "--set", str(path)])
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:3] for line in result.stdout.splitlines() if line}
    assert rows["lv"] == ["1", "1.000"] and rows["oos"] == ["1", "1.000"]
    assert "en" not in rows  # only the given set's kinds are counted
    assert "misses (0):" in result.stdout
