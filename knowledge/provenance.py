"""What is not from the e-material, and whether the reader is told so.

Content files name each item's ``source`` for editors. When a source says that something comes
from outside the e-material (Erasmus+ practice or guidance, the GDPR, DigComp 2.2, or plainly "not
in the e-material" / "not the seed"), the text the user sees must carry a short line saying so
("Nav no e-materiāla: …" / "Not from the e-material: …"); the loaders check it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from knowledge.texts import LANGUAGES, ContentError, Localized

# How an editor's source says that (part of) an item is not from the e-material.
OUTSIDE = re.compile(
    r"not (?:in|from) the e-material|not the seed|Erasmus\+ (?:practice|guidance)|"
    r"general Erasmus\+|\bGDPR\b|DigComp 2\.2",
    re.IGNORECASE,
)
# How the user is told, in each language ("Daļēji nav no e-materiāla" counts too).
TOLD = {
    "lv": re.compile(r"nav (?:no )?e-materiāl", re.IGNORECASE),
    "en": re.compile(r"not (?:from )?the e-material", re.IGNORECASE),
}


def from_outside(source: str) -> bool:
    """Whether an editor's ``source`` says (part of) the item is not from the e-material."""
    return bool(OUTSIDE.search(source))


def tells_reader(texts: Iterable[Localized]) -> bool:
    """Whether one of the texts the user sees says, in both languages, what is not from the
    e-material."""
    shown = list(texts)
    return all(any(TOLD[lang].search(t.get(lang)) for t in shown) for lang in LANGUAGES)


def check_told(source: str, shown: Iterable[Localized], path: Path | str, key: str) -> None:
    """Refuse an item whose source is outside the e-material while nothing the user sees
    says so."""
    if from_outside(source) and not tells_reader(shown):
        raise ContentError(
            path, key, "not (all) from the e-material: tell the user so ('Nav no e-materiāla: …')"
        )
