"""The stable ``ask`` contract: one question in, one JSON-ready answer record out.

The same verdict drives the dialogue (``bot/dialogue/qa.py``): small talk first, then the
matcher; ``kind`` says which reply the user gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.matcher import Matcher, MatchResult
from knowledge.small_talk import NONSENSE, SmallTalk, looks_like_nonsense, small_talk
from knowledge.texts import Localized

Kind = Literal["answer", "did_you_mean", "small_talk", "not_covered", "unknown"]

# A message typed in the middle of a tool is read as a question only when it looks like one:
# a question mark, or a question word first (Latvian folded or English).
_QUESTION_START = re.compile(
    r"^\s*(?:kas|ka|kur|kad|kapec|kads|kada|kadi|kadas|kadu|kuri|kura|kurs|kuras|kuru|cik|vai|"
    r"ko|kam|kapēc|kā|kāds|kāda|kādi|kādas|kādu|kurš|what|how|why|where|when|who|which|is|are|"
    r"can|could|do|does|should|tell|explain|paskaidro\w*|pastāsti\w*|pastasti\w*)\b",
    re.IGNORECASE,
)


MAX_WORDS = 80  # the longest question in the eval set has 23 words


def bounded(text: str) -> str:
    """``text`` cut after ``MAX_WORDS`` words (unchanged when shorter)."""
    words = text.split(maxsplit=MAX_WORDS)
    return text if len(words) <= MAX_WORDS else " ".join(words[:MAX_WORDS])


@dataclass(frozen=True)
class Verdict:
    """What to reply to one message: the kind, and the entry, intent or topic behind it."""

    kind: Kind
    language: str
    match: MatchResult | None = None
    entry_id: str | None = None
    intent: str | None = None  # small talk: the intent's name (or "nonsense")
    small_talk_answer: Localized | None = None
    menu: bool = False  # small talk: show the tools after the answer
    suggestions: tuple[str, ...] = field(default=())


@dataclass
class Answerer:
    """Answers questions without a database or transport (``python -m bot ask``, eval, bench)."""

    knowledge: KnowledgeBase
    matcher: Matcher
    conversation: SmallTalk = field(default_factory=small_talk)

    def __post_init__(self) -> None:
        # Every word a message may use without being nonsense (built once: it is large).
        self._known = self.matcher.known_words | self.conversation.vocabulary

    @classmethod
    def load(cls, flow_ids: Iterable[str]) -> Answerer:
        knowledge = load_knowledge(flow_ids)
        return cls(knowledge, Matcher(knowledge))

    def verdict(
        self, question: str, *, previous_entry: str | None = None, default_language: str = "lv"
    ) -> Verdict:
        """Small talk, an answer, suggestions, not covered or unknown for ``question``.

        The language is detected once, here (``default_language`` when nothing tells Latvian
        and English apart: the user's language in the dialogue), and passed to the matcher;
        ``Verdict.language`` is the language to answer in unless the user fixed one.

        Only the first ``MAX_WORDS`` words are read: a question is never longer, and a pasted
        page costs the matcher no more than a long question (other users are not slowed)."""
        question = bounded(question)
        language = self.matcher.language.detect(question, default=default_language)
        intent = self.conversation.classify(question)
        if intent is not None:
            return Verdict(
                "small_talk",
                language,
                intent=intent.name,
                small_talk_answer=intent.answer,
                menu=intent.menu,
            )
        if looks_like_nonsense(question, self._known):
            return Verdict(
                "small_talk",
                language,
                intent=NONSENSE,
                small_talk_answer=self.conversation.nonsense,
                menu=True,
            )
        result = self.matcher.match(question, previous_entry=previous_entry, language=language)
        closest = tuple(c.entry_id for c in result.candidates)
        best = result.best
        if result.outcome == "answer" and best is not None:
            return Verdict("answer", result.language, result, entry_id=best.entry_id)
        if result.outcome == "suggest":
            return Verdict("did_you_mean", result.language, result, suggestions=closest)
        if result.outcome == "not_covered":
            return Verdict("not_covered", result.language, result, suggestions=closest)
        return Verdict("unknown", result.language, result)

    def try_answer(self, text: str, *, default_language: str = "lv") -> Verdict | None:
        """The verdict on ``text`` typed in the middle of a tool, when it is a question the
        knowledge base answers confidently; None when it is more likely an answer to the step
        (no question form, small talk, or no confident in-scope match)."""
        stripped = text.strip()
        if "?" not in stripped and not _QUESTION_START.match(stripped):
            return None
        verdict = self.verdict(stripped, default_language=default_language)
        return verdict if verdict.kind == "answer" else None

    def ask(self, question: str, *, previous_entry: str | None = None) -> dict[str, Any]:
        """``question, language, entry_id, score, answer, suggestions, links, kind`` (and
        ``also``, ``intent``, ``topic``) for one question."""
        verdict = self.verdict(question, previous_entry=previous_entry)
        lang = verdict.language
        result = verdict.match
        best = result.best if result else None
        entry = self.knowledge.get(verdict.entry_id) if verdict.entry_id else None
        answer: str | None = entry.answer.get(lang) if entry else None
        links = (
            [{"name": link.label(lang), "url": link.url} for link in entry.links] if entry else []
        )
        topic = None
        if verdict.kind == "small_talk" and verdict.small_talk_answer is not None:
            answer = verdict.small_talk_answer.get(lang)
        elif verdict.kind == "not_covered" and result is not None:
            topic = self.matcher.topics.get(result.topic) if result.topic else None
            answer = topic.answer.get(lang) if topic else self.matcher.topics.general.get(lang)
            links = (
                [{"name": link.label(lang), "url": link.url} for link in topic.links]
                if topic
                else []
            )
        suggestions = []
        for entry_id in verdict.suggestions:
            suggested = self.knowledge.get(entry_id)
            if suggested:
                suggestions.append({"entry_id": suggested.id, "title": suggested.title.get(lang)})
        return {
            "question": question,
            "language": lang,
            "entry_id": entry.id if entry else None,
            "score": best.score if best else 0.0,
            "answer": answer,
            "suggestions": suggestions,
            "links": links,
            "kind": verdict.kind,
            "also": result.also if result and entry else None,
            "intent": verdict.intent,
            "topic": topic.id if topic else None,
        }
