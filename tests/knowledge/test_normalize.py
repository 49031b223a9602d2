"""Normalisation: diacritics, case, punctuation, stop words, stems and synonyms."""

from __future__ import annotations

import pytest

from knowledge.normalize import content_tokens, fold, stem


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
