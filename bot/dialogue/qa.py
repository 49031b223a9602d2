"""Free-text Q&A in the dialogue: verdicts become small talk, answers, suggestions, an honest
"the e-material does not say" with the official place to look, or "I do not know yet".

Every question (not small talk) is logged with its outcome (``answer``, ``suggest``,
``not_covered``, ``none``); 👍/👎 and "none of these" feed the editors' review.

For the dialogue core: ``answer(turn, text, previous_entry=...)`` returns the answered entry id
(keep it as the last topic for a short follow-up); ``try_answer(turn, text)`` answers a question
typed in the middle of a tool and returns True, or does nothing and returns False.
"""

from __future__ import annotations

from bot.dialogue import callbacks
from bot.dialogue.callbacks import Callback
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.registry import FlowRegistry
from knowledge.answers import Answerer, Verdict
from knowledge.loader import KnowledgeBase
from knowledge.matcher import Matcher, MatchResult
from knowledge.schema import Entry, Link
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
        self.answerer = Answerer(knowledge, matcher)

    def answer(self, turn: Turn, question: str, previous_entry: str | None = None) -> str | None:
        """Reply to free text; the id of the entry answered (None for anything else).

        ``previous_entry`` is the entry answered just before (the dialogue's last topic, when
        recent): a short follow-up ("un kā ar finansēm?") is read in its context."""
        verdict = self.answerer.verdict(
            question, previous_entry=previous_entry, default_language=turn.lang
        )
        self._reply(turn, question, verdict)
        return verdict.entry_id if verdict.kind == "answer" else None

    def try_answer(self, turn: Turn, text: str) -> bool:
        """Answer ``text`` typed in the middle of a tool when it is a question the knowledge
        base answers confidently (logged like any question) and return True; otherwise say
        nothing and return False, so the tool takes the text as its answer."""
        verdict = self.answerer.try_answer(text, default_language=turn.lang)
        if verdict is None:
            return False
        self._reply(turn, text, verdict)
        return True

    def _reply(self, turn: Turn, question: str, verdict: Verdict) -> None:
        lang = self.answer_language(turn, verdict)
        if verdict.kind == "small_talk" and verdict.small_talk_answer is not None:
            # "ok", "help" or "👍" say little about a language: keep the user's.
            lang = turn.user.language or lang
            rows = self._tool_rows(lang) if verdict.menu else ()
            turn.say(Reply(verdict.small_talk_answer.get(lang), buttons=rows))
            return
        result = verdict.match
        best = result.best if result else None
        outcome = result.outcome if result else "none"
        log_id = QuestionLogRepository(turn.session).add(
            user_id=turn.user.id,
            question=question,
            language=verdict.language,
            outcome=outcome,
            entry_id=verdict.entry_id if verdict.kind == "answer" else None,
            score=best.score if best else 0.0,
        )
        answered = self.knowledge.get(verdict.entry_id) if verdict.entry_id else None
        if verdict.kind == "answer" and answered is not None and result is not None:
            turn.say(self.entry_reply(answered, lang, feedback_for=log_id, also=result.also))
        elif verdict.kind == "did_you_mean" and result is not None:
            turn.say(self._did_you_mean(result, lang, log_id))
        elif verdict.kind == "not_covered" and result is not None:
            turn.say(self._not_covered(result, lang))
        elif not any(ch.isalnum() for ch in question):
            turn.say(Reply(self.texts.text("qa.not_understood", lang)))
        else:
            turn.say(self._topics(self.texts.text("qa.unknown", lang), lang))

    @staticmethod
    def answer_language(turn: Turn, verdict: Verdict) -> str:
        """The user's language when fixed, otherwise the language the question is written in
        (detected once, in the verdict)."""
        if turn.user.language_fixed and turn.user.language:
            return turn.user.language
        return verdict.language

    def button(self, turn: Turn, callback: Callback) -> int | None:
        """Handle a Q&A button. Returns the question-log id after a 👎: the core may then take
        the user's next message as the answer to "what were you looking for?" and pass it to
        ``feedback_note`` (once, optionally; anything else goes on as usual)."""
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
                if vote > 0:
                    turn.say(Reply(self.texts.text("qa.thanks_up", lang), notice=True))
                    return None
                turn.say(Reply(self.texts.text("qa.thanks_down", lang)))
                return int(args[0])
            self._invalid(turn)
        else:
            self._invalid(turn)

        return None

    def feedback_note(self, turn: Turn, log_id: int, text: str) -> None:
        """Keep what the user was looking for after a 👎, for the editors (a question-log row
        with the outcome ``looking_for`` and the rated entry), and thank them."""
        repository = QuestionLogRepository(turn.session)
        rated = repository.get(log_id, turn.user.id)
        repository.add(
            user_id=turn.user.id,
            question=text,
            language=self.matcher.language.detect(text, default=turn.lang),
            outcome="looking_for",
            entry_id=rated.entry_id if rated else None,
            score=0.0,
        )
        turn.say(Reply(self.texts.text("qa.looking_for_thanks", turn.lang)))

    def _invalid(self, turn: Turn) -> None:
        turn.say(Reply(self.texts.text("input.invalid_button", turn.lang), notice=True))

    # ---- replies -----------------------------------------------------------------------
    def entry_reply(
        self,
        entry: Entry,
        lang: str,
        feedback_for: int | None = None,
        also: str | None = None,
    ) -> Reply:
        """The answer with its links and source, and buttons: more, the entry's tools, the
        other part of a two-part question, related entries, 👍/👎."""
        t = self.texts.text
        parts = [entry.answer.get(lang)]
        if entry.links:
            lines = "\n".join(f"• {link.label(lang)}: {link.url}" for link in entry.links)
            parts.append(f"{t('qa.links', lang)}\n{lines}")
        parts.append(self.source_footer(entry, lang))
        rows: list[tuple[Button, ...]] = []
        other = self.knowledge.get(also) if also else None
        if other is not None:
            label = t("qa.also", lang, title=other.title.get(lang))
            rows.append((Button(label, callbacks.encode("kb", other.id)),))
        if entry.more is not None:
            rows.append((Button(t("qa.more", lang), callbacks.encode("more", entry.id)),))
        for flow_id in entry.flows:
            flow = self.flows.get(flow_id)
            if flow:
                label = t("qa.open_flow", lang, flow=flow.title.get(lang))
                rows.append((Button(label, callbacks.encode("menu", flow_id)),))
        for related_id in [r for r in entry.related if r != also][:3]:
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

    def source_footer(self, entry: Entry, lang: str) -> str:
        """Where the answer comes from, by its ``origin``: the e-material's section (with an
        additional source for one outside fact), the section and what is Ceļvedis's own advice,
        or the outside source named as not the e-material."""
        t = self.texts.text
        section = entry.section_name.get(lang)
        source = entry.source.get(lang) if entry.source else ""
        if entry.source_url:
            source = f"{source}: {entry.source_url}"
        if entry.origin == "external":
            return t("qa.source_external", lang, source=source, section=section)
        footer = t("qa.source", lang, section=section)
        if entry.origin == "own":
            return footer + "\n" + t("qa.source_own", lang, source=source)
        if source:
            footer += "\n" + t("qa.source_other", lang, source=source)
        return footer

    def _did_you_mean(self, result: MatchResult, lang: str, log_id: int) -> Reply:
        rows = []
        for candidate in result.candidates[:3]:
            entry = self.knowledge.get(candidate.entry_id)
            if entry:
                rows.append((Button(entry.title.get(lang), callbacks.encode("kb", entry.id)),))
        none = Button(self.texts.text("qa.none_of_these", lang), callbacks.encode("none", log_id))
        rows.append((none,))
        return Reply(self.texts.text("qa.did_you_mean", lang), buttons=tuple(rows))

    def _not_covered(self, result: MatchResult, lang: str) -> Reply:
        """The e-material does not say; the official place to look; the closest topics."""
        topics = self.matcher.topics
        topic = topics.get(result.topic) if result.topic else None
        parts = [topic.answer.get(lang) if topic else topics.general.get(lang)]
        links: tuple[Link, ...] = topic.links if topic else ()
        if links:
            lines = "\n".join(f"• {link.label(lang)}: {link.url}" for link in links)
            parts.append(f"{self.texts.text('qa.links', lang)}\n{lines}")
        if result.candidates:
            parts.append(self.texts.text("qa.closest", lang))
        rows = []
        for candidate in result.candidates[:3]:
            entry = self.knowledge.get(candidate.entry_id)
            if entry:
                rows.append((Button(entry.title.get(lang), callbacks.encode("kb", entry.id)),))
        return Reply("\n\n".join(parts), buttons=tuple(rows))

    def _tool_rows(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        rows = []
        for flow in self.flows:
            if flow.in_menu:
                label = self.texts.text("qa.open_flow", lang, flow=flow.title.get(lang))
                rows.append((Button(label, callbacks.encode("menu", flow.id)),))
        return tuple(rows)

    def _topics(self, text: str, lang: str) -> Reply:
        rows = []
        for entry_id in TOPIC_ENTRIES:
            entry = self.knowledge.get(entry_id)
            if entry:
                rows.append((Button(entry.title.get(lang), callbacks.encode("kb", entry.id)),))
        return Reply(text, buttons=tuple(rows))
