"""The stable ``ask`` contract: one question in, one JSON-ready answer record out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.matcher import Matcher


@dataclass
class Answerer:
    """Answers questions without a database or transport (``python -m bot ask``, eval, bench)."""

    knowledge: KnowledgeBase
    matcher: Matcher

    @classmethod
    def load(cls, flow_ids: Iterable[str]) -> Answerer:
        knowledge = load_knowledge(flow_ids)
        return cls(knowledge, Matcher(knowledge))

    def ask(self, question: str) -> dict[str, Any]:
        """``question, language, entry_id, score, answer, suggestions`` for one question."""
        result = self.matcher.match(question)
        lang = result.language
        best = result.best
        confident = result.outcome == "answer" and best is not None
        entry = self.knowledge.get(best.entry_id) if confident and best else None
        suggestions = []
        if result.outcome == "suggest":
            for candidate in result.candidates:
                suggested = self.knowledge.get(candidate.entry_id)
                if suggested:
                    suggestions.append(
                        {"entry_id": suggested.id, "title": suggested.title.get(lang)}
                    )
        return {
            "question": question,
            "language": lang,
            "entry_id": entry.id if entry else None,
            "score": best.score if best else 0.0,
            "answer": entry.answer.get(lang) if entry else None,
            "suggestions": suggestions,
        }
