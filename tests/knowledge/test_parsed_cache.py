"""The parsed-YAML cache: a parse is reused only for the same bytes, never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import parsed_cache
from knowledge.texts import ContentError, read_yaml


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory whose files are cached, with the cache inside it."""
    monkeypatch.setattr(parsed_cache, "PROJECT_DIR", tmp_path.resolve())
    monkeypatch.setenv("CELVEDIS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_a_changed_file_is_parsed_again_never_stale(project: Path) -> None:
    path = project / "texts.yaml"
    path.write_text("greeting: {lv: Sveiki, en: Hello}\n", encoding="utf-8")
    assert read_yaml(path) == {"greeting": {"lv": "Sveiki", "en": "Hello"}}
    assert len(list((project / "cache").glob("yaml-*.pickle"))) == 1
    path.write_text("greeting: {lv: Labdien, en: Good day}\n", encoding="utf-8")
    assert read_yaml(path) == {"greeting": {"lv": "Labdien", "en": "Good day"}}
    assert len(list((project / "cache").glob("yaml-*.pickle"))) == 1  # replaced, not added


def test_the_same_bytes_come_from_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / "texts.yaml"
    path.write_text("a: [1, 2]\n", encoding="utf-8")
    first = read_yaml(path)
    monkeypatch.setattr("knowledge.texts._parse_yaml", _no_parsing)
    second = read_yaml(path)
    assert second == first == {"a": [1, 2]}
    second["a"].append(3)  # each read gets its own copy
    assert read_yaml(path) == {"a": [1, 2]}


def test_a_corrupt_entry_is_parsed_again(project: Path) -> None:
    path = project / "texts.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    read_yaml(path)
    (entry,) = (project / "cache").glob("yaml-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert read_yaml(path) == {"a": 1}


def test_invalid_yaml_is_still_a_content_error_and_not_kept(project: Path) -> None:
    path = project / "broken.yaml"
    path.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ContentError, match="not valid YAML"):
        read_yaml(path)
    assert not list((project / "cache").glob("yaml-*.pickle"))


def test_files_outside_the_project_and_a_cache_turned_off_are_only_parsed(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "texts.yaml"
    outside.write_text("a: 1\n", encoding="utf-8")
    assert read_yaml(outside) == {"a": 1}
    monkeypatch.setenv("CELVEDIS_CACHE_DIR", "off")
    inside = project / "texts.yaml"
    inside.write_text("b: 2\n", encoding="utf-8")
    assert read_yaml(inside) == {"b": 2}
    assert not (project / "cache").exists()


def _no_parsing(path: Path, data: bytes) -> object:
    raise AssertionError("parsed although the cache holds these bytes")
