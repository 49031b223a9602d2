"""Bilingual user-facing strings: loading YAML catalogues of Latvian and English text."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.parsed_cache import parsed

LANGUAGES: tuple[str, ...] = ("lv", "en")
DEFAULT_LANGUAGE = "lv"


class ContentError(ValueError):
    """Content that cannot be used, with the file and key it was found at."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")
        self.path = str(path)
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Localized:
    """One text in every supported language."""

    lv: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.lv

    @classmethod
    def parse_limited(cls, value: Any, path: Path | str, key: str, limit: int) -> Localized:
        """``parse``, refusing a text longer than ``limit`` characters in any language."""
        text = cls.parse(value, path, key)
        for lang in LANGUAGES:
            if len(text.get(lang)) > limit:
                raise ContentError(path, f"{key}.{lang}", f"longer than {limit} characters")
        return text

    @classmethod
    def parse(cls, value: Any, path: Path | str, key: str) -> Localized:
        """Build from a ``{lv: ..., en: ...}`` mapping, failing with the file and key named."""
        if not isinstance(value, Mapping):
            raise ContentError(path, key, "expected a mapping with 'lv' and 'en'")
        texts = {}
        for lang in LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise ContentError(path, f"{key}.{lang}", "missing or empty text")
            texts[lang] = text.strip()
        extra = set(value) - set(LANGUAGES)
        if extra:
            raise ContentError(path, key, f"unknown language(s): {', '.join(sorted(extra))}")
        return cls(**texts)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, turning syntax errors into a ContentError naming the file. The
    parse is kept in the cache directory and reused while the file's bytes are the same
    (``knowledge.parsed_cache``); PyYAML is imported only to parse."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(path, "(file)", f"cannot be read: {exc.strerror}") from exc
    return parsed(path, data, lambda raw: _parse_yaml(path, raw))


def _parse_yaml(path: Path, data: bytes) -> Any:
    import yaml

    # libyaml's safe loader when PyYAML was built with it (several times faster), else the pure
    # one.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(data.decode("utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise ContentError(path, "(file)", f"not valid YAML: {exc}") from exc


class Catalogue:
    """A flat key -> Localized catalogue read from one YAML file of nested mappings."""

    def __init__(self, entries: dict[str, Localized], path: Path | str = "<memory>") -> None:
        self._entries = entries
        self.path = str(path)

    @classmethod
    def load(cls, path: Path) -> Catalogue:
        data = read_yaml(path)
        if not isinstance(data, Mapping):
            raise ContentError(path, "(file)", "expected a mapping of text keys")
        entries: dict[str, Localized] = {}
        _flatten(data, "", path, entries)
        return cls(entries, path)

    def merged(self, other: Catalogue) -> Catalogue:
        """This catalogue with ``other``'s keys added; a key defined twice is an error."""
        clash = set(self._entries) & set(other._entries)
        if clash:
            raise ContentError(other.path, sorted(clash)[0], f"also defined in {self.path}")
        return Catalogue({**self._entries, **other._entries}, f"{self.path} + {other.path}")

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def keys(self) -> list[str]:
        return list(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def localized(self, key: str) -> Localized:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"text '{key}' is missing from {self.path}") from None

    def text(self, key: str, lang: str, /, **values: Any) -> str:
        template = self.localized(key).get(lang)
        return template.format(**values) if values else template

    def filled(self, key: str, /, **values: Callable[[str], object]) -> Localized:
        """The template ``key`` filled in every language; each value is a function of the
        language (``competence.name.get``, say)."""
        texts = {
            lang: self.text(key, lang, **{name: value(lang) for name, value in values.items()})
            for lang in LANGUAGES
        }
        return Localized(**texts)


def _flatten(node: Mapping[str, Any], prefix: str, path: Path, out: dict[str, Localized]) -> None:
    for name, value in node.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping) and set(value) & set(LANGUAGES):
            out[key] = Localized.parse(value, path, key)
        elif isinstance(value, Mapping):
            _flatten(value, f"{key}.", path, out)
        else:
            raise ContentError(path, key, "expected 'lv' and 'en' texts or a nested group")
