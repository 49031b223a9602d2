"""Case and diacritic folding, the ground floor of matching: 'Kur meklēt?' -> 'kur meklet?'.

Its own module so that the lexicon (which folds its words when loaded) and the normaliser
(which applies the lexicon) do not import each other.
"""

from __future__ import annotations

import unicodedata


class _Folded(dict[int, str]):
    """Each character's compatibility decomposition without combining marks, computed once."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        self[code] = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return self[code]


_FOLDED = _Folded()


def fold(text: str) -> str:
    """Lower-case and strip diacritics: 'Kur meklēt?' -> 'kur meklet?'."""
    return fold_lowered(text.casefold())


def fold_lowered(lowered: str) -> str:
    """``fold(text)`` from ``lowered = text.casefold()`` (for a caller that needs both)."""
    return lowered if lowered.isascii() else lowered.translate(_FOLDED)
