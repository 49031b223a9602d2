"""Knowledge-base entries: the YAML schema, parsed strictly and checked with file and id named.

Where an answer comes from is explicit (``origin``, see ``ORIGINS``): the e-material (``seed``,
the default), the e-material with Ceļvedis's own advice added (``own``), or a named source
outside the e-material (``external``). ``own`` and ``external`` entries must name their real
source in both languages, and that source may not be the e-material alone; the reader is shown
it ("Nav no e-materiāla: …" / "Source: …, not the e-material").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from knowledge.texts import LANGUAGES, ContentError, Localized, read_yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*$")
SECTIONS_PATH = Path(__file__).parent / "sections.yaml"
TITLE_LIMIT = 40
ANSWER_LIMIT = 700  # a phone screen; the rest goes behind "more"
MORE_LIMIT = 3000  # well inside Telegram's 4096-character message limit
MIN_QUESTIONS = {"lv": 2, "en": 2}

FIELDS = frozenset(
    {
        "id",
        "section",
        "title",
        "questions",
        "answer",
        "more",
        "links",
        "related",
        "flows",
        "source",
        "origin",
    }
)
# seed: everything comes from the e-material (``source`` may name one extra fact's source);
# own: the e-material plus Ceļvedis's own advice (``source`` says which part and on what based);
# external: the facts come from a source outside the e-material (``source`` names it).
ORIGINS: tuple[str, ...] = ("seed", "own", "external")


@dataclass(frozen=True)
class Link:
    """An official link; ``name_en`` is the English name when the name is not the same in both
    languages (a Latvian name is never shown to an English reader)."""

    name: str
    url: str
    name_en: str | None = None

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


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
    source: Localized | None  # a source outside the e-material, in the reader's language
    path: str
    origin: str = "seed"  # one of ORIGINS
    source_url: str | None = None  # the outside source's address, when it has one

    @property
    def section_name(self) -> Localized:
        """The section as a reader of each language sees it ("Pielikums 1" / "Annex 1")."""
        return section_names().get(self.section, Localized(self.section, self.section))


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
    section = str(section).strip()
    if not SECTION_NUMBER.match(section) and section not in section_names():
        raise ContentError(
            path, f"{where}.section", f"{section!r} is neither a number nor in sections.yaml"
        )
    title = Localized.parse(raw.get("title"), path, f"{where}.title")
    for lang in LANGUAGES:
        if len(title.get(lang)) > TITLE_LIMIT:
            raise ContentError(path, f"{where}.title.{lang}", f"longer than {TITLE_LIMIT}")
    answer = Localized.parse(raw.get("answer"), path, f"{where}.answer")
    check_language(answer, path, f"{where}.answer")
    for lang in LANGUAGES:
        if len(answer.get(lang)) > ANSWER_LIMIT:
            raise ContentError(path, f"{where}.answer.{lang}", f"longer than {ANSWER_LIMIT}")
    more = None
    if raw.get("more") is not None:
        more = Localized.parse(raw["more"], path, f"{where}.more")
        check_language(more, path, f"{where}.more")
        for lang in LANGUAGES:
            if len(more.get(lang)) > MORE_LIMIT:
                raise ContentError(path, f"{where}.more.{lang}", f"longer than {MORE_LIMIT}")
    links = _parse_links(raw.get("links"), path, where)
    check_project_numbers(answer, links, path, f"{where}.links")
    if source_needed_for_version(answer, more) and raw.get("source") is None:
        raise ContentError(
            path, f"{where}.source", "speaks of a latest or newer version: name its dated source"
        )
    origin = raw.get("origin", "seed")
    if origin not in ORIGINS:
        raise ContentError(path, f"{where}.origin", f"expected one of {', '.join(ORIGINS)}")
    source, source_url = _parse_source(raw.get("source"), path, f"{where}.source")
    if origin != "seed":
        check_outside_source(source, path, f"{where}.source", origin)
    return Entry(
        id=entry_id,
        section=section,
        title=title,
        questions=_parse_questions(raw.get("questions"), path, where),
        answer=answer,
        more=more,
        links=links,
        related=_parse_ids(raw.get("related"), path, f"{where}.related"),
        flows=_parse_ids(raw.get("flows"), path, f"{where}.flows"),
        source=source,
        path=str(path),
        origin=origin,
        source_url=source_url,
    )


# The reader's language, checked in every answer, "more" and source (``python -m bot validate``):
# no English sentence in a Latvian text, no Latvian sentence in an English one, no Latvian
# section name in an English text ("section „Pielikums 2”" reads "Annex 2"), and no "tu" forms
# or "tu" imperatives in Latvian (the user is addressed as "Jūs"). Quoted titles are left alone.
_QUOTED = re.compile(r"„[^”“]*[”“]|“[^”]*”|\"[^\"]*\"|«[^»]*»")
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+|[()]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LV_LETTERS = frozenset("āčēģīķļņšūž")
_FUNCTION_WORDS = {
    "lv": frozenset(
        [
            "the",
            "of",
            "and",
            "is",
            "are",
            "to",
            "in",
            "not",
            "from",
            "this",
            "that",
            "was",
            "were",
            "be",
            "by",
            "with",
            "for",
            "it",
            "its",
        ]
    ),
    "en": frozenset(
        [
            "un",
            "ir",
            "par",
            "ar",
            "no",
            "uz",
            "kas",
            "lai",
            "vai",
            "ka",
            "arī",
            "tā",
            "to",
            "tas",
            "tie",
            "bet",
            "jo",
            "pie",
            "kā",
        ]
    ),
}
_TU_FORMS = frozenset(
    [
        "tu",
        "tev",
        "tevi",
        "tevis",
        "tavs",
        "tava",
        "tavu",
        "tavi",
        "tavas",
        "tavā",
        "tavām",
        "taviem",
    ]
)


# Singular imperatives that are never another form of the verb, anywhere in a text ...
_TU_IMPERATIVES = frozenset(
    [
        "skati",
        "apskati",
        "pamēģini",
        "izmēģini",
        "pārbaudi",
        "salīdzini",
        "atrodi",
        "izvēlies",
        "spied",
        "nospied",
        "uzraksti",
        "aizpildi",
        "sazinies",
        "reģistrējies",
        "vienojies",
        "iesaisties",
        "padomā",
        "ieskaties",
    ]
)
# ... and those that are also the third person, when they open a sentence or a list item.
_TU_IMPERATIVE_FIRST = re.compile(
    r"(?:^|[.!?]\s+|\n\s*(?:[•–-]\s*|\d+\.\s*)?)"
    r"(Jautā|Pajautā|Izmanto|Meklē|Novērtē|Izveido|Sagatavo|Atver|Lasi|Seko|Noskaidro)\b"
)
_LV_SECTION_NAME = re.compile(
    r"\b(?:[Pp]ielikum\w*|sadaļ\w*|nodaļ\w*|Glosārij\w*|Ievad\w*|Izmantotie avoti)"
)


def language_problem(text: str, lang: str) -> str | None:
    """Why ``text`` is not plainly in ``lang`` (a sentence in the other language, or a "tu"
    form in Latvian), or None."""
    unquoted = _QUOTED.sub(" ", text)
    other = _FUNCTION_WORDS[lang]
    for sentence in _SENTENCE.split(unquoted):
        words = _WORD.findall(sentence)
        if len(words) < 5:
            continue
        lowered = [w.lower() for w in words]
        if sum(w in other for w in lowered) / len(words) < 0.3:
            continue
        has_latvian_letters = any(ch in _LV_LETTERS for w in lowered for ch in w)
        if lang == "lv" and not has_latvian_letters:
            return f"an English sentence in the Latvian text: {sentence.strip()[:80]!r}"
        if lang == "en":
            return f"a Latvian sentence in the English text: {sentence.strip()[:80]!r}"
    if lang == "en":
        section = _LV_SECTION_NAME.search(text)
        if section:
            return f"a Latvian section name in the English text: {section.group()!r}"
    if lang == "lv":
        lowered_words = {w.lower() for w in _WORD.findall(unquoted)}
        tu = sorted(lowered_words & (_TU_FORMS | _TU_IMPERATIVES))
        first = _TU_IMPERATIVE_FIRST.search(unquoted)
        if first:
            tu.append(first.group(1))
        if tu:
            return f"'tu' form(s) {', '.join(tu)} in the Latvian text: address the user as 'Jūs'"
    return None


def check_language(text: Localized, path: Path | str, key: str) -> None:
    for lang in LANGUAGES:
        problem = language_problem(text.get(lang), lang)
        if problem:
            raise ContentError(path, f"{key}.{lang}", problem)


def _parse_source(raw: Any, path: Path, key: str) -> tuple[Localized | None, str | None]:
    """A source outside the e-material, written for readers of both languages, and its
    address (``url``) when it has one."""
    if raw is None:
        return None, None
    if not isinstance(raw, Mapping):
        raise ContentError(path, key, "write the source in both languages: {lv: ..., en: ...}")
    url = raw.get("url")
    if url is not None:
        url = str(url).strip()
        if not _well_formed_url(url):
            raise ContentError(path, f"{key}.url", f"not a well-formed http(s) URL: {url!r}")
    source = Localized.parse({k: v for k, v in raw.items() if k != "url"}, path, key)
    check_language(source, path, key)
    return source, url


# Words that point back at the e-material itself (or only at its parts): a source made of
# nothing else names no source outside it.
_E_MATERIAL_WORDS = re.compile(
    r"^(?:e-materiāl\w*|e-material\w*|vet|lv|team|sadaļ\w*|section\w*|nodaļ\w*|chapter\w*|"
    r"pielikum\w*|annex\w*|the|of|and|in|its|un|no|tā|par|e|materiāl\w*|material\w*)$",
    re.IGNORECASE,
)


def check_outside_source(source: Localized | None, path: Path | str, key: str, origin: str) -> None:
    """An ``own`` or ``external`` entry names its real source in both languages, and that
    source is not the e-material alone."""
    if source is None:
        raise ContentError(path, key, f"origin {origin}: name the real source in lv and en")
    for lang in LANGUAGES:
        words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", source.get(lang))
        if all(_E_MATERIAL_WORDS.match(word) for word in words):
            raise ContentError(
                path,
                f"{key}.{lang}",
                f"origin {origin}: the source names only the e-material — name the real one",
            )


@cache
def section_names() -> dict[str, Localized]:
    """The named sections (``sections.yaml``)."""
    data = read_yaml(SECTIONS_PATH)
    if not isinstance(data, Mapping):
        raise ContentError(SECTIONS_PATH, "(file)", "expected a mapping")
    return {str(k): Localized.parse(v, SECTIONS_PATH, str(k)) for k, v in data.items()}


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
        if not _well_formed_url(url):
            raise ContentError(path, key, f"not a well-formed http(s) URL: {url!r}")
        name_en = None
        if isinstance(item["name"], Mapping):
            names = Localized.parse(item["name"], path, f"{key}.name")
            check_language(names, path, f"{key}.name")
            name, name_en = names.lv, names.en
        else:
            name = str(item["name"]).strip()
            if any(ch in _LV_LETTERS for ch in name.casefold()):
                raise ContentError(
                    path, f"{key}.name", "a Latvian name: give it in both languages {lv: …, en: …}"
                )
        if _CELEX_PROPOSAL.search(url) and not _PROPOSAL_WORD.search(f"{name} {name_en}"):
            raise ContentError(
                path, key, "links a Commission proposal (CELEX 5…DC…): say so, or link the act"
            )
        links.append(Link(name=name, url=url, name_en=name_en))
    return tuple(links)


# "The latest version" dates an answer: the e-material's (DigComp 2.2) was the newest in 2024,
# DigComp 3.0 came in 2025. Such a claim is an outside, dated fact and needs a named source.
_VERSION_CLAIM = re.compile(
    r"(?:latest|newest|newer|most recent|current) version|"
    r"(?:jaunāk|pēdēj|aktuāl)\w* (?:versij|redakcij)",
    re.IGNORECASE,
)


def source_needed_for_version(answer: Localized, more: Localized | None) -> bool:
    """Whether an answer (or its "more") claims which version is the latest or newer."""
    texts = [answer.lv, answer.en, *((more.lv, more.en) if more else ())]
    return any(_VERSION_CLAIM.search(text) for text in texts)


def _well_formed_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and "." in parsed.netloc and " " not in url


_CELEX_PROPOSAL = re.compile(r"CELEX(?::|%3A)5\d{4}(?:DC|PC)", re.IGNORECASE)
_PROPOSAL_WORD = re.compile(r"priekšlikum|proposal", re.IGNORECASE)
# An Erasmus+ project number: 2021-1-BE03-KA220-000033175.
_PROJECT_NUMBER = re.compile(r"\b20\d\d-\d-[A-Z]{2}\d\d-KA\d{3}-\d{5,9}\b", re.IGNORECASE)


def check_project_numbers(answer: Localized, links: tuple[Link, ...], path: Path, key: str) -> None:
    """A link naming an Erasmus+ project number must be about a project the answer names."""
    named = {n.lower() for n in _PROJECT_NUMBER.findall(f"{answer.lv} {answer.en}")}
    for link in links:
        for number in _PROJECT_NUMBER.findall(link.url.replace("-ka", "-KA")):
            if named and number.lower() not in named:
                raise ContentError(
                    path,
                    key,
                    f"{link.url} is about project {number}, the answer about {sorted(named)[0]}",
                )


def _parse_ids(raw: Any, path: Path, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
        raise ContentError(path, key, "expected a list of ids")
    return tuple(raw)
