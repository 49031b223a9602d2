"""The demo flow: a choice, a free-text answer and a summary. See demo.md for its diagram."""

from __future__ import annotations

from collections.abc import Sequence

from flows.engine import Completion, Flow, FlowState, Option, Step
from flows.texts import load_flow_texts

TOPICS = ("ka2", "cove", "digcomp")


class DemoFlow(Flow):
    """Asks for a topic and a goal, then sums them up."""

    id = "demo"

    def __init__(self) -> None:
        self.texts = load_flow_texts("demo")
        self.title = self.texts.localized("demo.title")
        self._steps = (
            Step(
                id="topic",
                question=self.texts.localized("demo.topic.question"),
                options=tuple(Option(t, self.texts.localized(f"demo.topic.{t}")) for t in TOPICS),
            ),
            Step(
                id="goal",
                question=self.texts.localized("demo.goal.question"),
                free_text=True,
                skippable=True,
                max_length=300,
            ),
        )

    def steps(self) -> Sequence[Step]:
        return self._steps

    def complete(self, state: FlowState, lang: str) -> Completion:
        topic = self.texts.text(f"demo.topic.{state.answers['topic']}", lang)
        goal = state.answers.get("goal") or self.texts.text("demo.no_goal", lang)
        summary = self.texts.text("demo.summary", lang, topic=topic, goal=goal)
        return Completion(messages=(summary,), record=dict(state.answers))
