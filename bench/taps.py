"""Taps per coordinator tool on a phone: drives the dialogue core as a coordinator would and
counts button taps and typed answers, and the longest message in lines.

Run: ``.venv/bin/python bench/taps.py`` (prints a Markdown table; ``-v`` adds the result
texts). Scenarios:
- digcomp (quick): ``/digcomp quick``, "on my own" for each of the 21 competences; then "add my
  name to the PDF" and the name typed (asked once per user: counted apart);
- risks: the risk checklist with 10 flagged items (two in each of the first five groups),
  every suggestion and default accepted, one owner typed;
- partners: the partner call for a project with an institution and contact typed once;
- sustainability: the plan for a project that ended 10 days ago, the first suggestion for each
  aspect, "yes" in every self-check question, reminders after 3, 6 and 12 months.

The user's answers are chosen by the step the run is at (read from the dialogue state), so the
same script measures the flows before and after a change of wording.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import build_dialogue  # noqa: E402
from bot.dialogue.core import Dialogue  # noqa: E402
from bot.dialogue.messages import Input, Reply  # noqa: E402
from flows.dates import local_today, show_date  # noqa: E402
from flows.risks.content import GROUPS, default_risk_content  # noqa: E402
from storage.repositories import DialogueRepository  # noqa: E402

USER = 5
# An action: ("option", id) taps the step's button with that option id; ("label", text) taps the
# button whose label contains text; ("first", "") taps the step's first option; ("text", answer)
# types an answer.
Action = tuple[str, str]
Policy = Callable[[str, list[Reply]], Action]


@dataclass
class Tally:
    taps: int = 0
    typed: int = 0
    longest: int = 0
    longest_result: int = 0
    result_messages: int = 0
    longest_detail: int = 0  # a part of the result opened with its button (not counted as taps)
    longest_chars: int = 0  # the longest message of the whole run, in characters
    longest_detail_chars: int = 0
    texts: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        return self.taps + self.typed


def _send(dialogue: Dialogue, kind: str, payload: str) -> list[Reply]:
    return dialogue.handle(Input(USER, USER, kind, payload, "lv"))


def _step(dialogue: Dialogue) -> tuple[str | None, str | None]:
    with dialogue.db.transaction() as session:
        row = DialogueRepository(session).lock(USER)
        return row.flow, row.step


def _buttons(replies: list[Reply]) -> list[tuple[str, str]]:
    return [(b.label, b.data or "") for r in replies for row in r.buttons for b in row]


def _lines(reply: Reply) -> int:
    return len(reply.text.splitlines())


def drive(dialogue: Dialogue, command: str, flow: str, policy: Policy, limit: int = 400) -> Tally:
    """Open ``command`` and answer by ``policy`` until the run of ``flow`` is finished."""
    tally = Tally()
    replies = _send(dialogue, "command", command)
    for _ in range(limit):
        tally.longest = max([tally.longest, *map(_lines, replies)])
        tally.longest_chars = max([tally.longest_chars, *(len(r.text) for r in replies)])
        active, step = _step(dialogue)
        if active != flow or step is None:
            results = [r for r in replies if r.text]
            tally.result_messages = len(replies)
            tally.longest_result = max(map(_lines, results), default=0)
            tally.texts = [r.text for r in replies]
            for _, data in _buttons(replies):
                if data.startswith("det:"):
                    shown = _send(dialogue, "button", data)
                    tally.longest_detail = max([tally.longest_detail, *map(_lines, shown)])
                    tally.longest_detail_chars = max(
                        [tally.longest_detail_chars, *(len(r.text) for r in shown)]
                    )
            return tally
        kind, value = policy(step, replies)
        if kind == "text":
            tally.typed += 1
            replies = _send(dialogue, "text", value)
            continue
        pressed = next(
            (
                data
                for label, data in _buttons(replies)
                if (kind == "option" and data.startswith("f:") and data.endswith(f":{value}"))
                or (kind == "label" and value in label)
                or (kind == "first" and data.startswith("f:"))
            ),
            None,
        )
        if pressed is None:
            raise AssertionError(f"{flow}: no button {value!r} at step {step}")
        tally.taps += 1
        replies = _send(dialogue, "button", pressed)
    raise AssertionError(f"{flow} did not finish in {limit} inputs")


def _then(dialogue: Dialogue, flow: str, policy: Policy, replies: list[Reply]) -> Tally:
    """Carry on a run opened by a button (that tap counted) until it is finished."""
    tally = Tally(taps=1)
    for _ in range(10):
        tally.longest = max([tally.longest, *map(_lines, replies)])
        tally.longest_chars = max([tally.longest_chars, *(len(r.text) for r in replies)])
        active, step = _step(dialogue)
        if active != flow or step is None:
            tally.result_messages = len(replies)
            tally.longest_result = max((_lines(r) for r in replies if r.text), default=0)
            return tally
        kind, value = policy(step, replies)
        assert kind == "text", (step, kind)
        tally.typed += 1
        replies = _send(dialogue, "text", value)
    raise AssertionError(f"{flow} did not finish")


def create_project(dialogue: Dialogue, name: str, starts: str, ends: str) -> None:
    """A project set up through /projects (not counted)."""
    _send(dialogue, "command", "/start")
    _send(dialogue, "button", "lang:lv")
    answers = {"name": ("text", name), "action": ("option", "ka2")}
    answers |= {"role": ("option", "coordinator"), "starts": ("text", starts)}
    answers |= {"ends": ("text", ends)}
    listing = _send(dialogue, "command", "/projects")
    data = next(d for label, d in _buttons(listing) if "➕" in label)
    _send(dialogue, "button", data)
    drive(dialogue, "/projects", "project", lambda step, _r: answers[step], limit=10)


# ---- policies ----------------------------------------------------------------------------
def digcomp_policy(step: str, replies: list[Reply]) -> Action:
    if step.startswith("q:"):
        return ("option", "2")  # "on my own"
    if step == "name":
        return ("text", "Anna Bērziņa")
    raise AssertionError(f"digcomp: unexpected step {step}")


def _flagged_items() -> set[str]:
    content = default_risk_content()
    return {item.id for group in GROUPS[:5] for item in content.in_group(group)[:2]}


def risks_policy() -> Policy:
    flagged = _flagged_items()
    owner_typed: list[str] = []

    def policy(step: str, replies: list[Reply]) -> Action:
        kind, _, item = step.partition(":")
        if kind == "s":
            if item in flagged:
                return ("option", "no")
            rest = any(data.endswith(":rest") for _, data in _buttons(replies))
            return ("option", "rest") if rest else ("option", "ok")
        if kind in ("l", "i"):  # before: likelihood and impact apart
            return ("option", "3")
        if kind == "li":  # after: one tap on the 5 × 5 grid
            return ("option", "33")
        if kind in ("o", "p") and not owner_typed:  # the owner typed once
            owner_typed.append(item)
            return ("text", "Anna")
        if kind == "p":  # after: the plan shown (suggested response, last owner and date)
            return ("option", "ok")
        if kind in ("r", "o", "d"):  # before: each skipped or kept
            return ("label", "Izlaist")
        raise AssertionError(f"risks: unexpected step {step}")

    return policy


PARTNER_TEXT = {
    "field": "metālapstrāde",
    "country": "Somija",
    "goals": "Uzlabot praksi uzņēmumos",
    "activities": "Kopīgi moduļi",
    "results": "E-kurss",
    "role": "Prakses vietu tīkls",
    "institution": "Rīgas Tehnikums",
    "person": "Anna Bērziņa",
    "email": "anna@example.lv",
    "city": "Rīga, Latvija",
}


def partners_policy(step: str, replies: list[Reply]) -> Action:
    keep = next((label for label, _ in _buttons(replies) if label.startswith("✔ Atstāt")), None)
    if step in ("institution", "person", "email", "city") and keep:
        return ("label", keep)  # the contact details kept from the last call
    if step == "org":
        return ("option", "company")
    if step in ("org2", "org3"):  # a second kind of partner, then "that's all"
        return ("option", "ngo") if step == "org2" else ("option", "done")
    if step == "stage":
        return ("option", "draft")
    if step == "english":
        return ("option", "mark")
    if step == "reply_by":
        return ("option", "2w")
    if step in PARTNER_TEXT:
        return ("text", PARTNER_TEXT[step])
    raise AssertionError(f"partners: unexpected step {step}")


def sustainability_policy(step: str, replies: list[Reply]) -> Action:
    if step.endswith(":main"):
        return ("first", "")
    if step.endswith(":what"):
        return ("text", "Publicēt e-kursu")
    if step.endswith(":who"):
        return ("text", "Anna")
    if step.endswith(":when"):
        return ("label", "+6")
    if step.endswith(":measure"):
        return ("label", "Izlaist")
    if step.startswith("q:"):
        return ("option", "yes")
    if step == "follow":
        return ("option", "3-6-12")
    raise AssertionError(f"sustainability: unexpected step {step}")


def run() -> dict[str, Tally]:
    with tempfile.TemporaryDirectory() as folder:
        dialogue = build_dialogue(f"sqlite:///{folder}/taps.db")
        try:
            create_project(dialogue, "GreenVET", "01.09.2025", "31.08.2027")
            figures = {
                "digcomp (quick)": drive(dialogue, "/digcomp quick", "digcomp", digcomp_policy),
            }
            # The name on the PDF, asked once: the button under the PDF, then the name.
            named = _send(dialogue, "button", "go:digcomp:name")
            figures["digcomp: name on the PDF (once)"] = _then(
                dialogue, "digcomp", digcomp_policy, named
            )
            figures |= {
                "risks (10 flagged)": drive(dialogue, "/risks", "risks", risks_policy()),
                "partners": drive(dialogue, "/partners", "partners", partners_policy),
            }
            _send(dialogue, "button", "go:partners:new")  # the next call: contact details kept
            figures["partners (next call)"] = drive(
                dialogue, "/partners", "partners", partners_policy
            )
            ended = show_date(local_today() - timedelta(days=10))
            create_project(dialogue, "DigiCraft", "01.09.2024", ended)
            figures["sustainability"] = drive(
                dialogue, "/sustainability", "sustainability", sustainability_policy
            )
        finally:
            dialogue.db.dispose()
    return figures


def main() -> None:
    figures = run()
    print(
        "| flow | taps | typed | inputs | longest message (lines, chars) "
        "| result: messages, longest (lines) | longest part on demand (lines, chars) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, t in figures.items():
        detail = f"{t.longest_detail}, {t.longest_detail_chars}" if t.longest_detail else "—"
        print(
            f"| {name} | {t.taps} | {t.typed} | {t.inputs} | {t.longest}, {t.longest_chars} "
            f"| {t.result_messages}, {t.longest_result} | {detail} |"
        )
    if "-v" in sys.argv:
        for name, t in figures.items():
            print(f"\n===== {name} result =====")
            for text in t.texts:
                print(text, "\n-----")


if __name__ == "__main__":
    main()
