"""Matching a free-text question to knowledge-base entries.

Every phrasing (and title) of every entry is normalised once at load (``content_tokens``: folded
diacritics, canonical synonyms, no stop words, light stems). A question is normalised the same
way; each of its words that the knowledge base does not know is corrected to the nearest known
word with rapidfuzz (typos). Phrasings sharing a word with the question are scored by how much
of the question's weight (IDF) they cover and how much of their own weight the question covers,
blended with rapidfuzz's token-set similarity. An entry scores as its best phrasing.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.language import LanguageDetector
from knowledge.loader import KnowledgeBase
from knowledge.normalize import content_tokens, stem, tokens

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


@dataclass(frozen=True)
class _Phrasing:
    entry_id: str
    text: str
    tokens: frozenset[str]
    weight: float


def prepare(text: str) -> str:
    """The matcher's processor: normalised, stop-word-free, stemmed tokens joined by spaces."""
    return " ".join(content_tokens(text))


class Matcher:
    """Scores a question against every phrasing of every entry, prepared once at load."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        *,
        threshold: float = 42.0,
        suggest_threshold: float = 32.0,
        margin: float = 0.5,
        limit: int = 3,
        fuzzy_weight: float = 0.2,
        answer_weight: float = 0.35,
        query_share: float = 0.65,
        min_known_share: float = 0.4,
        shortlist: int = 400,
        common_postings: int = 5000,
    ) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self.suggest_threshold = suggest_threshold
        self.margin = margin
        self.limit = limit
        self.fuzzy_weight = fuzzy_weight
        self.answer_weight = answer_weight
        self.query_share = query_share
        self.min_known_share = min_known_share
        self.shortlist = shortlist
        self.common_postings = common_postings
        self.language = LanguageDetector.from_knowledge(knowledge)

        tokenised: list[tuple[str, str, list[str]]] = []
        for entry in knowledge.entries:
            phrasings = [
                *entry.questions["lv"],
                *entry.questions["en"],
                entry.title.lv,
                entry.title.en,
            ]
            for phrasing in phrasings:
                words = content_tokens(phrasing)
                if words:
                    tokenised.append((entry.id, " ".join(words), words))
        answers = {
            entry.id: frozenset(
                content_tokens(
                    f"{entry.title.lv} {entry.title.en} {entry.answer.lv} {entry.answer.en}"
                )
            )
            for entry in knowledge.entries
        }
        entries_with = _document_frequency(tokenised, answers)
        total = len(knowledge.entries) or 1
        self._idf = {w: math.log((total + 1) / (df + 0.5)) for w, df in entries_with.items()}
        self._unknown_weight = max(self._idf.values(), default=1.0)
        self._vocabulary = sorted(self._idf)
        self._phrasings: list[_Phrasing] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        for entry_id, text, words in tokenised:
            unique = frozenset(words)
            index = len(self._phrasings)
            self._phrasings.append(
                _Phrasing(entry_id, text, unique, sum(self._idf[w] for w in unique))
            )
            for word in unique:
                self._postings[word].append(index)
        for postings in self._postings.values():  # lightest phrasings first (see _shortlist)
            postings.sort(key=lambda index: self._phrasings[index].weight)
        self._answer_postings: dict[str, list[str]] = defaultdict(list)
        for entry_id, words in answers.items():
            for word in words:
                self._answer_postings[word].append(entry_id)

    @property
    def choices(self) -> list[str]:
        """Every prepared phrasing (what a bare rapidfuzz search would run over)."""
        return [p.text for p in self._phrasings]

    def correct(self, word: str) -> tuple[str, float]:
        """The known word closest to ``word`` and the similarity (1.0 when known, 0 when none)."""
        if word in self._idf:
            return word, 1.0
        if len(word) < 4 or word.isdigit():
            return word, 0.0
        # One edit (a transposition counts as one) for short words, two for long ones.
        allowed = 1 if len(word) < 8 else 2
        hit = process.extractOne(
            word, self._vocabulary, scorer=OSA.distance, processor=None, score_cutoff=allowed
        )
        if hit is None:
            return word, 0.0
        return hit[0], 1.0 - 0.5 * hit[1] / len(word)

    def match(self, question: str) -> MatchResult:
        language = self.language.detect(question)
        words = content_tokens(question)
        if not any(ch.isalpha() for word in words for ch in word):  # only numbers or symbols
            return MatchResult(question, language, "none", ())
        query: dict[str, float] = {}
        query_weight = 0.0
        # A stem too short to correct ("cvoe" -> "cvo") is corrected from the word as typed.
        typed = {stem(token): token for token in tokens(question)}
        for word in dict.fromkeys(words):
            known, similarity = self.correct(word)
            if similarity == 0 and word in typed and typed[word] != word:
                known, similarity = self.correct(typed[word])
            if similarity > 0:
                query[known] = max(query.get(known, 0.0), similarity)
                query_weight += self._idf[known]
            else:
                query_weight += self._unknown_weight
        scores = self._score(query, query_weight)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[: self.limit]
        candidates = tuple(Candidate(entry_id, round(score, 1)) for entry_id, score in ranked)
        outcome = self._outcome(candidates)
        # Mostly words the knowledge base has never seen: out of scope, whatever matched.
        known_share = sum(self._idf[w] for w in query) / query_weight if query_weight else 0.0
        if known_share < self.min_known_share:
            outcome = "none"
        return MatchResult(question, language, outcome, candidates)

    def _score(self, query: dict[str, float], query_weight: float) -> dict[str, float]:
        covered: dict[int, float] = defaultdict(float)
        in_answer: dict[str, float] = defaultdict(float)
        # Rarest words first. A very common word (in more than ``common_postings`` phrasings,
        # only in large knowledge bases) adds to the phrasings rarer words already found rather
        # than walking its whole postings list: what only shares common words cannot win.
        phrasings = self._phrasings
        for word, similarity in sorted(query.items(), key=lambda item: self._df_phrasings(item[0])):
            weight = self._idf[word] * similarity
            postings = self._postings.get(word, ())
            if covered and len(postings) > self.common_postings:
                for index in covered:
                    if word in phrasings[index].tokens:
                        covered[index] += weight
            else:
                for index in postings:
                    covered[index] += weight
            for entry_id in self._answer_postings.get(word, ()):
                in_answer[entry_id] += weight
        query_text = " ".join(query)
        best: dict[str, float] = {}
        shortlist = self._shortlist(covered)
        share = self.query_share
        for index, matched in shortlist:
            phrasing = self._phrasings[index]
            own = sum(self._idf[w] for w in phrasing.tokens if w in query)
            coverage = share * matched / query_weight + (1 - share) * own / phrasing.weight
            fuzzy = fuzz.token_set_ratio(query_text, phrasing.text) / 100.0
            score = 100.0 * ((1 - self.fuzzy_weight) * coverage + self.fuzzy_weight * fuzzy)
            if score > best.get(phrasing.entry_id, 0.0):
                best[phrasing.entry_id] = score
        w = self.answer_weight
        return {
            entry_id: (1 - w) * best.get(entry_id, 0.0)
            + w * 100.0 * in_answer.get(entry_id, 0.0) / query_weight
            for entry_id in best.keys() | in_answer.keys()
        }

    def _df_phrasings(self, word: str) -> int:
        return len(self._postings.get(word, ()))

    def _shortlist(self, covered: dict[int, float]) -> list[tuple[int, float]]:
        """The phrasings covering most of the question, to be scored in full. Ties at the cut
        are taken in the order they were first covered — by the rarest word, whose postings
        are sorted lightest first — so phrasings with least else in them win the tie, not
        whichever loaded first."""
        if len(covered) <= self.shortlist:
            return list(covered.items())
        cut = heapq.nlargest(self.shortlist, covered.values())[-1]
        chosen = [(index, value) for index, value in covered.items() if value > cut]
        room = self.shortlist - len(chosen)
        ties = ((index, value) for index, value in covered.items() if value == cut)
        chosen.extend(itertools.islice(ties, room))
        return chosen

    def _outcome(self, candidates: tuple[Candidate, ...]) -> Outcome:
        if not candidates or candidates[0].score < self.suggest_threshold:
            return "none"
        top = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        if top >= self.threshold and top - runner_up >= self.margin:
            return "answer"
        return "suggest"


def _document_frequency(
    tokenised: list[tuple[str, str, list[str]]], answers: dict[str, frozenset[str]]
) -> Counter[str]:
    """In how many entries each word occurs (in any phrasing, title or answer)."""
    words_by_entry: dict[str, set[str]] = defaultdict(set)
    for entry_id, words in answers.items():
        words_by_entry[entry_id].update(words)
    for entry_id, _text, words in tokenised:
        words_by_entry[entry_id].update(words)
    return Counter(word for words in words_by_entry.values() for word in words)
