"""The profile chart: the 5 areas and the 21 competences as bars on the 1–8 level scale, with
the previous result's areas alongside after a retake. Drawn with matplotlib's headless Agg
canvas (a bare Figure, no pyplot); matplotlib is imported on first use to keep start-up fast."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flows.digcomp.content import Competence
from flows.digcomp.scoring import Profile

if TYPE_CHECKING:
    from matplotlib.axes import Axes

AREA_COLOURS = {"1": "#2b6cb0", "2": "#2f855a", "3": "#dd6b20", "4": "#c53030", "5": "#6b46c1"}
BAND_SHADES = ("#f7fafc", "#edf2f7", "#e2e8f0", "#cbd5e0")
PREVIOUS_COLOUR = "#a0aec0"


@dataclass(frozen=True)
class ChartLabels:
    """Every text the chart shows, already in the user's language."""

    title: str
    areas_title: str
    competences_title: str
    level_axis: str
    now: str
    before: str
    skipped: str
    area_names: Mapping[str, str]
    competence_labels: Mapping[str, str]
    band_names: Sequence[str]


def render_chart(
    profile: Profile,
    competences: Sequence[Competence],
    labels: ChartLabels,
    previous_areas: Mapping[str, int | None] | None = None,
    *,
    size: tuple[float, float] = (8.0, 10.0),
    dpi: int = 110,
) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.figure import Figure  # a bare Figure draws on the Agg canvas: no display

    figure = Figure(figsize=size, dpi=dpi, layout="constrained")
    top, bottom = figure.subplots(2, 1, height_ratios=(5, 21 * 0.8))
    figure.suptitle(labels.title, fontsize=13, fontweight="bold")
    _areas(top, profile, labels, previous_areas)
    _competences(bottom, profile, competences, labels)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _shade_bands(axes: Axes, labels: ChartLabels, *, names: bool) -> None:
    for index, shade in enumerate(BAND_SHADES):
        axes.axvspan(index * 2, index * 2 + 2, color=shade, zorder=0)
        if names:
            axes.text(
                index * 2 + 1,
                1.01,
                labels.band_names[index],
                transform=axes.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=7.5,
                color="#4a5568",
            )
    axes.set_xlim(0, 8.45)
    axes.set_xticks(range(1, 9))
    axes.grid(axis="x", color="white", linewidth=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _areas(
    axes: Axes,
    profile: Profile,
    labels: ChartLabels,
    previous: Mapping[str, int | None] | None,
) -> None:
    codes = list(profile.areas)
    rows = list(range(len(codes)))[::-1]
    height = 0.38 if previous else 0.6
    offset = height / 2 if previous else 0.0
    _shade_bands(axes, labels, names=True)
    now = [profile.areas[c] or 0 for c in codes]
    axes.barh(
        [r + offset for r in rows],
        now,
        height=height,
        zorder=2,
        label=labels.now,
        color=[AREA_COLOURS.get(c, "#4a5568") for c in codes],
    )
    for row, value in zip(rows, now, strict=True):
        text = str(value) if value else labels.skipped
        axes.text(max(value, 0) + 0.08, row + offset, text, va="center", fontsize=9, zorder=3)
    if previous:
        before = [previous.get(c) or 0 for c in codes]
        axes.barh(
            [r - offset for r in rows],
            before,
            height=height,
            zorder=2,
            color=PREVIOUS_COLOUR,
            label=labels.before,
        )
        for row, value in zip(rows, before, strict=True):
            if value:
                axes.text(
                    value + 0.08,
                    row - offset,
                    str(value),
                    va="center",
                    fontsize=8,
                    color="#4a5568",
                    zorder=3,
                )
        axes.legend(
            loc="upper right", bbox_to_anchor=(1.0, -0.14), ncol=2, fontsize=8, frameon=False
        )
    axes.set_yticks(rows, [f"{c}. {labels.area_names[c]}" for c in codes], fontsize=9)
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_title(labels.areas_title, loc="left", fontsize=11, pad=14)


def _competences(
    axes: Axes, profile: Profile, competences: Sequence[Competence], labels: ChartLabels
) -> None:
    rows = list(range(len(competences)))[::-1]
    _shade_bands(axes, labels, names=False)
    values = [profile.competences.get(c.code) or 0 for c in competences]
    axes.barh(
        rows,
        values,
        height=0.65,
        zorder=2,
        color=[AREA_COLOURS.get(c.area, "#4a5568") for c in competences],
    )
    for row, value in zip(rows, values, strict=True):
        text = str(value) if value else labels.skipped
        axes.text(value + 0.08, row, text, va="center", fontsize=8, zorder=3)
    axes.set_yticks(rows, [labels.competence_labels[c.code] for c in competences], fontsize=8)
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_xlabel(labels.level_axis, fontsize=9)
    axes.set_title(labels.competences_title, loc="left", fontsize=11)
