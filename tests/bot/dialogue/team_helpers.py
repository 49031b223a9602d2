"""Driving a project's coordinator, members and viewers through the dialogue core."""

from __future__ import annotations

from bot.dialogue.core import Dialogue
from tests.bot.dialogue.group_helpers import TOKEN, Person
from tests.bot.helpers import buttons


def choose(person: Person, option: str) -> None:
    """Press the flow button whose option id is ``option``."""
    data = next(b.data for b in buttons(person.last) if b.data and b.data.endswith(f":{option}"))
    person.send("button", data)


def coordinator_with_project(core: Dialogue, user: int = 100, lang: str = "lv") -> Person:
    """A coordinator who set up “GreenVET” from /risks (now at the checklist's first item)."""
    person = Person(core, user, lang)
    person.start()
    person.command("/risks")
    person.send("text", "GreenVET")
    choose(person, "ka2")
    choose(person, "coordinator")
    person.send("text", "01.09.2025")
    person.send("text", "31.08.2027")
    return person


def finish_checklist(person: Person) -> None:
    """Answer every remaining item of the risk checklist as in place."""
    for _ in range(60):
        rest = [b.data for b in buttons(person.last) if b.data and b.data.endswith(":rest")]
        if not rest:
            return
        person.send("button", rest[0])
    raise AssertionError("the checklist did not end")


def project_id(person: Person) -> int:
    """The id of the project on the card or team page shown last."""
    for button in buttons(person.last):
        if button.data and button.data.startswith(("tm:show:", "proj:")):
            return int(button.data.rsplit(":", 1)[1])
    raise AssertionError(person.text())


def open_team(person: Person) -> None:
    person.command("/projects")
    person.press("GreenVET")
    person.press("👥")


def invite(person: Person, role: str, uses: str = "♾") -> str:
    """The coordinator makes an invite for ``role`` on the team page (``uses``: the button
    for how many may join with it); returns its token."""
    open_team(person)
    person.press(
        "🔗 "
        + {
            "member": {"lv": "Uzaicināt dalībnieku", "en": "Invite a member"},
            "viewer": {"lv": "Uzaicināt skatītāju", "en": "Invite a viewer"},
        }[role][person.lang]
    )
    person.press(uses)  # how many may join: a tap makes the invite
    match = TOKEN.search(person.text())
    assert match, person.text()
    return match[1]


def joins(core: Dialogue, user: int, token: str, lang: str) -> Person:
    person = Person(core, user, lang)
    person.start()
    person.command(f"/start {token}")
    person.press("✅")
    return person
