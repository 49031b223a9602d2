"""Turning a profile into what the user sees: the chat messages, the chart and the PDF summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flows.digcomp.content import BANDS, Competence
from flows.digcomp.scoring import Profile, band_of, next_band, weakest
from flows.engine import FileSpec
from knowledge.texts import Catalogue

if TYPE_CHECKING:  # the drawing modules are imported when a chart or PDF is made
    from PIL.Image import Image

    from flows.digcomp.chart import ChartLabels


@dataclass(frozen=True)
class Previous:
    """The result a retake is compared with."""

    when: date
    areas: Mapping[str, int | None]
    mode: str | None = None  # None: a result kept before modes were recorded with it

    def comparable(self, mode: str) -> bool:
        """Like is compared with like: the quick mode cannot show levels above 5."""
        return self.mode is None or self.mode == mode


PHONE_SIZE, PHONE_DPI = (4.5, 8.0), 240  # inches, dots per inch: the chart sent in chat
PAGE_DPI = 110  # the chart drawn for the PDF page

# The areas' colours in the chart, as emoji for the chat text.
AREA_MARKERS = {"1": "🟦", "2": "🟩", "3": "🟧", "4": "🟥", "5": "🟪"}


class Report:
    """Builds the texts and files of one result in one language."""

    def __init__(
        self,
        texts: Catalogue,
        competences: Sequence[Competence],
        profile: Profile,
        *,
        mode: str,
        when: date,
        lang: str,
        previous: Previous | None = None,
        name: str = "",
    ) -> None:
        self.texts = texts
        self.competences = competences
        self.by_code = {c.code: c for c in competences}
        self.profile = profile
        self.mode = mode
        self.when = when
        self.lang = lang
        self.previous = previous
        self.name = name  # printed on the PDF ("" : no name)

    def t(self, key: str, **values: object) -> str:
        return self.texts.text(key, self.lang, **values)

    # ---- texts -------------------------------------------------------------------------
    @property
    def date_text(self) -> str:
        return self.when.strftime("%d.%m.%Y")

    @property
    def mode_name(self) -> str:
        return self.t(f"digcomp.mode.name_{self.mode}")

    def band_name(self, level: int, *, short: bool = True) -> str:
        group = "band_short" if short else "band"
        return self.t(f"digcomp.{group}.{band_of(level)}")

    def overall_line(self) -> str:
        level = self.profile.overall or 1
        return self.t(
            "digcomp.result.overall", level=level, band=self.band_name(level, short=False)
        )

    def area_lines(self, *, with_competences: bool) -> list[str]:
        lines: list[str] = []
        for area, level in self.profile.areas.items():
            values = {"marker": AREA_MARKERS.get(area, "▪️"), "number": area}
            values["name"] = self.t(f"digcomp.area.{area}")
            if level is None:
                lines.append(self.t("digcomp.result.area_not_assessed", **values))
            else:
                band = self.band_name(level)
                lines.append(self.t("digcomp.result.area_line", level=level, band=band, **values))
            if with_competences:
                for competence in self.competences:
                    if competence.area == area:
                        lines.append(self._competence_line(competence))
        return lines

    def _competence_line(self, competence: Competence) -> str:
        level = self.profile.competences.get(competence.code)
        shown = str(level) if level else self.t("digcomp.result.not_assessed")
        return self.t(
            "digcomp.result.competence_line",
            code=competence.code,
            short=competence.short.get(self.lang),
            level=shown,
        )

    def summary_message(self) -> str:
        """The short result for a phone: overall level and what it means, the five areas (with
        the change since last time when comparable), and where the details are."""
        level = self.profile.overall or 1
        meaning = self.t(f"digcomp.band_meaning.{band_of(level)}")
        previous = self.previous
        comparable = previous is not None and previous.comparable(self.mode)
        lines = [
            self.t("digcomp.result.heading", mode=self.mode_name, date=self.date_text),
            self.overall_line(),
            self.t("digcomp.summary.meaning", meaning=meaning),
            "",
        ]
        for line, (area, after) in zip(
            self.area_lines(with_competences=False), self.profile.areas.items(), strict=True
        ):
            before = previous.areas.get(area) if previous and comparable else None
            if before is not None and after is not None and before != after:
                when = previous.when.strftime("%d.%m.%Y") if previous else ""
                delta = f"{after - before:+d}"
                line += ", " + self.t("digcomp.summary.change_delta", delta=delta, date=when)
            lines.append(line)
        lines.append("")
        if previous is not None and not comparable:
            other = self.t(f"digcomp.mode.name_{previous.mode}")
            when = previous.when.strftime("%d.%m.%Y")
            lines.append(self.t("digcomp.summary.other_mode", date=when, mode=other))
        elif self.mode == "quick":
            lines.append(self.t("digcomp.result.quick_cap"))
        lines.append(self.t("digcomp.summary.self_perceived"))
        return "\n".join(lines)

    def competences_message(self) -> str:
        return "\n".join(
            [
                self.t("digcomp.result.heading", mode=self.mode_name, date=self.date_text),
                "",
                *self.area_lines(with_competences=True),
                "",
                self.t("digcomp.result.levels_hint"),
            ]
        )

    def change_message(self) -> str | None:
        if self.previous is None or not self.previous.comparable(self.mode):
            return None
        lines = [self.t("digcomp.change.heading", date=self.previous.when.strftime("%d.%m.%Y"))]
        for area, after in self.profile.areas.items():
            before = self.previous.areas.get(area)
            if before is None or after is None:
                delta = self.t("digcomp.change.none")
            elif before == after:
                delta = self.t("digcomp.change.same")
            else:
                delta = f"{after - before:+d}"
            lines.append(
                self.t(
                    "digcomp.change.line",
                    number=area,
                    name=self.t(f"digcomp.area.{area}"),
                    before=before if before is not None else "—",
                    after=after if after is not None else "—",
                    delta=delta,
                )
            )
        return "\n".join(lines)

    def weakest_items(self) -> list[str]:
        items = []
        for index, code in enumerate(weakest(self.profile, self.competences), start=1):
            competence = self.by_code[code]
            level = self.profile.competences[code] or 1
            band = next_band(level)
            values = {
                "index": index,
                "code": code,
                "name": competence.short.get(self.lang),
                "level": level,
                "practise": competence.practise.get(self.lang),
            }
            if band is None:
                items.append(self.t("digcomp.next.item_top", **values))
            else:
                example = competence.statements[band].get(self.lang)
                items.append(self.t("digcomp.next.item", example=example, **values))
        return items

    def next_steps_message(self) -> str:
        return "\n\n".join(
            [self.t("digcomp.next.heading"), *self.weakest_items(), self.t("digcomp.next.tools")]
        )

    def note_message(self) -> str:
        return self.t("digcomp.note")

    # ---- files -------------------------------------------------------------------------
    def chart_labels(self) -> ChartLabels:
        from flows.digcomp.chart import ChartLabels

        previous_label = ""
        if self.previous is not None:
            previous_label = self.t(
                "digcomp.chart.before", date=self.previous.when.strftime("%d.%m.%Y")
            )
        return ChartLabels(
            title=self.t(
                "digcomp.chart.title",
                level=self.profile.overall or 1,
                mode=self.t(f"digcomp.chart.mode_{self.mode}"),
                date=self.date_text,
            ),
            areas_title=self.t("digcomp.chart.areas"),
            competences_title=self.t("digcomp.chart.competences"),
            level_axis=self.t("digcomp.chart.level_axis"),
            now=self.t("digcomp.chart.now"),
            before=previous_label,
            skipped=self.t("digcomp.chart.skipped"),
            area_names={a: self.t(f"digcomp.area.{a}") for a in self.profile.areas},
            competence_labels={
                c.code: f"{c.code} {c.short.get(self.lang)}" for c in self.competences
            },
            band_names=[self.t(f"digcomp.band_short.{b}") for b in BANDS],
        )

    def chart(self, size: tuple[float, float] = PHONE_SIZE, dpi: int = PHONE_DPI) -> bytes:
        """The profile chart; by default portrait for a chat bubble on a phone (1080 × 1920 px,
        its text about 11 px high when a phone shows it 360 px wide)."""
        from flows.digcomp.chart import render_chart

        labels, previous = self.chart_labels(), self._compared_areas()
        return render_chart(self.profile, self.competences, labels, previous, size=size, dpi=dpi)

    def chart_image(self, size: tuple[float, float], dpi: int) -> Image:
        """The same chart as a Pillow image, for the PDF to embed without a PNG in between."""
        from flows.digcomp.chart import draw_chart

        labels, previous = self.chart_labels(), self._compared_areas()
        return draw_chart(self.profile, self.competences, labels, previous, size=size, dpi=dpi)

    def _compared_areas(self) -> Mapping[str, int | None] | None:
        """The previous result's areas, when it is comparable with this one."""
        if self.previous is None or not self.previous.comparable(self.mode):
            return None
        return self.previous.areas

    def chart_file(self) -> FileSpec:
        level = self.profile.overall or 1
        caption = self.t("digcomp.result.chart_caption", level=level, band=self.band_name(level))
        name = f"{self.t('digcomp.result.chart_name')}-{self.when.isoformat()}.png"
        return FileSpec(name, self.chart, caption=caption, is_image=True)

    def pdf_file(self, action: tuple[str, str] | None = None, *, ask: bool = False) -> FileSpec:
        """The PDF; ``ask``: its caption asks whether to print the user's name (``action``
        is the button that does it)."""
        name = f"{self.t('digcomp.result.pdf_name')}-{self.when.isoformat()}.pdf"
        caption = self.t("digcomp.result.pdf_caption")
        if ask:
            caption += "\n" + self.t("digcomp.result.pdf_ask")
        return FileSpec(name, self.pdf_bytes, caption=caption, action=action)

    def pdf_bytes(self) -> bytes:
        from flows.digcomp.document import CHART_SIZE, SummaryDocument, render_pdf

        document = SummaryDocument(
            title=self.t("digcomp.pdf.title"),
            name=self.t("digcomp.pdf.name_line", name=self.name) if self.name else "",
            meta=self.t("digcomp.pdf.meta", mode=self.mode_name, date=self.date_text),
            overall=self.overall_line(),
            chart=self.chart_image(CHART_SIZE, PAGE_DPI),
            weakest_title=self.t("digcomp.pdf.weakest"),
            weakest=[item.replace("👉", "→") for item in self.weakest_items()],  # no emoji font
            note=self.note_message().removeprefix("ℹ️ "),
            sources=self.t("digcomp.pdf.sources"),
        )
        return render_pdf(document)


def rehearse() -> None:
    """Build one sample result's chart and PDF and drop them: loads and exercises everything a
    real result uses (Pillow, fpdf2 and its font subsetting, the parsed fonts), so the next
    one is built warm (the document helper runs this when it starts)."""
    from flows.digcomp.content import default_competences
    from flows.digcomp.scoring import profile_from_levels
    from flows.texts import load_flow_texts

    competences = default_competences()
    profile = profile_from_levels({c.code: 4 for c in competences}, competences)
    report = Report(
        load_flow_texts("digcomp"), competences, profile, mode="quick", when=date.today(), lang="lv"
    )
    report.chart()
    report.pdf_bytes()
