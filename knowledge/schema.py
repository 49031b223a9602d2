"""Knowledge-base entries: the YAML schema, parsed strictly and checked with file and id named."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from knowledge.texts import LANGUAGES, ContentError, Localized

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
TITLE_LIMIT = 40
ANSWER_LIMIT = 700  # a phone screen; the rest goes behind "more"
MORE_LIMIT = 3000  # well inside Telegram's 4096-character message limit
MIN_QUESTIONS = {"lv": 2, "en": 2}

FIELDS = frozenset(
    {"id", "section", "title", "questions", "answer", "more", "links", "related", "flows", "source"}
)


@dataclass(frozen=True)
class Link:
    name: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One question-and-answer entry of the knowledge base."""

    id: str
    section: str
    title: Localized
    questions: Mapping[str, tuple[str, ...]]
    answer: Localized
    more: Localized | None
    links: tuple[Link, ...]
    related: tuple[str, ...]
    flows: tuple[str, ...]
    source: str | None
    path: str


def parse_entry(raw: Any, path: Path, index: int) -> Entry:
    """Parse one entry mapping; raises ContentError naming the file and the entry."""
    where = f"entries[{index}]"
    if not isinstance(raw, Mapping):
        raise ContentError(path, where, "expected a mapping")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        raise ContentError(path, where, f"id {entry_id!r} must be lowercase a-z, 0-9, '-' (<= 40)")
    where = entry_id
    unknown = set(raw) - FIELDS
    if unknown:
        raise ContentError(path, where, f"unknown field(s): {', '.join(sorted(unknown))}")
    section = raw.get("section")
    if section is None or not str(section).strip():
        raise ContentError(path, f"{where}.section", "missing")
    title = Localized.parse(raw.get("title"), path, f"{where}.title")
    for lang in LANGUAGES:
        if len(title.get(lang)) > TITLE_LIMIT:
            raise ContentError(path, f"{where}.title.{lang}", f"longer than {TITLE_LIMIT}")
    answer = Localized.parse(raw.get("answer"), path, f"{where}.answer")
    for lang in LANGUAGES:
        if len(answer.get(lang)) > ANSWER_LIMIT:
            raise ContentError(path, f"{where}.answer.{lang}", f"longer than {ANSWER_LIMIT}")
    more = None
    if raw.get("more") is not None:
        more = Localized.parse(raw["more"], path, f"{where}.more")
        for lang in LANGUAGES:
            if len(more.get(lang)) > MORE_LIMIT:
                raise ContentError(path, f"{where}.more.{lang}", f"longer than {MORE_LIMIT}")
    return Entry(
        id=entry_id,
        section=str(section).strip(),
        title=title,
        questions=_parse_questions(raw.get("questions"), path, where),
        answer=answer,
        more=more,
        links=_parse_links(raw.get("links"), path, where),
        related=_parse_ids(raw.get("related"), path, f"{where}.related"),
        flows=_parse_ids(raw.get("flows"), path, f"{where}.flows"),
        source=str(raw["source"]).strip() if raw.get("source") else None,
        path=str(path),
    )


def _parse_questions(raw: Any, path: Path, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        raise ContentError(path, f"{where}.questions", "expected lv and en lists")
    questions: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        items = raw.get(lang)
        if not isinstance(items, list) or not all(isinstance(q, str) and q.strip() for q in items):
            raise ContentError(path, f"{where}.questions.{lang}", "expected a list of phrasings")
        if len(items) < MIN_QUESTIONS[lang]:
            raise ContentError(
                path, f"{where}.questions.{lang}", f"needs at least {MIN_QUESTIONS[lang]}"
            )
        questions[lang] = tuple(q.strip() for q in items)
    return questions


def _parse_links(raw: Any, path: Path, where: str) -> tuple[Link, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ContentError(path, f"{where}.links", "expected a list")
    links = []
    for i, item in enumerate(raw):
        key = f"{where}.links[{i}]"
        if not isinstance(item, Mapping) or not item.get("name") or not item.get("url"):
            raise ContentError(path, key, "expected name and url")
        url = str(item["url"]).strip()
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or "." not in parsed.netloc or " " in url:
            raise ContentError(path, key, f"not a well-formed http(s) URL: {url!r}")
        links.append(Link(name=str(item["name"]).strip(), url=url))
    return tuple(links)


def _parse_ids(raw: Any, path: Path, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
        raise ContentError(path, key, "expected a list of ids")
    return tuple(raw)
