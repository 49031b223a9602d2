"""Compact callback data for inline buttons, parsed strictly (it is untrusted input)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback_data
MAX_NUMBER = 2**31 - 1  # ids and sequence numbers: a bigger number is no button of ours

_PART = r"[A-Za-z0-9_.<>+-]{1,40}"
_PATTERN = re.compile(rf"^(?P<kind>[a-z]{{1,8}})(?::(?P<a>{_PART}))?(?::(?P<b>{_PART}))?$")

# kind -> number of arguments it takes
KINDS: dict[str, int] = {
    "lang": 1,  # lang:<lv|en>
    "menu": 1,  # menu:<main|ask|flow id>
    "f": 2,  # f:<seq>:<option id | < back | > skip | x pause>
    "restart": 1,  # restart:<flow id>       asks to confirm starting the flow over
    "redo": 2,  # redo:<flow id>:<seq>      confirmed: start over (the run shown with <seq>)
    "det": 2,  # det:<flow id>:<n>          part n of the last result, shown in place
    "pj": 2,  # pj:<action>:<project id>   a project card's button (rename, dates, archive, …)
    "proj": 1,  # proj:<project id>      make a project active (only the user's own)
    "go": 2,  # go:<flow id>:<argument>  a landing action: a fresh start with it, or an export
    "kb": 1,  # kb:<entry id>           show an entry
    "more": 1,  # more:<entry id>         the entry's longer text
    "fb": 2,  # fb:<log id>:<u|d>       feedback on an answer
    "none": 1,  # none:<log id>          "none of these"
    "forget": 1,  # forget:<yes|no>       the /forget confirmation
    "grp": 2,  # grp:<action>:<group, round id | invite token>  a teacher's group, joining, leaving
    "tm": 2,  # tm:<action>:<project id | invite token>  a project's team, invites, joining
    "rv": 2,  # rv:<flow id>:<project id>  a reminder's button: review that tool on that project
    "grpr": 2,  # grpr:<group id>:<before|after>  open a round of one's own group
}


@dataclass(frozen=True)
class Callback:
    kind: str
    args: tuple[str, ...]


def encode(kind: str, *args: str | int) -> str:
    """Callback data for a button; raises ValueError when it would not be accepted back."""
    data = ":".join([kind, *map(str, args)])
    if decode(data) is None:
        raise ValueError(f"invalid callback data {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The parsed callback, or None for anything malformed, unknown or too long."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    match = _PATTERN.fullmatch(data)  # not .match: "$" would let a trailing newline through
    if not match or match["kind"] not in KINDS:
        return None
    args = tuple(a for a in (match["a"], match["b"]) if a is not None)
    if len(args) != KINDS[match["kind"]]:
        return None
    if any(a.isdigit() and int(a) > MAX_NUMBER for a in args):
        return None
    return Callback(match["kind"], args)
