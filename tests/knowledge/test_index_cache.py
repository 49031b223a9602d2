"""The compiled index cache: loaded when current, rebuilt when the content or the code changes,
rebuilt (no crash) when the file is corrupt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import index_cache
from knowledge.loader import CONTENT_DIR
from knowledge.matcher import Matcher

FLOWS = ["digcomp", "risks", "partners", "sustainability", "projects"]


@pytest.fixture()
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, directory)
    monkeypatch.setenv("CELVEDIS_CACHE_DIR", str(tmp_path / "cache"))
    return directory


def _builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the matcher builds from now on."""
    calls: list[int] = []
    real = index_cache._build

    def counting(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(index_cache, "_build", counting)
    return calls


def test_second_load_comes_from_the_cache_and_answers_the_same(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = _builds(monkeypatch)
    knowledge, built = index_cache.load_index(FLOWS, content)
    _, cached = index_cache.load_index(FLOWS, content)
    assert len(builds) == 1
    assert isinstance(cached, Matcher) and cached is not built
    for question in ("kur meklēt partnerus?", "what is DigComp?", "kvantu fizika"):
        assert cached.match(question) == built.match(question)
    assert len(list((content.parent / "cache").glob("index-*.pickle"))) == 1
    assert len(knowledge) > 100


def test_a_changed_content_file_rebuilds(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = _builds(monkeypatch)
    index_cache.load_index(FLOWS, content)
    path = sorted(content.glob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    index_cache.load_index(FLOWS, content)
    assert len(builds) == 2
    index_cache.load_index(FLOWS, content)
    assert len(builds) == 2
    assert len(list((content.parent / "cache").glob("index-*.pickle"))) == 2  # the newest kept
    for i in range(6):
        index_cache.load_index(FLOWS, content, threshold=40.0 + i)
    assert len(list((content.parent / "cache").glob("index-*.pickle"))) == index_cache.KEEP


def test_a_changed_code_file_rebuilds(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = _builds(monkeypatch)
    index_cache.load_index(FLOWS, content)
    code = tmp_path / "code"
    code.mkdir()
    for path in index_cache.PACKAGE_DIR.glob("*"):
        if path.is_file():
            shutil.copy(path, code / path.name)
    (code / "matcher.py").write_text(
        (code / "matcher.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8"
    )
    monkeypatch.setattr(index_cache, "PACKAGE_DIR", code)
    index_cache.load_index(FLOWS, content)
    assert len(builds) == 2


def test_other_flows_or_parameters_rebuild(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = _builds(monkeypatch)
    index_cache.load_index(FLOWS, content)
    _, matcher = index_cache.load_index(FLOWS, content, threshold=50.0)
    assert len(builds) == 2 and matcher.threshold == 50.0


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_a_corrupt_cache_file_is_rebuilt(
    content: Path, monkeypatch: pytest.MonkeyPatch, garbage: bytes
) -> None:
    index_cache.load_index(FLOWS, content)
    (path,) = (content.parent / "cache").glob("index-*.pickle")
    path.write_bytes(garbage)
    builds = _builds(monkeypatch)
    _, matcher = index_cache.load_index(FLOWS, content)
    assert len(builds) == 1
    assert matcher.match("kur meklēt partnerus?").outcome == "answer"
    index_cache.load_index(FLOWS, content)
    assert len(builds) == 1  # the rebuilt file is good again


def test_cache_off_or_unwritable_still_loads(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELVEDIS_CACHE_DIR", "off")
    _, matcher = index_cache.load_index(FLOWS, content)
    assert matcher.match("kur meklēt partnerus?").outcome == "answer"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("CELVEDIS_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    _, matcher = index_cache.load_index(FLOWS, content)
    assert matcher.match("kur meklēt partnerus?").outcome == "answer"


def test_ask_does_not_load_sqlalchemy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from bot.cli import main; main(['ask', 'kur meklēt partnerus?']); "
        "print('SQLA' if 'sqlalchemy' in sys.modules else 'NONE')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().endswith("NONE")


def test_default_flows_are_keyed_by_the_flows_code(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = _builds(monkeypatch)
    index_cache.load_index(None, content)
    _, matcher = index_cache.load_index(None, content)
    assert len(builds) == 1 and matcher.match("kur meklēt partnerus?").outcome == "answer"
    flows = tmp_path / "flows"
    shutil.copytree(index_cache.FLOWS_DIR, flows, ignore=shutil.ignore_patterns("__pycache__"))
    (flows / "registry.py").write_text(
        (flows / "registry.py").read_text(encoding="utf-8") + "\n# a new flow\n", encoding="utf-8"
    )
    monkeypatch.setattr(index_cache, "FLOWS_DIR", flows)
    index_cache.load_index(None, content)
    assert len(builds) == 2
