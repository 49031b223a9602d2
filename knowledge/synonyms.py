"""Applying the lexicon's synonym rewrites in order, fast, with exactly the result of one
``pattern.sub`` per synonym in turn.

Most synonyms are *single words*: every character their pattern can match is a word
character (``\\w``), it cannot match an empty string, and it uses no anchors but ``\\b`` /
``\\B``, no look-arounds and no back-references. Such a pattern only ever matches inside one
run of word characters, and ``\\b`` / ``\\B`` read the same there whether the run stands alone
or inside the text; so substituting in the whole text is substituting in each word on its own.
A run of consecutive single-word synonyms is therefore one map from a word to what it becomes
(``LocalRun``), computed once per distinct word and kept (up to ``MAX_WORDS`` words): most
words are left alone, and a text whose words all are costs one dictionary lookup per word.

The other synonyms (several words: "look for", "ka 2", "darba vidē balstītas mācības") keep
their place in the order and are applied by ``pattern.sub`` as before, but only when they can
match: each alternative of such a pattern needs some words of letters in every match ("look"
and "for"; "ka" and "2"), and a literal of word characters lies within one word of the text.
Which of these literals each word contains is worked out once per word, so a text lacking
them all is never searched.

A text can also be read word by word (``Rewriter.alone``: what every rewrite in turn makes
of one word on its own, kept per word by the normaliser): that is exact whenever no rewrite
can match across words on the way, which ``Rewriter.spans`` tells from the words' bits — a
rewrite of several words whose only ways to match that the text's literals allow are
word-only ways (``literal_ways``: "\\bcoves?\\b" in the "cove" synonym) matches within one
word at a time. Texts that may span words are rewritten whole, as above.

Which patterns are single words is read from the regular-expression parser (``re._parser``);
a pattern it cannot vouch for — or a Python without that module — is treated as several words,
which is always exact, only slower.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache, reduce
from operator import or_
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
_FEW_KEYS = 8
MAX_WORDS = 200_000  # words learnt before the rewriter starts afresh (memory stays bounded)


def required_literals(pattern: re.Pattern[str]) -> list[_Requirement] | None:
    """For each way ``pattern`` can match, the runs of word characters every such match
    contains (a match of any of them contains all the runs of one). None when unsure (or
    when a way needs none): then the pattern may match anything."""
    ways = literal_ways(pattern)
    return None if ways is None else [done for done, _ in ways]


def literal_ways(pattern: re.Pattern[str]) -> list[tuple[_Requirement, bool]] | None:
    """``required_literals`` with, for each way, whether a match that way lies within one
    run of word characters and is found there as in the whole text (every element on the
    way is one ``single_word`` accepts). None as for ``required_literals``."""
    if _parser is None or pattern.flags & ~re.UNICODE:
        return None
    try:
        ways = _flush(
            _walk(_parser.parse(pattern.pattern, pattern.flags).data, [(frozenset(), "", True)])
        )
    except Exception:  # an internal API that changed shape
        return None
    if ways is None or any(not done for done, _, _ in ways):
        return None
    return [(done, local) for done, _, local in ways]


# (runs required so far, the run being read, every element so far word-only)
_Ways = list[tuple[_Requirement, str, bool]]


def _flush(ways: _Ways | None, local: bool = True) -> _Ways | None:
    """The runs being read ended (and, unless ``local``, the ways are not word-only)."""
    if ways is None:
        return None
    return [(done | {run} if run else done, "", was and local) for done, run, was in ways]


def _walk(items: Any, ways: _Ways | None) -> _Ways | None:
    c = _constants
    for op, value in items:
        if ways is None:
            return None
        if op is c.LITERAL and _word_char(value):
            ways = [(done, run + chr(value), local) for done, run, local in ways]
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
            # Each way reads one time round; another may take another branch: the repeat as
            # a whole decides whether the ways through it are word-only.
            ways = _flush(_walk(value[2], _flush(ways)), _word_only([(op, value)]))
        else:  # anything else may match nothing or other characters: the run ends here
            ways = _flush(ways, _word_only([(op, value)]))
    return ways


# Punctuation a text may be cut at, when no rewrite of several words can match it.
_STOPS = ",;:!?()[]{}\"'/|\n\t\r«»“”„…–—•"


def _never_consumed(pattern: re.Pattern[str], mark: str) -> bool:
    """Whether no match of ``pattern`` contains ``mark`` (a character that is not a word
    character), no match is empty, and its only anchors are ``\\b`` and ``\\B``. False when
    unsure."""
    if _parser is None or pattern.flags & ~re.UNICODE or _WORD_CHAR.fullmatch(mark):
        return False
    parsed = _never_empty(pattern.pattern, pattern.flags)
    try:
        return parsed is not None and _avoids(parsed, mark) is True
    except Exception:  # an internal API that changed shape: do not cut
        return False


@lru_cache(maxsize=1024)
def _never_empty(source: str, flags: int) -> Any | None:
    """The parsed pattern when none of its matches is empty, else None (None when unsure);
    parsed once per pattern, not once per punctuation mark asked about."""
    try:
        parsed = _parser.parse(source, flags)
        return parsed if parsed.getwidth()[0] > 0 else None
    except Exception:  # an internal API that changed shape: do not cut
        return None


def _avoids(items: Any, mark: str) -> bool | None:
    """True when no element can consume ``mark``; None when unsure."""
    c = _constants
    for op, value in items:
        if op is c.LITERAL:
            if chr(value) == mark:
                return False
        elif op is c.IN:
            for kind, item in value:
                if kind is c.LITERAL:
                    if chr(item) == mark:
                        return False
                elif kind is c.RANGE:
                    if item[0] <= ord(mark) <= item[1]:
                        return False
                elif kind is c.CATEGORY and item in (c.CATEGORY_WORD, c.CATEGORY_DIGIT):
                    continue  # ``mark`` is neither
                else:  # a negated class, spaces, anything else
                    return None
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            found = _avoids(value[2], mark)
            if found is not True:
                return found
        elif op is c.SUBPATTERN and not value[1] and not value[2]:
            found = _avoids(value[3], mark)
            if found is not True:
                return found
        elif op is c.BRANCH:
            for branch in value[1]:
                found = _avoids(branch, mark)
                if found is not True:
                    return found
        elif op is c.AT and value in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY):
            continue
        else:  # any character, a negated literal, look-arounds, back-references, anchors
            return None
    return True


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


def run_text(run: LocalRun, word: str) -> str:
    """What ``run`` makes of ``word``."""
    found = run.changed.get(word)
    if found is None:  # unchanged, or forgotten meanwhile (``Rewriter._forget``)
        run.learn(word)
        found = run.changed.get(word, word)
    return found


class Rewriter:
    """``apply(text)`` is ``for pattern, canonical in rewrites: text = pattern.sub(...)``.

    Each word seen is learnt once, as a bit mask: a bit for each run of single-word rewrites
    that changes it, and one for each required run of letters it contains. A text's mask (its
    words' masks or-ed) picks the steps that may change it, kept per mask."""

    def __init__(self, rewrites: Sequence[Rewrite]) -> None:
        self._rewrites = tuple(rewrites)
        # The rewrites in order as steps: a LocalRun, or a rewrite of several words as
        # (pattern, replacement, the literal bits of each way to match, or None: any text).
        self._steps: list[LocalRun | tuple[re.Pattern[str], str, list[int] | None]] = []
        literals: dict[str, int] = {}  # every required run -> its number
        run: list[tuple[re.Pattern[str], str]] = []
        several: list[tuple[re.Pattern[str], str, list[frozenset[str]] | None]] = []
        for pattern, canonical in self._rewrites:
            replacement = f" {canonical} "
            if single_word(pattern):
                run.append((pattern, replacement))
                continue
            if run:
                self._steps.append(LocalRun(run))
                run = []
            ways = required_literals(pattern)
            for way in ways or ():
                for text in sorted(way):
                    literals.setdefault(text, len(literals))
            several.append((pattern, replacement, ways))
            self._steps.append((pattern, replacement, None))  # its bits below
        if run:
            self._steps.append(LocalRun(run))
        self._runs = [step for step in self._steps if isinstance(step, LocalRun)]
        # Bits: one per run (the lowest), then one per required literal.
        self._run_bits = [(step, 1 << i) for i, step in enumerate(self._runs)]
        self._literal_bits = [(text, 1 << (len(self._runs) + i)) for text, i in literals.items()]
        ways_of = iter(several)
        self._span_ways: list[int] = []
        for at, step in enumerate(self._steps):
            if not isinstance(step, LocalRun):
                pattern, replacement, ways = next(ways_of)
                bits = None
                if ways is not None:
                    bits = [sum(1 << (len(self._runs) + literals[t]) for t in way) for way in ways]
                    # The ways whose matches may span words (see ``spans``).
                    local = [one for _, one in literal_ways(pattern) or []]
                    self._span_ways += [b for b, one in zip(bits, local, strict=True) if not one]
                self._steps[at] = (pattern, replacement, bits)
        self._always_at = [
            at
            for at, step in enumerate(self._steps)
            if not isinstance(step, LocalRun) and step[2] is None
        ]
        self._always = bool(self._always_at)
        self._span_bits = reduce(or_, self._span_ways, 0)  # the literals that may span words
        self._run_at = [
            (at, 1 << i)
            for i, at in enumerate(
                at for at, step in enumerate(self._steps) if isinstance(step, LocalRun)
            )
        ]
        self._bit_of = dict(self._run_at)  # a run's place in the steps -> its bit
        # For each literal, the steps with a way to match needing it (and that way's bits).
        self._ways_with: list[list[tuple[int, int]]] = [[] for _ in literals]
        for at, step in enumerate(self._steps):
            if not isinstance(step, LocalRun):
                for way_bits in step[2] or ():
                    for i in range(len(literals)):
                        if way_bits >> (len(self._runs) + i) & 1:
                            self._ways_with[i].append((at, way_bits))
        self._masks: dict[str, int] = {}  # a word -> its bits
        self._plans: dict[int, tuple[int, ...]] = {}  # a text's bits -> the steps to take
        self._spans: dict[int, bool] = {}  # bits -> whether a rewrite of several words may apply
        # A few rewrites (the lexicon's case-sensitive ones, say): the runs every match of
        # each needs, one per way; a text holding none of them is left as it is at once.
        keys: set[str] | None = set()
        for pattern, _ in self._rewrites:
            ways = required_literals(pattern)
            if ways is None or keys is None:
                keys = None
                break
            keys.update(max(sorted(way), key=len) for way in ways)
        self._keys: Callable[[str], object] | None = None
        if keys is not None and len(keys) <= _FEW_KEYS:  # one search for any of them
            self._keys = re.compile("|".join(re.escape(key) for key in sorted(keys))).search
        self._cut: Callable[[str], list[str]] | None = None
        self._cut_known = False  # ``cut`` is worked out when first asked for

    @property
    def cut(self) -> Callable[[str], list[str]] | None:
        """Splits a text at characters no rewrite of several words can match or write (None
        when there are none): rewriting the parts one by one and joining them, separated by
        such characters, is rewriting the text. (Single-word rewrites match word characters
        only; the others match no such character and can match only where a ``\\b`` or
        ``\\B`` reads it as it reads the start or end of a part.)"""
        if not self._cut_known:
            self._cut, self._cut_known = self._cut_at_stops(), True
        return self._cut

    def _cut_at_stops(self) -> Callable[[str], list[str]] | None:
        """``cut``, worked out from the patterns (most questions never need it)."""
        several_words = [step for step in self._steps if not isinstance(step, LocalRun)]
        stops = [
            mark
            for mark in _STOPS
            if all(
                _never_consumed(pattern, mark) and mark not in replacement
                for pattern, replacement, _ in several_words
            )
            and all(
                mark not in replacement for run in self._runs for _, replacement in run.rewrites
            )
        ]
        return re.compile(f"[{re.escape(''.join(stops))}]+").split if stops else None

    @property
    def keys(self) -> Callable[[str], object] | None:
        """A search that finds something in every text a rewrite may change (None: no such
        search; any text may change)."""
        return self._keys

    @property
    def single_word_rewrites(self) -> int:
        """How many rewrites are applied word by word (the rest by ``pattern.sub``)."""
        return sum(len(run.rewrites) for run in self._runs)

    def _mask(self, words: list[str]) -> int:
        masks = self._masks
        try:
            return reduce(or_, map(masks.__getitem__, words), 0)
        except KeyError:  # a word not seen before: learn it
            pass
        if len(masks) >= MAX_WORDS:  # words typed by users must not grow it without end
            self._forget()
        for word in words:
            if word not in masks:
                mask = 0
                for run, bit in self._run_bits:
                    if run.learn(word):
                        mask |= bit
                for text, bit in self._literal_bits:
                    if text in word:
                        mask |= bit
                masks[word] = mask
        return reduce(or_, map(masks.__getitem__, words), 0)

    def _forget(self) -> None:
        """Drop what was learnt (each word is learnt again when next seen)."""
        self._masks.clear()
        self._plans.clear()
        self._spans.clear()
        for run in self._runs:
            run.changed.clear()

    def _plan(self, mask: int) -> tuple[int, ...]:
        """The steps that may change a text with these bits, in order: the runs that change
        one of its words, and the rewrites of several words whose required runs (of one way
        to match) are all there."""
        plan = self._plans.get(mask)
        if plan is None:
            taken = set(self._always_at)
            for at, bit in self._run_at:
                if mask & bit:
                    taken.add(at)
            literals = mask >> len(self._runs)
            while literals:  # each literal the text holds: the ways needing it
                lowest = literals & -literals
                literals ^= lowest
                for at, bits in self._ways_with[lowest.bit_length() - 1]:
                    if bits & mask == bits:
                        taken.add(at)
            plan = self._plans[mask] = tuple(sorted(taken))
        return plan

    def alone(self, word: str) -> tuple[tuple[str, ...], int]:
        """What the rewrites make of ``word`` on its own (its words, in order), and the bits
        of every form it passes through on the way.

        A text's words rewritten one by one give ``apply_words``'s words whenever no rewrite
        can match across words on the way (``spans`` of the words' bits or-ed is false): a
        rewrite of several words then only matches in one word of the text at a time, the
        ways it matches there are word-only (``literal_ways``), and the text's bits at any
        step are among those of its words' forms."""
        forms = [word]
        reached = self._mask(forms)
        for at, step in enumerate(self._steps):
            rewritten: list[str] = []
            if isinstance(step, LocalRun):
                bit = self._bit_of[at]
                if not reached & bit:
                    continue  # no form so far is changed by this run
                for form in forms:
                    if self._mask([form]) & bit:
                        rewritten += _WORD.findall(run_text(step, form))
                    else:
                        rewritten.append(form)
            else:
                pattern, replacement, ways = step
                if ways is not None and not any(bits & reached == bits for bits in ways):
                    continue  # it cannot match any form so far
                for form in forms:
                    rewritten += _WORD.findall(pattern.sub(replacement, form))
            forms = rewritten
            reached |= self._mask(forms)
        return tuple(forms), reached

    def spans(self, mask: int) -> bool:
        """Whether a rewrite may match across words (or anything) in a text whose words, in
        any of their forms, have these bits."""
        if self._always:
            return True
        mask &= self._span_bits
        found = self._spans.get(mask)
        if found is None:
            found = self._spans[mask] = any(bits & mask == bits for bits in self._span_ways)
        return found

    def apply(self, text: str) -> str:
        return self.apply_words(text)[0]

    def apply_words(self, text: str) -> tuple[str, list[str] | None]:
        """``apply(text)`` and its words (``\\w+``), or None for the words when not read."""
        if self._keys is not None and not self._keys(text):
            return text, None
        words = _WORD.findall(text)
        mask = self._mask(words)
        if not mask and not self._always:
            return text, words
        steps, plan, done = self._steps, self._plan(mask), -1
        while True:
            at = next((at for at in plan if at > done), None)
            if at is None:
                return text, words
            done = at
            step = steps[at]
            if isinstance(step, LocalRun):
                text = _WORD.sub(step.replace, text)
            else:
                rewritten = step[0].sub(step[1], text)
                if rewritten == text:
                    continue
                text = rewritten
            words = _WORD.findall(text)
            plan = self._plan(self._mask(words))
