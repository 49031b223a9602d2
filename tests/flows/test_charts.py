"""The PNG charts drawn with Pillow: the DigComp profile chart and the risk heat map."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageColor

from flows.digcomp.chart import (
    AREA_COLOURS,
    KEY_POINTS,
    PREVIOUS_COLOUR,
    _band_key,
    _wrap,
    render_chart,
)
from flows.digcomp.flow import DigCompFlow
from flows.digcomp.report import PAGE_DPI, PHONE_DPI, PHONE_SIZE, Previous, Report
from flows.digcomp.scoring import Profile
from flows.fonts import font_path, load_font
from flows.risks.flow import RiskFlow
from flows.risks.register import LEVEL_COLOURS, RegisterReport
from flows.risks.scoring import Risk

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 25)
BEFORE = Previous(date(2026, 3, 1), {"1": 3, "2": 4, "3": None, "4": 2, "5": 6})


@pytest.fixture(scope="module")
def flow() -> DigCompFlow:
    return DigCompFlow(clock=lambda: TODAY)


def profile_of(flow: DigCompFlow, skipped_area: str | None = None) -> Profile:
    levels = {c.code: 1 + i % 8 for i, c in enumerate(flow.competences)}
    for competence in flow.competences:
        if competence.area == skipped_area:
            levels[competence.code] = None
    areas = {a: None if a == skipped_area else 2 + int(a) for a in AREA_COLOURS}
    return Profile(competences=levels, areas=areas, overall=4)


def report(flow: DigCompFlow, lang: str = "lv", **kwargs: object) -> Report:
    profile = kwargs.pop("profile", None) or profile_of(flow)
    return Report(
        flow.texts, flow.competences, profile, mode="quick", when=TODAY, lang=lang, **kwargs
    )


def opened(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def pixels(image: Image.Image) -> dict[tuple[int, int, int], int]:
    """How many pixels of each colour."""
    colours = image.getcolors(maxcolors=image.width * image.height)
    assert colours is not None
    return {colour: count for count, colour in colours}


def rgb(colour: str) -> tuple[int, int, int]:
    return ImageColor.getrgb(colour)[:3]


def ink_columns(image: Image.Image, x0: int, x1: int) -> bool:
    """Whether anything but white is in the columns x0..x1."""
    return image.crop((x0, 0, x1, image.height)).getextrema() != ((255, 255),) * 3


@pytest.mark.parametrize("lang", ["lv", "en"])
@pytest.mark.parametrize("previous", [None, BEFORE])
def test_the_profile_chart_has_its_size_and_every_area_colour(
    flow: DigCompFlow, lang: str, previous: Previous | None
) -> None:
    image = opened(report(flow, lang, previous=previous).chart())
    assert image.size == (1080, 1920)  # portrait, for a chat bubble on a phone
    counts = pixels(image)
    assert len(counts) > 50  # bars, bands, anti-aliased text: not blank
    for colour in AREA_COLOURS.values():
        assert counts.get(rgb(colour), 0) > 1000, colour
    grey = counts.get(rgb(PREVIOUS_COLOUR), 0)
    assert grey > 1000 if previous else grey < 50
    assert not ink_columns(image, 0, 3) and not ink_columns(image, 1077, 1080)


def test_the_chart_for_the_pdf_has_the_page_proportions(flow: DigCompFlow) -> None:
    image = opened(report(flow, previous=BEFORE).chart(size=(9.0, 6.6), dpi=PAGE_DPI))
    assert image.size == (990, 726)


def test_a_skipped_area_and_its_competences_have_no_bars(flow: DigCompFlow) -> None:
    skipped = report(flow, profile=profile_of(flow, skipped_area="4"), previous=BEFORE)
    for size, dpi in (((8.0, 10.0), PAGE_DPI), (PHONE_SIZE, PHONE_DPI)):
        counts = pixels(opened(skipped.chart(size=size, dpi=dpi)))
        scale = (dpi / PAGE_DPI) ** 2  # a legend swatch's pixels grow with the resolution
        # The red area: no bars (its stripe in the legend's swatch is some 50 pixels).
        assert counts.get(rgb(AREA_COLOURS["4"]), 0) < 100 * scale
        for area in "1235":
            assert counts.get(rgb(AREA_COLOURS[area]), 0) > 1000


def test_very_long_labels_are_wrapped_inside_the_image(flow: DigCompFlow) -> None:
    result = report(flow, previous=BEFORE)
    labels = result.chart_labels()
    long_name = "Ļoti gara jomas nosaukuma etiķete ar ģērbšanās, čūskas un ņaudošas žirafes vārdiem"
    long_labels = dataclasses.replace(
        labels,
        area_names={a: f"{long_name} {a}" for a in labels.area_names},
        competence_labels={
            code: f"{text} — {long_name}" for code, text in labels.competence_labels.items()
        },
    )
    long_labels.competence_labels["1.1"] = "Nepārtrauktsvārdsbezatstarpēm" * 4  # one word
    for size, pixels_size in (((8.0, 10.0), (880, 1100)), ((9.0, 6.6), (990, 726))):
        data = render_chart(result.profile, flow.competences, long_labels, BEFORE.areas, size=size)
        image = opened(data)
        assert image.size == pixels_size
        assert not ink_columns(image, 0, 3)  # nothing runs off the left edge
        assert not ink_columns(image, image.width - 3, image.width)
        counts = pixels(image)
        for colour in AREA_COLOURS.values():  # the plot keeps its room
            assert counts.get(rgb(colour), 0) > 300, colour


def test_wrapping_keeps_every_word_and_each_line_fits() -> None:
    font = load_font(22)
    text = "Ļoti gara etiķete, kas neietilpst grafikā, un Pārāklaršaurskolonnaivārds"
    lines = _wrap(text, font, 160)
    assert len(lines) > 2
    assert all(font.getlength(line) <= 160 for line in lines)
    assert " ".join(lines).replace("- ", "") == text
    assert _wrap("īss", font, 160) == ["īss"]


def test_the_heat_map_shows_the_band_colours() -> None:
    flow = RiskFlow(clock=lambda: TODAY)
    items = flow.content.items
    cells = [(5, 5)] * 18 + [(3, 3), (1, 1), (5, 1), (2, 4)]  # a crowded cell as well
    risks = [
        Risk(items[i % len(items)], "flag", likelihood, impact, "reduce", None, None)
        for i, (likelihood, impact) in enumerate(cells)
    ]
    for lang in ("lv", "en"):
        register = RegisterReport(
            flow.texts, flow.content, risks, {}, project="ĢĒRBŠANĀS", when=TODAY, lang=lang
        )
        heatmap = register.heatmap()
        assert heatmap.is_image and heatmap.filename.endswith(".png")
        image = opened(heatmap.data)
        assert image.size == (704, 660)
        counts = pixels(image)
        for colour in LEVEL_COLOURS.values():
            assert counts.get(rgb(colour), 0) > 5000, colour
        assert not ink_columns(image, 0, 3) and not ink_columns(image, 701, 704)


def test_the_fonts_are_dejavu_sans() -> None:
    assert font_path().name == "DejaVuSans.ttf"
    assert font_path(bold=True).name == "DejaVuSans-Bold.ttf"
    assert load_font(20) is load_font(20)


SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from datetime import date
from flows.digcomp.flow import DigCompFlow
from flows.digcomp.report import Previous, Report
from flows.digcomp.scoring import Profile
from flows.risks.flow import RiskFlow
from flows.risks.register import RegisterReport
from flows.risks.scoring import Risk

flow = DigCompFlow()
flow.warm_up()
profile = Profile({{c.code: 3 for c in flow.competences}}, {{a: 3 for a in "12345"}}, 3)
previous = Previous(date(2026, 3, 1), {{a: 2 for a in "12345"}})
result = Report(flow.texts, flow.competences, profile, mode="quick", when=date(2026, 11, 25),
                lang="lv", previous=previous)
result.chart_file().data, result.pdf_file().data
risks = RiskFlow()
risks.warm_up()
risk = Risk(risks.content.items[0], "flag", 4, 4, "reduce", None, None)
RegisterReport(risks.texts, risks.content, [risk], {{}}, project="P", when=date(2026, 11, 25),
               lang="lv").heatmap().data
print(sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib"))
"""


def test_drawing_the_charts_and_the_pdf_does_not_load_matplotlib() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert done.stdout.strip() == "[]"


def test_the_bands_are_named_in_one_key_under_the_title() -> None:
    """Item 8: the band names, squeezed over their two levels, came out a few pixels high on a
    phone; they are one key line at a readable size under the title instead."""
    names = ["foundation", "intermediate", "advanced", "highly specialised"]
    key = "1–2 foundation · 3–4 intermediate · 5–6 advanced · 7–8 highly specialised"
    assert _band_key(names) == key
    assert KEY_POINTS >= 8  # as large as the competence labels (27 px in the phone chart)
