"""``python -m bot validate``: the real content passes; each kind of broken file is named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_command

GOOD_ENTRY = """
entries:
  - id: sample-entry
    section: "1.3"
    title: {lv: Paraugs, en: Sample}
    questions:
      lv: [kas ir paraugs, parauga jautājums]
      en: [what is a sample, sample question]
    answer: {lv: Atbilde., en: Answer.}
    links: [{name: EPALE, url: "https://epale.ec.europa.eu/lv"}]
"""


def validate(directory: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = ["validate"] if directory is None else ["validate", "--dir", str(directory)]
    return run_command(args)  # in this process; the shipped content's test starts a real one


def test_shipped_content_is_valid() -> None:
    args = [sys.executable, "-m", "bot", "validate"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    count = int(result.stdout.split()[1])
    assert count >= 150


def test_good_sample_passes(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD_ENTRY, encoding="utf-8")
    assert validate(tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace("en: Answer.", "en: ''"), "sample-entry.answer.en"),
        (lambda t: t.replace("{lv: Atbilde., en: Answer.}", "{lv: Atbilde.}"), "answer.en"),
        (lambda t: t.replace("https://epale.ec.europa.eu/lv", "epale"), "links[0]"),
        (lambda t: t.replace("id: sample-entry", "id: Sample Entry"), "entries[0]"),
        (lambda t: t + "    related: [nowhere]\n", "no entry 'nowhere'"),
        (lambda t: t + "    flows: [nosuchflow]\n", "no flow 'nosuchflow'"),
        (lambda t: t.replace("Atbilde.", "A" * 701), "longer than 700"),
        (
            lambda t: t.replace("title: {", "title: [").replace("en: Sample}", "en: Sample]"),
            "title",
        ),
        (lambda t: t + "  - {{{broken", "not valid YAML"),
        (lambda t: t + t.replace("entries:\n", ""), "duplicate id"),
        # issue 12: each class of content problem found in the read against the seed
        (
            lambda t: t.replace(
                "lv: Atbilde.",
                "lv: Atbilde. The table of the e-material did not survive extraction.",
            ),
            "English sentence in the Latvian text",
        ),
        (
            lambda t: t.replace(
                "en: Answer.", "en: Answer. Tas ir par projektu un tā rezultātiem kopā."
            ),
            "Latvian sentence in the English text",
        ),
        (lambda t: t.replace("lv: Atbilde.", "lv: Jautā ja tev vajag."), "'tu' form"),
        (lambda t: t.replace('section: "1.3"', "section: Pielikums 9"), "sections.yaml"),
        (lambda t: t + '    source: "DigComp 2.2"\n', "both languages"),
        (
            lambda t: t.replace(
                "https://epale.ec.europa.eu/lv",
                "https://eur-lex.europa.eu/legal-content/LV/TXT/?uri=CELEX:52020DC0275",
            ),
            "Commission proposal",
        ),
        (
            lambda t: t.replace(
                "lv: Atbilde.", "lv: Projekts Nr. 2021-1-BE03-KA220-000033175."
            ).replace(
                "https://epale.ec.europa.eu/lv",
                "https://skola.lv/projekts-2020-1-at01-ka229-078094/",
            ),
            "is about project",
        ),
        (lambda t: t.replace("lv: Atbilde.", "lv: Jautā partnerim."), "'tu' form(s) Jautā"),
        (lambda t: t.replace("lv: Atbilde.", "lv: Atbilde. Skati pielikumu."), "skati"),
        (
            lambda t: t.replace("en: Answer.", "en: See section Pielikums 2."),
            "Latvian section name in the English text",
        ),
        (
            lambda t: t.replace("name: EPALE", "name: Pieaugušo izglītības platforma"),
            "Latvian name",
        ),
        (
            lambda t: t.replace("en: Answer.", "en: DigComp 2.2 is the latest version."),
            "latest or newer version",
        ),
        # an entry of own advice or outside facts names its real source, not the e-material
        (lambda t: t + "    origin: mine\n", "expected one of seed, own, external"),
        (lambda t: t + "    origin: own\n", "origin own: name the real source"),
        (
            lambda t: (
                t
                + "    origin: external\n    source: {lv: 'e-materiāla 1.2. sadaļa',"
                + " en: 'the e-material, section 1.2'}\n"
            ),
            "names only the e-material",
        ),
        (
            lambda t: t + "    source: {lv: DigComp 2.2, en: DigComp 2.2, url: jrc}\n",
            "source.url",
        ),
    ],
)
def test_broken_content_names_file_and_entry(tmp_path: Path, change, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(change(GOOD_ENTRY), encoding="utf-8")
    result = validate(tmp_path)
    assert result.returncode != 0
    assert "broken.yaml" in result.stderr and expected in result.stderr


def test_own_advice_with_its_real_source_passes(tmp_path: Path) -> None:
    own = GOOD_ENTRY + (
        "    origin: own\n    source:\n"
        "      lv: Ceļveža padoms, balstīts uz e-materiāla 1.2. sadaļu\n"
        "      en: Ceļvedis's own advice, based on section 1.2 of the e-material\n"
        "      url: https://example.org/advice\n"
    )
    (tmp_path / "a.yaml").write_text(own, encoding="utf-8")
    assert validate(tmp_path).returncode == 0


def test_the_corrections_of_issue_12_hold_in_the_shipped_content() -> None:
    """DigComp 3.0 (JRC, 2025) named with its source; the adopted Council Recommendation, not
    the proposal; the SG4S entries link no other project's page."""
    from knowledge.loader import load_knowledge

    kb = load_knowledge(["digcomp", "risks", "partners", "sustainability"])
    what = kb.get("digcomp-what")
    assert what is not None and what.source is not None
    for lang in ("lv", "en"):
        assert "DigComp 3.0" in what.answer.get(lang) and "2025" in what.answer.get(lang)
        assert "JRC" in what.source.get(lang)
    urls = [link.url for entry in kb.entries for link in entry.links]
    assert any("32020H1202(01)" in url for url in urls)
    assert not any("52020DC0275" in url or "078094" in url for url in urls)
