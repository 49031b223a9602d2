"""Applying the lexicon's synonym rewrites in order, fast, with exactly the result of one
``pattern.sub`` per synonym in turn.

Most synonyms are *single words*: every character their pattern can match is a word
character (``\\w``), it cannot match an empty string, and it uses no anchors but ``\\b`` /
``\\B``, no look-arounds and no back-references. Such a pattern only ever matches inside one
run of word characters, and ``\\b`` / ``\\B`` read the same there whether the run stands alone
or inside the text; so substituting in the whole text is substituting in each word on its own.
A run of consecutive single-word synonyms is therefore one map from a word to what it becomes
(``LocalRun``), computed once per distinct word and kept: most words are left alone, and a
text whose words all are costs one set lookup per run.

The other synonyms (several words: "look for", "ka 2", "darba vidē balstītas mācības") keep
their place in the order and are applied by ``pattern.sub`` as before, but only when they can
match: each alternative of such a pattern needs some words of letters in every match ("look"
and "for"; "ka" and "2"), and a literal of word characters lies within one word of the text.
Which of these literals each word contains is worked out once per word, so a text lacking
them all is never searched.

Which patterns are single words is read from the regular-expression parser (``re._parser``);
a pattern it cannot vouch for — or a Python without that module — is treated as several words,
which is always exact, only slower.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any

Rewrite = tuple[re.Pattern[str], str]
_WORD = re.compile(r"\w+")
_WORD_CHAR = re.compile(r"\w")

try:  # the parser behind re.compile (CPython 3.11+); without it every pattern is "several words"
    _parser: Any = importlib.import_module("re._parser")
    _constants: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - other Pythons
    _parser = _constants = None


def single_word(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` lies within one run of word characters and is found
    there as in the whole text (see the module's docstring). False when unsure."""
    if _parser is None or pattern.flags & ~re.UNICODE:
        return False
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        return bool(parsed.getwidth()[0] > 0 and _word_only(parsed))
    except Exception:  # an internal API that changed shape: stay exact
        return False


def _word_char(code: int) -> bool:
    return _WORD_CHAR.fullmatch(chr(code)) is not None


def _word_only(items: Any) -> bool:
    """Every element consumes word characters only, or is ``\\b`` / ``\\B``."""
    c = _constants
    for op, value in items:
        if op is c.LITERAL:
            if not _word_char(value):
                return False
        elif op is c.IN:
            if not _word_class(value):
                return False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if not _word_only(value[2]):
                return False
        elif op is c.SUBPATTERN:
            _group, add_flags, del_flags, inner = value
            if add_flags or del_flags or not _word_only(inner):
                return False
        elif op is c.BRANCH:
            if not all(_word_only(branch) for branch in value[1]):
                return False
        elif op is c.AT:
            if value not in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY):
                return False
        else:  # any character, a negated literal, look-arounds, back-references, …
            return False
    return True


def _word_class(items: Any) -> bool:
    c = _constants
    for op, value in items:
        if op is c.LITERAL:
            if not _word_char(value):
                return False
        elif op is c.RANGE:
            low, high = value
            if high - low > 0x3000 or not all(_word_char(code) for code in range(low, high + 1)):
                return False
        elif op is c.CATEGORY:
            if value not in (c.CATEGORY_WORD, c.CATEGORY_DIGIT):
                return False
        else:  # a negated class and anything else
            return False
    return True


_Requirement = frozenset[str]
_MAX_ALTERNATIVES = 64


def required_literals(pattern: re.Pattern[str]) -> list[_Requirement] | None:
    """For each way ``pattern`` can match, the runs of word characters every such match
    contains (a match of any of them contains all the runs of one). None when unsure (or
    when a way needs none): then the pattern may match anything."""
    if _parser is None or pattern.flags & ~re.UNICODE:
        return None
    try:
        ways = _flush(_walk(_parser.parse(pattern.pattern, pattern.flags).data, [(frozenset(), "")]))
    except Exception:  # an internal API that changed shape
        return None
    if ways is None or any(not done for done, _ in ways):
        return None
    return [done for done, _ in ways]


_Ways = list[tuple[_Requirement, str]]  # (runs required so far, the run being read)


def _flush(ways: _Ways | None) -> _Ways | None:
    if ways is None:
        return None
    return [(done | {run} if run else done, "") for done, run in ways]


def _walk(items: Any, ways: _Ways | None) -> _Ways | None:
    c = _constants
    for op, value in items:
        if ways is None:
            return None
        if op is c.LITERAL and _word_char(value):
            ways = [(done, run + chr(value)) for done, run in ways]
        elif op is c.SUBPATTERN and not value[1] and not value[2]:
            ways = _walk(value[3], ways)
        elif op is c.BRANCH:
            branches: _Ways = []
            for branch in value[1]:
                found = _walk(branch, ways)
                if found is None:
                    return None
                branches += found
            ways = branches if len(branches) <= _MAX_ALTERNATIVES else None
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and value[0] >= 1:
            ways = _flush(_walk(value[2], _flush(ways)))
        else:  # anything else may match nothing or other characters: the run ends here
            ways = _flush(ways)
    return ways


class LocalRun:
    """Consecutive single-word rewrites as one map: a word -> what the rewrites make of it."""

    def __init__(self, rewrites: Sequence[tuple[re.Pattern[str], str]]) -> None:
        self.rewrites = tuple(rewrites)  # (pattern, replacement template)
        self.changed: dict[str, str] = {}  # the words the run changes, and into what

    def learn(self, word: str) -> bool:
        """Work out what the run makes of ``word``; true when it changes it."""
        text = word
        for pattern, replacement in self.rewrites:
            text = pattern.sub(replacement, text)
        if text != word:
            self.changed[word] = text
            return True
        return False

    def replace(self, match: re.Match[str]) -> str:
        word = match[0]
        return self.changed.get(word, word)


class Rewriter:
    """``apply(text)`` is ``for pattern, canonical in rewrites: text = pattern.sub(...)``."""

    def __init__(self, rewrites: Sequence[Rewrite]) -> None:
        self._rewrites = tuple(rewrites)
        # The rewrites in order as steps: a LocalRun, or the index of a rewrite of several
        # words in ``_several`` (applied by pattern.sub when its literals are all there).
        self._steps: list[LocalRun | int] = []
        self._several: list[tuple[re.Pattern[str], str, list[frozenset[int]] | None]] = []
        literals: dict[str, int] = {}  # every required run, numbered
        run: list[tuple[re.Pattern[str], str]] = []
        for pattern, canonical in self._rewrites:
            replacement = f" {canonical} "
            if single_word(pattern):
                run.append((pattern, replacement))
                continue
            if run:
                self._steps.append(LocalRun(run))
                run = []
            ways = required_literals(pattern)
            needs = None
            if ways is not None:
                needs = [
                    frozenset(literals.setdefault(text, len(literals)) for text in way)
                    for way in ways
                ]
            self._steps.append(len(self._several))
            self._several.append((pattern, replacement, needs))
        if run:
            self._steps.append(LocalRun(run))
        self._runs = [step for step in self._steps if isinstance(step, LocalRun)]
        self._run_at = [(at, step) for at, step in enumerate(self._steps) if isinstance(step, LocalRun)]
        self._several_at = [at for at, step in enumerate(self._steps) if isinstance(step, int)]
        # The steps of several words to try on any text (no required runs known), and for
        # each required run the steps (and their ways) needing it.
        self._always = [
            at for at, (_, _, needs) in zip(self._several_at, self._several) if needs is None
        ]
        self._needing: list[list[tuple[int, frozenset[int]]]] = [[] for _ in literals]
        for at, (_, _, needs) in zip(self._several_at, self._several, strict=True):
            for need in needs or ():
                for literal in need:
                    self._needing[literal].append((at, need))
        # The required runs a text holds -> the steps of several words that may match it.
        self._possible: dict[frozenset[int], list[int]] = {}
        self._literals = list(literals)
        self._has: dict[str, frozenset[int]] = {}  # a word -> the required runs it contains
        self._still: set[str] = set()  # words no run changes and holding no required run

    @property
    def single_word_rewrites(self) -> int:
        """How many rewrites are applied word by word (the rest by ``pattern.sub``)."""
        return sum(len(run.rewrites) for run in self._runs)

    def _learn(self, words: list[str]) -> None:
        for word in words:
            if word not in self._has:
                changes = [run.learn(word) for run in self._runs]
                has = frozenset(i for i, text in enumerate(self._literals) if text in word)
                self._has[word] = has
                if not has and not any(changes) and not self._always:
                    self._still.add(word)

    def _active(self, words: list[str]) -> list[int]:
        """The steps that may change a text of ``words``, in order: the word runs that change
        one of them, and the rewrites of several words whose required runs are all there."""
        if not self._has.keys() >= set(words):
            self._learn(words)
        has = self._has
        present = frozenset().union(*(has[word] for word in words))
        possible = self._possible.get(present)
        if possible is None:
            found = set(self._always)
            for literal in present:
                for at, need in self._needing[literal]:
                    if at not in found and need <= present:
                        found.add(at)
            possible = self._possible[present] = sorted(found)
        touched = [
            at for at, run in self._run_at if not run.changed.keys().isdisjoint(words)
        ]
        return sorted(possible + touched) if touched else possible

    def apply(self, text: str) -> str:
        words = _WORD.findall(text)
        if self._still.issuperset(words):
            return text
        steps, active, done = self._steps, self._active(words), -1
        while True:
            at = next((at for at in active if at > done), None)
            if at is None:
                return text
            done = at
            step = steps[at]
            if isinstance(step, LocalRun):
                text = _WORD.sub(step.replace, text)
            else:
                pattern, replacement, _ = self._several[step]
                rewritten = pattern.sub(replacement, text)
                if rewritten == text:
                    continue
                text = rewritten
            active = self._active(_WORD.findall(text))
