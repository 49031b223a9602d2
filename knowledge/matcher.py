"""Matching a free-text question to knowledge-base entries, or deciding it is not covered.

Every phrasing (and title) of every entry (and, with ``sentence_weight`` above 0, every
sentence of its answer) is normalised once at load (``content_tokens``: folded diacritics,
canonical synonyms, no stop or framing words, light stems). A question is normalised the same
way; each of its words that the knowledge base does not know is corrected with rapidfuzz
(typos) to the nearest known stem, or — when closer — to the stem of the nearest word form the
knowledge base uses, as typed ("izplatīšnas" is "izplatīšanas", though its stem "izplatisn" is
three edits from "izplat"). Phrasings sharing a word with the question are scored by how much
of the question's weight (IDF) they cover and how much of their own weight the question covers,
blended with rapidfuzz's token-set similarity and a match on the whole answer text
(``answer_weight``), so a question about one detail in an answer finds the entry that holds it.
An entry scores as its best phrasing; in a question of more than ``long_question`` content
words it also moves ``core_weight`` of the way up to how much of the question its *core words*
cover (words at least ``core_phrasings`` of its phrasings use), when that is more: a long
question often names what two phrasings of one entry name, while a word only one colloquial
phrasing uses is incidental. Answer sentences as phrasings (``sentence_weight``) measured no
better on the eval set and are off by default.

**The decision.** With ``best`` the top entry's score and ``second`` the runner-up's, and every
word weighed by its IDF (a word the knowledge base has never seen, even after typo correction,
at the highest weight; in a question of more than ``long_question`` content words such a word,
and a word known only after typo correction, weighs ``long_unknown`` as much — there it is
more likely framing than the topic):

1. *Not covered* when one of these holds —
   a. the share of the question's weight on words that name something the best entry is not
      about is at least ``uncovered_share``. Such words are words nothing knows
      ("kvantu", "EntreComp"), and words of a topic the e-material does not cover
      (``not_covered.yaml``: grant amounts, deadlines, forms, registration, other frameworks,
      budgets, contacts, programme rules) that the best entry's phrasings do not contain;
   b. only unknown words are missing, their share — counting a known word that the best
      entry has in its answer text only at half ("fizika" beside "kvantu") — is at least
      ``unknown_share``, and no entry scores ``unknown_sure`` or more on the rest;
   c. the words of one not-covered topic carry at least ``topic_share`` of the question and
      no entry scores ``sure`` or more.
   d. the question asks "kad …?" / "when …?" and the best entry gives no time (no phrasing
      asks "when", no year in its answer): "kad var pieteikties?" is not about who may apply.
   The topic holding most of the question's weight names the official place to look (none
   when its words are shared by another topic as heavily: then no topic is guessed).
2. *Answer* when ``best >= threshold`` and ``best - second >= margin``. A long question's
   score is spread over more words, so its threshold falls by ``long_threshold_step`` for each
   content word beyond ``long_question``, down to ``long_threshold_min``.
3. *Suggest* ("did you mean") when ``best >= suggest_threshold``.
4. Otherwise *none*.

The thresholds are calibrated on ``tests/knowledge/eval_set.yaml`` (``make eval``).

**Multi-part questions.** A question split at "?" or ";", or at "un / and" before a question
word, into parts that each carry content words is matched part by part too: when two parts
confidently find different entries, the best is answered and the other is offered
(``MatchResult.also``). A later part that points back with a pronoun ("… un kā tas palīdz?")
asks more about the same subject and is not a second question.

**Follow-ups.** ``match(question, previous_entry=...)``: a short question (at most
``followup_words`` content words) is read with the previous entry's title words added at half
weight, and the entries related to it or of its section score ``followup_boost`` times more, so
"un kā ar finansēm?" after a risk answer finds the financial risk. A follow-up continues the
previous topic: an entry about something named (a name its Latvian and English titles share,
written with capitals: "InnoSchools", "CoVE", "SG4S") that neither the question nor the previous
entry mentions is another subject, and the previous topic does not pull it in ("un kā ar
finansēm?" after partner search is not about InnoSchools' funding); and an entry holding none
of the question's own words, found by the previous topic alone, does not answer it. A follow-up with
no content words at all ("kas vēl?", "what else?") is answered with the previous entry's first
related entry.
"""

from __future__ import annotations

import functools
import gc
import itertools
import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import add, eq, ge, gt, itemgetter, mul, truediv
from typing import Literal, ParamSpec

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.language import LanguageDetector
from knowledge.loader import KnowledgeBase
from knowledge.normalize import TextCache, content_tokens, stem, tokens
from knowledge.not_covered import NotCovered, not_covered

Outcome = Literal["answer", "suggest", "not_covered", "none"]

# Where a multi-part question is split: a question mark or semicolon followed by more text, or
# a conjunction followed by a question word ("… un kur meklēt partnerus?", "… and what is
# ESCO?"), which is when a question clearly asks two things.
_QUESTION_WORD = (
    r"(?:kas|kā|ka|kur|kad|kāpēc|kapec|kāds|kāda|kādi|kādas|kads|kada|kadi|cik|vai|kurš|kurs|"
    r"kura|kuri|ko|what|how|why|where|when|who|which|is|are|can|do|does)\b"
)
_PARTS = re.compile(
    r"[?;]+\s+|\s*,?\s+(?:un|and|kā arī|ka ari|as well as|also|turklāt)\s+(?="
    + _QUESTION_WORD
    + ")",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# Pronouns by which a later part of a question points back to the first part's subject.
_BACK_REFERENCE = frozenset(
    [
        "tas",
        "ta",
        "tie",
        "tam",
        "tai",
        "tos",
        "tiem",
        "taja",
        "tajos",
        "so",
        "sis",
        "si",
        "sie",
        "sim",
        "sai",
        "saja",
        "it",
        "its",
        "they",
        "them",
    ]
)
# A sentence of an answer, indexed as a phrasing of its entry.
_SENTENCES = re.compile(r"(?<=[.!?:;])\s+|\n+")


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict on one question.

    ``topic`` names the not-covered topic (``not_covered.yaml``) when the outcome is
    ``not_covered`` and one is named; ``also`` is the entry for a second part of a multi-part
    question; ``followup`` is true when the previous entry decided the match.
    """

    question: str
    language: str
    outcome: Outcome
    candidates: tuple[Candidate, ...]
    topic: str | None = None
    also: str | None = None
    followup: bool = False

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class _Query:
    words: dict[str, float]  # known word -> similarity of the typed word to it
    weight: float  # IDF weight of every typed word, unknown ones at the highest weight
    unknown_weight: float  # the part of ``weight`` on words nothing knows


def prepare(text: str) -> str:
    """The matcher's processor: normalised, stop-word-free, stemmed tokens joined by spaces."""
    return " ".join(content_tokens(text))


_P = ParamSpec("_P")


def _uncollected(build: Callable[_P, None]) -> Callable[_P, None]:
    """``build`` with the cyclic garbage collector paused: the index is millions of new
    objects and no cycles, so collections during the build (a fifth of its time at 10,000
    entries) would find nothing to free."""

    @functools.wraps(build)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> None:
        collecting = gc.isenabled()
        gc.disable()
        try:
            build(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return paused


class Matcher:
    """Scores a question against every phrasing of every entry, prepared once at load."""

    @_uncollected
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
        sentence_weight: float = 0.0,
        query_share: float = 0.65,
        uncovered_share: float = 0.5,
        topic_share: float = 0.35,
        unknown_share: float = 0.5,
        held_by: int = 1,
        unknown_sure: float = 60.0,
        sure: float = 65.0,
        long_question: int = 4,
        long_unknown: float = 0.5,
        followup_words: int = 3,
        followup_boost: float = 1.15,
        core_weight: float = 0.3,
        core_phrasings: int = 2,
        form_correction: bool = True,
        long_threshold_step: float = 1.0,
        long_threshold_min: float = 38.0,
        shortlist: int = 150,
        common_postings: int = 5000,
        topics: NotCovered | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self.suggest_threshold = suggest_threshold
        self.margin = margin
        self.limit = limit
        self.fuzzy_weight = fuzzy_weight
        self.answer_weight = answer_weight
        self.sentence_weight = sentence_weight
        self.query_share = query_share
        self.uncovered_share = uncovered_share
        self.topic_share = topic_share
        self.unknown_share = unknown_share
        self.held_by = held_by
        self.unknown_sure = unknown_sure
        self.sure = sure
        self.long_question = long_question
        self.long_unknown = long_unknown
        self.followup_words = followup_words
        self.followup_boost = followup_boost
        self.core_weight = core_weight
        self.form_correction = form_correction
        self.long_threshold_step = long_threshold_step
        self.long_threshold_min = long_threshold_min
        self.shortlist = shortlist
        self.common_postings = common_postings
        self.topics = topics if topics is not None else not_covered()

        # Each text's folded words and content tokens, computed once, folded once for both:
        # the language detector, the word forms and the phrasings read the same texts.
        # ``content_tokens`` interns its words: one string object per word, shared by every
        # set, list and key that holds it (and so stored once in the pickled index).
        texts_read = TextCache()
        typed, words_of = texts_read.tokens, texts_read.content

        # The words of each language's texts, each distinct text read once (copies share
        # answers and titles): for the language detector and the word forms below.
        words_in: dict[str, set[str]] = {}
        for lang in ("lv", "en"):
            texts: dict[str, None] = {}
            for entry in knowledge.entries:
                texts.update(dict.fromkeys(entry.questions[lang]))
                texts[entry.title.get(lang)] = texts[entry.answer.get(lang)] = None
            found = words_in[lang] = set()
            for text in texts:
                found.update(typed(text))
        self.language = LanguageDetector.from_words(words_in["lv"], words_in["en"])

        tokenised: list[tuple[str, str, list[str], float]] = []
        for entry in knowledge.entries:
            phrasings = [
                *entry.questions["lv"],
                *entry.questions["en"],
                entry.title.lv,
                entry.title.en,
            ]
            for phrasing in phrasings:
                words = words_of(phrasing)
                if words:
                    tokenised.append((entry.id, " ".join(words), words, 1.0))
            if sentence_weight > 0:
                for answer in (entry.answer.lv, entry.answer.en):
                    for sentence in _SENTENCES.split(answer):
                        words = words_of(sentence)
                        if len(set(words)) >= 2:
                            tokenised.append((entry.id, " ".join(words), words, sentence_weight))
        # Each entry's answer words (with its titles'), one set per distinct text: copies of
        # an entry share it.
        answers: dict[str, frozenset[str]] = {}
        answer_sets: dict[tuple[str, str, str, str], frozenset[str]] = {}
        for entry in knowledge.entries:
            key = (entry.title.lv, entry.title.en, entry.answer.lv, entry.answer.en)
            held = answer_sets.get(key)
            if held is None:
                held = answer_sets[key] = frozenset(words_of(" ".join(key)))
            answers[entry.id] = held
        entries_with = _document_frequency(tokenised, answers)
        total = len(knowledge.entries) or 1
        self._idf = {w: math.log((total + 1) / (df + 0.5)) for w, df in entries_with.items()}
        self._unknown_weight = max(self._idf.values(), default=1.0)
        self._known = frozenset(self._idf)
        # Topic words the knowledge base never uses weigh as much as an unknown word.
        for topic in self.topics.topics:
            for word in topic.words:
                self._idf.setdefault(sys.intern(word), self._unknown_weight)
        self._vocabulary = sorted(self._idf)
        # Every word form the knowledge base uses, as typed (folded), with its stem: a typo is
        # made in a form ("izplatīšnas"), and its stem may be too far from the right one.
        used = words_in["lv"] | words_in["en"]
        forms: dict[str, str] = {}
        for token in used:
            if len(token) >= 4 and token.isalpha():
                stemmed = stem(token)
                if stemmed in self._idf:
                    forms[sys.intern(token)] = sys.intern(stemmed)
        self._forms = forms
        self._form_vocabulary = sorted(forms)
        # What an entry is about: the words of its phrasings and titles (not its answer, which
        # may name a topic in passing, as a list of frameworks does).
        phrasing_words: dict[str, set[str]] = defaultdict(set)
        for entry_id, _text, words, factor in tokenised:
            if factor == 1.0:
                phrasing_words[entry_id].update(words)
        self._phrasing_words = {e: frozenset(words) for e, words in phrasing_words.items()}
        # The words an entry is about: those at least ``core_phrasings`` of its phrasings use
        # (a word only one colloquial phrasing uses is incidental).
        in_phrasings: dict[str, Counter[str]] = defaultdict(Counter)
        for entry_id, _text, words, factor in tokenised:
            if factor == 1.0:
                in_phrasings[entry_id].update(set(words))
        core_words = {
            entry_id: [w for w, n in counts.items() if n >= core_phrasings]
            for entry_id, counts in in_phrasings.items()
        }
        # The entries whose core words hold a word (scoring a long question reads these rather
        # than every scored entry's core words).
        self._core_postings: dict[str, list[str]] = defaultdict(list)
        for entry_id, words in core_words.items():
            for word in words:
                self._core_postings[word].append(entry_id)
        # The phrasings as parallel columns (index -> entry, prepared text, distinct words,
        # weight, factor): compact in memory and quick to unpickle.
        self._phrasing_entry: list[str] = []
        self._phrasing_text: list[str] = []
        self._phrasing_tokens: list[tuple[str, ...]] = []
        self._phrasing_weight = array("d")
        self._phrasing_factor = array("d")
        postings_of: dict[str, list[int]] = defaultdict(list)
        idf = self._idf
        for entry_id, text, words, factor in tokenised:
            unique = tuple(frozenset(words))
            index = len(self._phrasing_text)
            self._phrasing_entry.append(entry_id)
            self._phrasing_text.append(text)
            self._phrasing_tokens.append(unique)
            self._phrasing_weight.append(sum(idf[w] for w in unique))
            self._phrasing_factor.append(factor)
            for word in unique:
                postings_of[word].append(index)
        weights = self._phrasing_weight
        # Each word's phrasings, lightest first (see _shortlist), as a compact array.
        self._postings: dict[str, array[int]] = {
            word: array("I", sorted(postings, key=weights.__getitem__))
            for word, postings in postings_of.items()
        }
        self._answer_postings: dict[str, list[str]] = defaultdict(list)
        for entry_id, answer_words in answers.items():
            for word in answer_words:
                self._answer_postings[word].append(entry_id)
        # Plain dicts: a defaultdict would grow on every lookup of a word it does not hold.
        self._answer_postings = dict(self._answer_postings)
        self._core_postings = dict(self._core_postings)
        # Entries that can answer "kad …?" / "when …?": a phrasing asks it, or the answer
        # gives a year.
        gives_year = functools.cache(lambda lv, en: bool(_YEAR.search(f"{lv} {en}")))
        self._gives_time = frozenset(
            entry.id
            for entry in knowledge.entries
            if gives_year(entry.answer.lv, entry.answer.en)
            or any(
                typed(q)[:1] in (["kad"], ["when"])
                for lang in ("lv", "en")
                for q in entry.questions[lang]
            )
        )
        names = functools.cache(_title_names)  # copies share their titles
        self._names = {
            entry.id: names(entry.title.lv, entry.title.en) for entry in knowledge.entries
        }

    @property
    def choices(self) -> list[str]:
        """Every prepared phrasing (what a bare rapidfuzz search would run over)."""
        return list(self._phrasing_text)

    @property
    def known_words(self) -> frozenset[str]:
        """Every normalised word of the knowledge base."""
        return self._known

    def correct(self, word: str) -> tuple[str, float]:
        """The known word closest to ``word`` and the similarity (1.0 when known, 0 when none)."""
        if word in self._idf:
            return word, 1.0
        if len(word) < 4 or word.isdigit():
            return word, 0.0
        # One edit (a transposition counts as one) for short words, two for long ones.
        allowed = 1 if len(word) < 8 else 2
        hits = _within(word, self._vocabulary, allowed)
        if len(word) < 5:  # a short word keeps its first letter ("york" is not "work")
            hits = [hit for hit in hits if hit[0][0] == word[0]]
        if not hits:
            return word, 0.0
        # Among the nearest, a word of the same length (a swapped or mistyped letter: "rsiki" is
        # "riski", not "rīki"), then the word more entries use.
        known, distance, _ = min(
            hits, key=lambda hit: (hit[1], abs(len(hit[0]) - len(word)), self._idf[hit[0]])
        )
        return known, 1.0 - 0.5 * distance / len(word)

    def _correct_form(self, form: str) -> tuple[str, float]:
        """The stem of the knowledge base's word form closest to ``form`` as typed, and the
        similarity (0 when none is within one edit, two for a long word)."""
        if len(form) < 5 or not form.isalpha():
            return form, 0.0
        allowed = 1 if len(form) < 9 else 2
        hits = _within(form, self._form_vocabulary, allowed)
        if not hits:
            return form, 0.0
        found, distance, _ = min(
            hits,
            key=lambda hit: (hit[1], abs(len(hit[0]) - len(form)), self._idf[self._forms[hit[0]]]),
        )
        return self._forms[found], 1.0 - 0.5 * distance / len(form)

    def match(
        self, question: str, *, previous_entry: str | None = None, language: str | None = None
    ) -> MatchResult:
        """The verdict on ``question``; ``previous_entry`` is the entry answered just before
        (for a short follow-up such as "un kā ar finansēm?"), or None. ``language`` is the
        question's language when the caller has detected it already (detected here if not)."""
        if language is None:
            language = self.language.detect(question)
        words = content_tokens(question)
        previous = self.knowledge.get(previous_entry) if previous_entry else None
        if previous is not None and len(set(words)) <= self.followup_words:
            followup = self._followup(question, language, words, previous.id)
            if followup is not None:
                return followup
        if not any(ch.isalpha() for word in words for ch in word):  # only numbers or symbols
            return MatchResult(question, language, "none", ())
        query = self._query(question, words)
        opening = (tokens(question) or [""])[0]
        result = self._verdict(question, language, query, opening=opening)
        if result.outcome == "answer" and len(words) >= 2:
            return self._multi_part(question, result)
        return result

    # ---- steps -------------------------------------------------------------------------
    def _query(self, question: str, words: list[str]) -> _Query:
        found: dict[str, float] = {}
        weight = unknown = 0.0
        # A stem too short to correct ("cvoe" -> "cvo") is corrected from the word as typed.
        typed = {stem(token): token for token in tokens(question)}
        unique = dict.fromkeys(words)
        # In a long question an unknown word is more likely framing ("saslimst", "laukos") than
        # the topic: it weighs less.
        long = len(unique) > self.long_question
        unknown_weight = self._unknown_weight * (self.long_unknown if long else 1.0)
        for word in unique:
            known, similarity = self.correct(word)
            if similarity < 1 and self.form_correction and word in typed:
                form, form_similarity = self._correct_form(typed[word])
                if form_similarity > similarity:
                    known, similarity = form, form_similarity
            if similarity == 0 and word in typed and typed[word] != word:
                known, similarity = self.correct(typed[word])
            if similarity > 0:
                # So is a word known only after typo correction ("baidos" read as "paid").
                share = self.long_unknown if long and similarity < 1 else 1.0
                found[known] = max(found.get(known, 0.0), similarity * share)
                weight += self._idf[known] * share
            else:
                weight += unknown_weight
                unknown += unknown_weight
        return _Query(found, weight, unknown)

    def _verdict(
        self,
        question: str,
        language: str,
        query: _Query,
        *,
        followup: bool = False,
        exclude: frozenset[str] = frozenset(),
        boost: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
        opening: str = "",
    ) -> MatchResult:
        ranked = self._ranked(query.words, query.weight, exclude=exclude, only=only, boost=boost)
        candidates = tuple(Candidate(entry_id, round(score, 1)) for entry_id, score in ranked)
        outcome: Outcome = self._outcome(candidates, len(query.words))
        topic = None
        if not followup:
            share, topic = self._uncovered(query, candidates, opening)
            if share >= self.uncovered_share:
                outcome = "not_covered"
            elif (
                opening in ("kad", "when")
                and candidates
                and candidates[0].entry_id not in self._gives_time
            ):
                # "kad …?" / "when …?" asks for a time the closest entries do not give.
                outcome = "not_covered"
            else:
                topic = None
        return MatchResult(question, language, outcome, candidates, topic, followup=followup)

    def _uncovered(
        self, query: _Query, candidates: tuple[Candidate, ...], opening: str = ""
    ) -> tuple[float, str | None]:
        """The share of the question's weight that names what the best entry is not about, and
        the not-covered topic holding most of the question's weight.

        Uncovered: words nothing knows, and words of a not-covered topic that the best entry's
        phrasings do not contain. A question mostly about such a topic (``topic_share`` of its
        weight) counts as wholly uncovered unless an entry matches it at ``sure`` or more."""
        best_score = candidates[0].score if candidates else 0.0
        if not query.weight:
            return 1.0, None
        held: set[str] = set()
        for candidate in candidates[: self.held_by]:  # a topic word the closest entries are about
            held |= self._phrasing_words.get(candidate.entry_id, frozenset())
        missing = sum(self._idf[w] * s for w, s in query.words.items() if w not in self._known)
        by_topic: dict[str, float] = {}
        uncovered_by_topic: dict[str, float] = {}
        # Which topic the question names: a word several topics share ("pieteikties":
        # deadlines, forms, registration) counts for each of them only in part, so a word of
        # one topic ("akreditēta") decides; when only shared words are asked, no topic is
        # named and the reply says only that the e-material does not cover it.
        sharing = Counter(
            w for topic in self.topics.topics for w in topic.words if w in query.words
        )
        named: dict[str, tuple[bool, float]] = {}  # (its question word opens the question, weight)
        for topic in self.topics.topics:
            words = [(w, s) for w, s in query.words.items() if w in topic.words]
            if words:
                by_topic[topic.id] = sum(self._idf[w] * s for w, s in words)
                named[topic.id] = (
                    opening in topic.asks,
                    sum(self._idf[w] * s / sharing[w] for w, s in words),
                )
                uncovered_by_topic[topic.id] = sum(
                    self._idf[w] * s for w, s in words if w not in held
                )
        topic_id = max(named, key=lambda t: named[t]) if named else None
        tied = topic_id is not None and any(
            t != topic_id
            and named[t][0] == named[topic_id][0]
            and math.isclose(named[t][1], named[topic_id][1])
            for t in named
        )
        named_topic = None if tied else topic_id
        topic_weight = max(uncovered_by_topic.values(), default=0.0)
        if not topic_weight and not missing:
            # Only unknown words: a stricter share, in which a known word the best entry has in
            # its answer text only ("fizika" beside "kvantu") counts half as unknown.
            best: frozenset[str] = frozenset()
            if candidates:
                best = self._phrasing_words.get(candidates[0].entry_id, frozenset())
            passing = sum(self._idf[w] * s for w, s in query.words.items() if w not in best)
            unknown = (query.unknown_weight + 0.5 * passing) / query.weight
            if best_score >= self.unknown_sure:  # an entry matches the rest firmly
                return 0.0, named_topic
            return unknown * self.uncovered_share / self.unknown_share, named_topic
        uncovered = query.unknown_weight + max(missing, topic_weight)
        share = uncovered / query.weight
        if by_topic and max(by_topic.values()) / query.weight >= self.topic_share:
            share = max(share, 1.0 if best_score < self.sure else 0.0)
        return share, named_topic

    def _followup(
        self, question: str, language: str, words: list[str], previous: str
    ) -> MatchResult | None:
        entry = self.knowledge.get(previous)
        if entry is None:
            return None
        if not words:  # "kas vēl?", "what else?": the next related topic
            if not tokens(question) or not entry.related:
                return None
            return MatchResult(
                question, language, "answer", (Candidate(entry.related[0], 100.0),), followup=True
            )
        alone = self._query(question, words)
        standalone = self._verdict(question, language, alone)
        context = dict(alone.words)
        context_weight = alone.weight
        for word in content_tokens(f"{entry.title.lv} {entry.title.en}"):
            if word in self._known and word not in context:
                context[word] = 0.5
                context_weight += 0.5 * self._idf[word]
        # Entries about something named that neither the question nor the previous entry
        # mentions are another subject: the previous topic does not pull them in.
        mentioned = set(tokens(question))
        for text in (entry.title.lv, entry.title.en, entry.answer.lv, entry.answer.en):
            mentioned.update(tokens(text))
        elsewhere = {
            entry_id for entry_id, names in self._names.items() if names and not names & mentioned
        }
        # The follow-up names a new aspect: an entry holding none of its own words (in its
        # phrasings or answer) is found by the previous topic alone and cannot answer it.
        holders = frozenset(
            e for e, about in self._phrasing_words.items() if about & alone.words.keys()
        )
        with_context = self._verdict(
            question,
            language,
            _Query(context, context_weight, alone.unknown_weight),
            followup=True,
            exclude=frozenset({entry.id, *elsewhere}),
            boost=self._family(entry.id),
            only=holders,
        )
        if standalone.outcome == "not_covered":
            return standalone
        if with_context.outcome == "answer":
            return with_context
        return standalone

    def _family(self, entry_id: str) -> frozenset[str]:
        """The entries a follow-up most likely continues to: the related ones and those of the
        same section."""
        entry = self.knowledge.get(entry_id)
        if entry is None:
            return frozenset()
        same = {e.id for e in self.knowledge.entries if e.section == entry.section}
        return frozenset(same | set(entry.related))

    def _multi_part(self, question: str, result: MatchResult) -> MatchResult:
        parts = [p for p in _PARTS.split(question) if content_tokens(p)]
        # A later part that points back ("… un kā tas palīdz?", "… and how do I use it?")
        # asks more about the same thing: it is not a second question.
        parts = parts[:1] + [p for p in parts[1:] if not _BACK_REFERENCE & set(tokens(p))]
        if len(parts) < 2 or result.best is None:
            return result
        found: list[Candidate] = []
        for part in parts:
            words = content_tokens(part)
            verdict = self._verdict(part, result.language, self._query(part, words))
            best = verdict.best
            if (
                verdict.outcome == "answer"
                and best
                and best.entry_id not in {c.entry_id for c in found}
            ):
                found.append(best)
        if len(found) < 2:
            return result
        ids = [c.entry_id for c in found]
        first = result.best.entry_id if result.best.entry_id in ids else ids[0]
        also = next(i for i in ids if i != first)
        candidates = (
            Candidate(first, result.best.score),
            *(c for c in result.candidates if c.entry_id != first),
        )
        return MatchResult(
            result.question, result.language, result.outcome, candidates[: self.limit], also=also
        )

    def _score(self, query: dict[str, float], query_weight: float) -> dict[str, float]:
        """Every entry's score: each entry a phrasing or its answer text shares a word with."""
        weighted, best = self._phrasings_found(query, query_weight)
        return self._entry_scores(query, query_weight, weighted, best)

    def _ranked(
        self,
        query: dict[str, float],
        query_weight: float,
        *,
        exclude: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
        boost: frozenset[str] = frozenset(),
    ) -> list[tuple[str, float]]:
        """The ``limit`` best entries and their scores, exactly as ``_largest`` ranks
        ``_score``'s after leaving out ``exclude``, keeping ``only`` and multiplying ``boost``'s
        by ``followup_boost`` — scoring in full only the entries that may be among them.

        An entry's score is at least ``(1 - answer_weight)`` of its best phrasing's, so the
        entries whose phrasings were scored give a floor the ``limit``-th best reaches. An
        entry no phrasing found scores at most ``max(w, (1 - core) w + core)`` × 100 × (the
        weight of the question's words its answer text and core words hold) / the question's
        weight (``w`` the answer weight, ``core`` the core weight, both within 0..1), times
        the boost: the lightest words, together below the floor, cannot lift an entry that
        holds no other word among the best (``_unbeaten``). The entries holding a heavier word
        are scored in full, to the same floats; ties among the best are ranked in the order
        ``_score`` lists the entries in (rebuilt only when a tie is there to rank)."""
        weighted, best = self._phrasings_found(query, query_weight)
        heavy = self._unbeaten(query, query_weight, weighted, best, exclude, only, boost)
        if heavy is None:  # no word light enough to leave out: every entry is scored
            scores = self._entry_scores(query, query_weight, weighted, best)
            return _largest(self.limit, _chosen(scores, exclude, only, boost, self.followup_boost))
        within = set(best)
        for word in heavy:
            within.update(self._answer_postings.get(word, ()))
            if len(query) > self.long_question:
                within.update(self._core_postings.get(word, ()))
        scores = _chosen(
            self._entry_scores(query, query_weight, weighted, best, (within, heavy)),
            exclude,
            only,
            boost,
            self.followup_boost,
        )
        values = sorted(scores.values(), reverse=True)[: self.limit + 1]
        if any(map(eq, values, values[1:])):  # a tie among the best: rank it in _score's order
            listed = best.keys() | itertools.chain.from_iterable(
                self._answer_postings.get(word, ()) for word, _ in weighted
            )
            kept = list(filter(scores.__contains__, listed))
            scores = dict(zip(kept, map(scores.__getitem__, kept), strict=True))
        return _largest(self.limit, scores)

    def _unbeaten(
        self,
        query: dict[str, float],
        query_weight: float,
        weighted: list[tuple[str, float]],
        best: dict[str, float],
        exclude: frozenset[str],
        only: frozenset[str] | None,
        boost: frozenset[str],
    ) -> frozenset[str] | None:
        """The question's words an entry must hold (in its answer text or core words) to
        possibly rank among the ``limit`` best, or None when every entry may (see
        ``_ranked``)."""
        w = self.answer_weight
        core = self.core_weight if len(query) > self.long_question else 0.0
        factor = self.followup_boost
        if not (0.0 <= w <= 1.0 and 0.0 <= core <= 1.0 and factor > 0.0 and query_weight > 0):
            return None
        floors = sorted(
            (
                (1 - w) * score * (factor if entry_id in boost else 1.0)
                for entry_id, score in best.items()
                if entry_id not in exclude and (only is None or entry_id in only)
            ),
            reverse=True,
        )
        if len(floors) < self.limit:
            return None
        floor = floors[self.limit - 1]
        # A score per unit of weight held (a margin for rounding: the bound is never reached).
        per_weight = _most(w, core, factor if boost else 1.0) / query_weight * (1 + 1e-9)
        light = 0.0
        heavy = dict(weighted)
        for word, weight in sorted(weighted, key=itemgetter(1)):
            if (light + weight) * per_weight >= floor:
                break
            light += weight
            del heavy[word]
        if len(heavy) == len(weighted):
            return None
        return frozenset(heavy)

    def _phrasings_found(
        self, query: dict[str, float], query_weight: float
    ) -> tuple[list[tuple[str, float]], dict[str, float]]:
        """The question's words, rarest first, with their weights (IDF × similarity), and each
        entry's best score among the shortlisted phrasings (only entries scoring above 0)."""
        covered: dict[int, float] = {}
        # Rarest words first. A very common word (in more than ``common_postings`` phrasings,
        # only in large knowledge bases) adds to the phrasings rarer words already found rather
        # than walking its whole postings list: what only shares common words cannot win.
        phrasing_tokens = self._phrasing_tokens
        ordered = sorted(query.items(), key=lambda item: self._df_phrasings(item[0]))
        weighted = [(word, self._idf[word] * similarity) for word, similarity in ordered]
        for word, weight in weighted:
            postings = self._postings.get(word, ())
            if not covered:
                covered = dict.fromkeys(postings, weight)
            elif len(postings) > self.common_postings:
                # Those of the phrasings found so far that hold it (each gains it once: the
                # order they gain it in changes no sum).
                for index in covered.keys() & postings:
                    covered[index] += weight
            else:  # covered[index] = covered.get(index, 0.0) + weight, at C speed
                covered.update(
                    zip(
                        postings,
                        map(add, map(covered.get, postings, _ZEROS), _repeat(weight)),
                        strict=True,
                    )
                )
        query_text = " ".join(query)
        best: dict[str, float] = {}
        shortlist = self._shortlist(covered)
        # In a long question much is framing: how much of a phrasing it contains counts more
        # than how much of the question the phrasing covers.
        extra = max(0, len(query) - self.long_question)
        share = max(0.35, self.query_share - 0.06 * extra)
        texts, weights, factors = self._phrasing_text, self._phrasing_weight, self._phrasing_factor
        entries = self._phrasing_entry
        idf = [(word, self._idf[word]) for word, _ in ordered]
        for index, matched in shortlist:
            # The phrasing's own weight found, summed in the order the words were read (only
            # the shortlisted phrasings need it).
            tokens_here = phrasing_tokens[index]
            owned = 0.0
            for word, weight in idf:
                if word in tokens_here:
                    owned += weight
            coverage = share * matched / query_weight + (1 - share) * owned / weights[index]
            fuzzy = fuzz.token_set_ratio(query_text, texts[index]) / 100.0
            score = (
                factors[index]
                * 100.0
                * ((1 - self.fuzzy_weight) * coverage + self.fuzzy_weight * fuzzy)
            )
            entry_id = entries[index]
            if score > best.get(entry_id, 0.0):
                best[entry_id] = score
        return weighted, best

    def _entry_scores(
        self,
        query: dict[str, float],
        query_weight: float,
        weighted: list[tuple[str, float]],
        best: dict[str, float],
        within: tuple[set[str], frozenset[str]] | None = None,
    ) -> dict[str, float]:
        """The scores of the entries ``best`` or an answer text holding a question word names;
        with ``within`` (the entries to score, and the words all of whose holders are among
        them), only of those."""
        in_answer: dict[str, float] = {}
        for word, weight in weighted:  # each entry sums its words in the order read
            holders: Sequence[str] = self._answer_postings.get(word, ())
            if within is not None and word not in within[1]:
                holders = list(within[0].intersection(holders))
            if not in_answer:  # 0.0 + weight is weight
                in_answer = dict.fromkeys(holders, weight)
            else:
                in_answer.update(
                    zip(
                        holders,
                        map(add, map(in_answer.get, holders, _ZEROS), _repeat(weight)),
                        strict=True,
                    )
                )
        w = self.answer_weight
        core = self.core_weight if len(query) > self.long_question else 0.0
        # A long question may name what several phrasings of one entry name: the entry moves
        # ``core_weight`` of the way up to how much of the question its core words cover, when
        # that is more than it has. The terms are gathered per entry in the question's word
        # order and summed as before; an entry whose core words hold none of them gains nothing.
        core_terms: dict[str, list[float]] = defaultdict(list)
        if core:
            for q, s in query.items():
                term = self._idf[q] * s
                holding: Iterable[str] = self._core_postings.get(q, ())
                if within is not None and q not in within[1]:
                    holding = within[0].intersection(holding)
                for entry_id in holding:
                    core_terms[entry_id].append(term)
        # Every entry's score is ``(1 - w) * best + w * 100 * in_answer / query_weight``, moved
        # up by its core words; the entries in the order of the set of both (ties are ranked
        # in it). An entry without a phrasing scored has ``(1 - w) * 0.0 + x``, that is ``x``;
        # one whose core words hold no term has ``core * max(0.0, 0.0 - score) == 0.0`` added:
        # only the others are computed one by one, the rest at C speed, to the same floats.
        scores = dict.fromkeys(best.keys() | in_answer.keys(), 0.0)
        share_of = w * 100.0
        scores.update(
            zip(
                in_answer.keys(),
                map(
                    truediv,
                    map(mul, _repeat(share_of), in_answer.values()),
                    _repeat(query_weight),
                ),
                strict=True,
            )
        )
        answer_of = in_answer.get
        for entry_id, phrasing_score in best.items():
            scores[entry_id] = (1 - w) * phrasing_score + share_of * answer_of(
                entry_id, 0.0
            ) / query_weight
        if core:
            for entry_id, terms in core_terms.items():
                current = scores.get(entry_id)
                if current is not None:
                    held = sum(terms)
                    scores[entry_id] = current + core * max(
                        0.0, 100.0 * held / query_weight - current
                    )
        return scores

    def _df_phrasings(self, word: str) -> int:
        return len(self._postings.get(word, ()))

    def _shortlist(self, covered: dict[int, float]) -> list[tuple[int, float]]:
        """The phrasings covering most of the question, to be scored in full. Ties at the cut
        are taken in the order they were first covered — by the rarest word, whose postings
        are sorted lightest first — so phrasings with least else in them win the tie, not
        whichever loaded first."""
        if len(covered) <= self.shortlist:
            return list(covered.items())
        # (heapq.nlargest(shortlist, values)[-1], and the items above it and at it in order,
        # all at C speed)
        cut = sorted(covered.values(), reverse=True)[self.shortlist - 1]
        values = covered.values()
        chosen = list(itertools.compress(covered.items(), map(gt, values, _repeat(cut))))
        room = self.shortlist - len(chosen)
        ties = itertools.compress(covered.items(), map(eq, values, _repeat(cut)))
        chosen.extend(itertools.islice(ties, room))
        return chosen

    def _outcome(self, candidates: tuple[Candidate, ...], words: int = 0) -> Outcome:
        if not candidates or candidates[0].score < self.suggest_threshold:
            return "none"
        top = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        extra = max(0, words - self.long_question)
        threshold = max(self.threshold - self.long_threshold_step * extra, self.long_threshold_min)
        if top >= threshold and top - runner_up >= self.margin:
            return "answer"
        return "suggest"


_TITLE_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _title_names(lv: str, en: str) -> frozenset[str]:
    """What an entry's titles name: words written the same in the Latvian and the English title
    with a capital that is not just a title's first letter ("InnoSchools", "CoVE", "SG4S",
    "Literacies"), folded like ``tokens``."""

    def capitals(title: str) -> set[str]:
        words = _TITLE_WORD.findall(title)
        return {
            w
            for i, w in enumerate(words)
            if any(ch.isupper() for ch in w[1:]) or (i > 0 and w[0].isupper())
        }

    return frozenset(t for w in capitals(lv) & capitals(en) for t in tokens(w))


def _document_frequency(
    tokenised: list[tuple[str, str, list[str], float]], answers: dict[str, frozenset[str]]
) -> Counter[str]:
    """In how many entries each word occurs (in any phrasing, title or answer): each distinct
    answer set counted once with the number of entries holding it, then each entry's words
    its answer set does not hold."""
    distinct: dict[int, frozenset[str]] = {}
    times: Counter[int] = Counter()
    for answer_words in answers.values():
        distinct[id(answer_words)] = answer_words
        times[id(answer_words)] += 1
    counts: Counter[str] = Counter()
    for key, answer_words in distinct.items():
        counts.update(dict.fromkeys(answer_words, times[key]))
    in_phrasings: dict[str, set[str]] = defaultdict(set)
    for entry_id, _text, words, _factor in tokenised:
        in_phrasings[entry_id].update(words)
    for entry_id, found in in_phrasings.items():
        counts.update(found - answers.get(entry_id, frozenset()))
    return counts


_ZEROS = itertools.repeat(0.0)


def _repeat(value: float) -> itertools.repeat[float]:
    return itertools.repeat(value)


def _most(answer_weight: float, core: float, boost: float) -> float:
    """The most an entry no phrasing found can score per unit of the question's weight its
    answer text holds, when its core words hold no more: ``a = answer_weight * 100 * held /
    question weight`` moved ``core`` of the way up to ``100 * held / question weight`` (when
    that is more), boosted (``_ranked``)."""
    return max(answer_weight, (1 - core) * answer_weight + core) * 100.0 * max(boost, 1.0)


def _chosen(
    scores: dict[str, float],
    exclude: frozenset[str],
    only: frozenset[str] | None,
    boost: frozenset[str],
    factor: float,
) -> dict[str, float]:
    """``scores`` without ``exclude``, only of ``only`` (None: all), ``boost``'s multiplied by
    ``factor``; in their order."""
    for entry_id in exclude:
        scores.pop(entry_id, None)
    if only is not None:
        scores = {e: score for e, score in scores.items() if e in only}
    for entry_id in boost:
        if entry_id in scores:
            scores[entry_id] *= factor
    return scores


def _largest(limit: int, scores: dict[str, float]) -> list[tuple[str, float]]:
    """``heapq.nlargest(limit, scores.items(), key=itemgetter(1))`` (the ``limit`` highest,
    ties in the dictionary's order), its scans at C speed."""
    if len(scores) <= limit:
        return sorted(scores.items(), key=itemgetter(1), reverse=True)
    cut = sorted(scores.values(), reverse=True)[limit - 1]
    at_least = itertools.compress(scores.items(), map(ge, scores.values(), _repeat(cut)))
    return sorted(at_least, key=itemgetter(1), reverse=True)[:limit]


def _within(word: str, vocabulary: list[str], edits: int) -> list[tuple[str, int, int]]:
    """Up to 8 words of ``vocabulary`` at most ``edits`` edits from ``word`` (a transposition
    counts as one)."""
    return process.extract(
        word, vocabulary, scorer=OSA.distance, processor=None, score_cutoff=edits, limit=8
    )
