"""Applying the lexicon's synonym rewrites in order, fast, with exactly the result of one
``pattern.sub`` per synonym in turn.

A rewrite that does not match the text leaves it unchanged, so only those that match need to
run. Which is the next one that matches is found by searching a binary tree of alternations:
a node's regex is its patterns as alternatives, and it matches a text exactly when one of them
does. A text no synonym touches costs one search instead of one per synonym; a text that one
touches, a few more. The tree (a few dozen regexes, ~0.1 s to compile) is built only once
``TREE_AFTER`` texts have been rewritten: one question alone is faster one by one. Patterns
whose meaning would change inside a larger alternation (numbered or named back-references)
make the whole list run one by one, as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Rewrite = tuple[re.Pattern[str], str]
TREE_AFTER = 64
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\\g<")


class Rewriter:
    """``apply(text)`` is ``for pattern, canonical in rewrites: text = pattern.sub(...)``."""

    def __init__(self, rewrites: Sequence[Rewrite]) -> None:
        self._rewrites = tuple(rewrites)
        self._replacements = tuple(f" {canonical} " for _, canonical in self._rewrites)
        self._tree: dict[tuple[int, int], re.Pattern[str]] | None = None
        self._treeable = len(self._rewrites) > 1 and not any(
            _BACKREFERENCE.search(pattern.pattern) or pattern.flags & ~re.UNICODE
            for pattern, _ in self._rewrites
        )
        self._uses = 0

    def _grow_tree(self) -> None:
        self._treeable = False
        try:
            self._tree = {}
            self._build(0, len(self._rewrites))
        except re.error:
            self._tree = None

    def _build(self, low: int, high: int) -> None:
        assert self._tree is not None
        self._tree[(low, high)] = re.compile(
            "|".join(f"(?:{pattern.pattern})" for pattern, _ in self._rewrites[low:high])
        )
        if high - low > 1:
            middle = (low + high) // 2
            self._build(low, middle)
            self._build(middle, high)

    def apply(self, text: str) -> str:
        rewrites, replacements = self._rewrites, self._replacements
        if self._treeable:
            self._uses += 1
            if self._uses >= TREE_AFTER:
                self._grow_tree()
        if self._tree is None:
            for (pattern, _), replacement in zip(rewrites, replacements, strict=True):
                text = pattern.sub(replacement, text)
            return text
        index = self._next(text, 0, 0, len(rewrites))
        while index is not None:
            text = rewrites[index][0].sub(replacements[index], text)
            index = self._next(text, index + 1, 0, len(rewrites))
        return text

    def _next(self, text: str, start: int, low: int, high: int) -> int | None:
        """The first rewrite at ``start`` or later (within ``low``–``high``) that matches."""
        assert self._tree is not None
        if high <= start:
            return None
        if low >= start and not self._tree[(low, high)].search(text):
            return None
        if high - low == 1:
            return low
        middle = (low + high) // 2
        found = self._next(text, start, low, middle)
        return found if found is not None else self._next(text, start, middle, high)
