"""Normalisation: diacritics, case, punctuation, stop words, stems and synonyms."""

from __future__ import annotations

import random
import re

import pytest

from flows.registry import default_registry
from knowledge.evaluation import load_eval_set
from knowledge.lexicon import lexicon
from knowledge.loader import load_knowledge
from knowledge.normalize import TextCache, content_tokens, fold, stem, tokens


def test_fold_removes_diacritics_and_case() -> None:
    assert fold("Kur MEKLĒT partnerus? Ķēķis, ļoti, ņem, žogs") == (
        "kur meklet partnerus? kekis, loti, nem, zogs"
    )


def test_inflected_forms_share_a_stem() -> None:
    forms = ["partneri", "partnerus", "partneru", "partneriem", "partneris", "partnerim"]
    assert len({stem(fold(f)) for f in forms}) == 1


def test_with_and_without_diacritics_give_the_same_tokens() -> None:
    assert content_tokens("Kā novērtēt riskus?") == content_tokens("ka novertet riskus")


def test_stop_words_and_punctuation_are_dropped() -> None:
    assert content_tokens("Kas ir ... un kā?!") == []
    assert content_tokens("What is the, of and?") == []


def test_synonyms_become_one_token() -> None:
    for text in ("KA2", "ka 2", "Key Action 2", "2. pamatdarbība"):
        assert content_tokens(text) == ["ka2"], text
    for text in ("CoVE", "profesionālās izcilības centri", "centre of vocational excellence"):
        assert content_tokens(text) == ["cove"], text
    assert content_tokens("e-Twinning") == ["etwinning"]
    assert content_tokens("Erasmus+") == ["erasmus"]
    assert "vet" in content_tokens("PII") and "vet" in content_tokens("profesionālās izglītības")


def test_short_abbreviations_are_not_stemmed() -> None:
    assert stem("vet") == "vet" and stem("ka2") == "ka2"


@pytest.mark.parametrize(
    "family",
    [
        ("novērtēšana", "novērtējums", "novērtējumu"),
        ("ilgtspēja", "ilgtspējīgs", "ilgtspējīgus"),
        ("izplatīšana", "izplatīšanai", "izplatot"),
    ],
)
def test_derived_latvian_words_share_a_stem(family: tuple[str, ...]) -> None:
    assert len({stem(fold(word)) for word in family}) == 1


def test_section_numbers_stay_one_token_and_dates_do_not() -> None:
    assert content_tokens("kompetence 2.1?") != content_tokens("kompetence 1.2?")
    assert "4_3" in content_tokens("competence 4.3.")
    assert content_tokens("18.12.2006.") == ["18", "12", "2006"]


def _whole_text(text: str) -> list[str]:
    """``content_tokens`` with the synonyms applied to the whole text, one ``pattern.sub``
    per rewrite in turn (the definition the word-by-word reading must match)."""
    lex = lexicon()

    def rewrite(rewrites: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str:
        for pattern, canonical in rewrites:
            text = pattern.sub(f" {canonical} ", text)
        return text

    text = rewrite(lex.before_folding, rewrite(lex.case_sensitive, text).casefold())
    folded = fold(text).replace("+", " plus ").replace("erasmus plus", "erasmus")
    folded = re.sub(r"(?<![\d.])(\d)\.(\d)(?!\d|\.\d)", r"\1_\2", folded)
    words = re.findall(r"\w+", rewrite(lex.synonyms, folded))
    found = []
    for word in words:
        if word in lex.stop_words or word == "plus":
            continue
        found.append(word if word in lex.canonical_tokens else stem(word))
    return found


def test_content_tokens_and_the_build_cache_are_the_whole_text_rewritten() -> None:
    knowledge = load_knowledge(default_registry().ids())
    texts = [item.question for item in load_eval_set()]
    texts += ["ES un es", "Termiņš un termins", "Erasmus+ KA2", "ERASMUS PLUS", "2.1. un 3.2"]
    for entry in knowledge.entries:
        for lang in ("lv", "en"):
            texts += [*entry.questions[lang], entry.title.get(lang), entry.answer.get(lang)]
    rng = random.Random(4)
    words = [word for text in texts for word in text.split()]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(2000)]
    cache = TextCache()
    for text in texts:
        expected = _whole_text(text)
        assert content_tokens(text) == expected, text
        assert cache.content(text) == expected, text
        assert cache.tokens(text) == tokens(text), text
        assert cache.content(text) is cache.content(text)  # computed once
