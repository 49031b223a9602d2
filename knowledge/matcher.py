"""Matching a free-text question to knowledge-base entries with rapidfuzz."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from knowledge.language import detect_language
from knowledge.loader import KnowledgeBase
from knowledge.normalize import content_tokens

Outcome = Literal["answer", "suggest", "none"]


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict on one question."""

    question: str
    language: str
    outcome: Outcome
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def prepare(text: str) -> str:
    """The matcher's processor: normalised, stop-word-free, stemmed tokens joined by spaces."""
    return " ".join(content_tokens(text))


class Matcher:
    """Scores a question against every phrasing of every entry, prepared once at load."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        *,
        threshold: float = 72.0,
        suggest_threshold: float = 55.0,
        margin: float = 4.0,
        limit: int = 3,
    ) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self.suggest_threshold = suggest_threshold
        self.margin = margin
        self.limit = limit
        self._choices: list[str] = []
        self._owners: list[str] = []
        for entry in knowledge.entries:
            phrasings = [*entry.questions["lv"], *entry.questions["en"]]
            phrasings += [entry.title.lv, entry.title.en]
            for phrasing in phrasings:
                prepared = prepare(phrasing)
                if prepared:
                    self._choices.append(prepared)
                    self._owners.append(entry.id)

    def match(self, question: str) -> MatchResult:
        language = detect_language(question)
        query = prepare(question)
        if not query:
            return MatchResult(question, language, "none", ())
        hits = process.extract(
            query, self._choices, scorer=fuzz.WRatio, processor=None, limit=60, score_cutoff=40
        )
        best: dict[str, float] = {}
        for _choice, score, index in hits:
            owner = self._owners[index]
            best[owner] = max(best.get(owner, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)[: self.limit]
        candidates = tuple(Candidate(entry_id, round(score, 1)) for entry_id, score in ranked)
        return MatchResult(question, language, self._outcome(candidates), candidates)

    def _outcome(self, candidates: tuple[Candidate, ...]) -> Outcome:
        if not candidates or candidates[0].score < self.suggest_threshold:
            return "none"
        top = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        if top >= self.threshold and top - runner_up >= self.margin:
            return "answer"
        return "suggest"
