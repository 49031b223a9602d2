"""Free-text Q&A in the dialogue: matcher verdicts become answers, suggestions or an honest no.

Every question is logged with the verdict; 👍/👎 and "none of these" feed the editors' review.
"""

from __future__ import annotations

from bot.dialogue import callbacks
from bot.dialogue.callbacks import Callback
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.registry import FlowRegistry
from knowledge.loader import KnowledgeBase
from knowledge.matcher import Matcher, MatchResult
from knowledge.schema import Entry
from knowledge.texts import Catalogue
from storage.repositories import QuestionLogRepository

# Entries offered as topics when a question is not understood (skipped when missing).
TOPIC_ENTRIES = (
    "ka2-partnerships",
    "partner-search",
    "risk-management",
    "cove-what",
    "digcomp-what",
    "after-project",
)


class QuestionAnswering:
    """Answers free text from the knowledge base and handles the Q&A buttons."""

    def __init__(
        self, knowledge: KnowledgeBase, matcher: Matcher, texts: Catalogue, flows: FlowRegistry
    ) -> None:
        self.knowledge = knowledge
        self.matcher = matcher
        self.texts = texts
        self.flows = flows

    def answer(self, turn: Turn, question: str) -> MatchResult:
        result = self.matcher.match(question)
        lang = self.answer_language(turn, question)
        best = result.best
        answered = (
            self.knowledge.get(best.entry_id) if best and result.outcome == "answer" else None
        )
        log = QuestionLogRepository(turn.session).add(
            user_id=turn.user.id,
            question=question,
            language=result.language,
            outcome=result.outcome,
            entry_id=answered.id if answered else None,
            score=best.score if best else 0.0,
        )
        if answered is not None:
            turn.say(self.entry_reply(answered, lang, feedback_for=log.id))
        elif result.outcome == "suggest":
            turn.say(self._did_you_mean(result, lang, log.id))
        elif not any(ch.isalnum() for ch in question):
            turn.say(Reply(self.texts.text("qa.not_understood", lang)))
        else:
            turn.say(self._topics(self.texts.text("qa.unknown", lang), lang))
        return result

    def answer_language(self, turn: Turn, question: str) -> str:
        """The user's language when fixed, otherwise the language the question is written in."""
        if turn.user.language_fixed and turn.user.language:
            return turn.user.language
        return self.matcher.language.detect(question, default=turn.lang)

    def button(self, turn: Turn, callback: Callback) -> None:
        lang = turn.lang
        kind, args = callback.kind, callback.args
        if kind in ("kb", "more"):
            entry = self.knowledge.get(args[0])
            if entry is None:
                self._invalid(turn)
            elif kind == "kb":
                turn.say(self.entry_reply(entry, lang))
            elif entry.more is not None:
                turn.say(Reply(entry.more.get(lang)))
            else:
                self._invalid(turn)
        elif kind == "none" and args[0].isdigit():
            QuestionLogRepository(turn.session).mark_unanswered(int(args[0]), turn.user.id)
            turn.say(self._topics(self.texts.text("qa.none_of_these_reply", lang), lang))
        elif kind == "fb" and args[0].isdigit() and args[1] in ("u", "d"):
            vote = 1 if args[1] == "u" else -1
            if QuestionLogRepository(turn.session).set_feedback(int(args[0]), turn.user.id, vote):
                key = "qa.thanks_up" if vote > 0 else "qa.thanks_down"
                turn.say(Reply(self.texts.text(key, lang), notice=True))
            else:
                self._invalid(turn)
        else:
            self._invalid(turn)

    def _invalid(self, turn: Turn) -> None:
        turn.say(Reply(self.texts.text("input.invalid_button", turn.lang), notice=True))

    # ---- replies -----------------------------------------------------------------------
    def entry_reply(self, entry: Entry, lang: str, feedback_for: int | None = None) -> Reply:
        t = self.texts.text
        parts = [entry.answer.get(lang)]
        if entry.links:
            lines = "\n".join(f"• {link.name}: {link.url}" for link in entry.links)
            parts.append(f"{t('qa.links', lang)}\n{lines}")
        footer = t("qa.source", lang, section=entry.section)
        if entry.source:
            footer += "\n" + t("qa.source_other", lang, source=entry.source)
        parts.append(footer)
        rows: list[tuple[Button, ...]] = []
        if entry.more is not None:
            rows.append((Button(t("qa.more", lang), callbacks.encode("more", entry.id)),))
        for flow_id in entry.flows:
            flow = self.flows.get(flow_id)
            if flow:
                label = t("qa.open_flow", lang, flow=flow.title.get(lang))
                rows.append((Button(label, callbacks.encode("menu", flow_id)),))
        for related_id in entry.related[:3]:
            related = self.knowledge.get(related_id)
            if related:
                rows.append(
                    (Button(f"→ {related.title.get(lang)}", callbacks.encode("kb", related_id)),)
                )
        if feedback_for is not None:
            rows.append(
                (
                    Button("👍", callbacks.encode("fb", feedback_for, "u")),
                    Button("👎", callbacks.encode("fb", feedback_for, "d")),
                )
            )
        return Reply("\n\n".join(parts), buttons=tuple(rows))

    def _did_you_mean(self, result: MatchResult, lang: str, log_id: int) -> Reply:
        rows = []
        for candidate in result.candidates[:3]:
            entry = self.knowledge.get(candidate.entry_id)
            if entry:
                rows.append((Button(entry.title.get(lang), callbacks.encode("kb", entry.id)),))
        none = Button(self.texts.text("qa.none_of_these", lang), callbacks.encode("none", log_id))
        rows.append((none,))
        return Reply(self.texts.text("qa.did_you_mean", lang), buttons=tuple(rows))

    def _topics(self, text: str, lang: str) -> Reply:
        rows = []
        for entry_id in TOPIC_ENTRIES:
            entry = self.knowledge.get(entry_id)
            if entry:
                rows.append((Button(entry.title.get(lang), callbacks.encode("kb", entry.id)),))
        return Reply(text, buttons=tuple(rows))
