"""The partner-search guide: the e-material's seven tips in the order that fits the project's
stage, and a partner-search call in Latvian and English to post on EPALE or eTwinning, in chat
and as an editable DOCX. Saved with the active project; one answer can be changed later."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from flows.dates import local_date, local_today, show_date
from flows.engine import (
    EDIT,
    Completion,
    FileSpec,
    FlowState,
    Landing,
    Option,
    Record,
    Step,
)
from flows.project_tool import ProjectTool
from flows.texts import CONTENT_DIR, load_flow_texts
from knowledge.texts import LANGUAGES, Catalogue

ORGS = ("vet", "company", "ngo", "higher", "chamber", "public")
STAGES = ("idea", "draft", "ready")
TEXT_STEPS = ("field", "country", "goals", "activities", "results", "role")
PICK = "pick"
# The seven tips, ordered by how far the idea has come: at the idea stage people and events come
# first; with a draft, a clear summary and the platforms; nearly ready, the platforms and contacts.
TIP_ORDER = {
    "idea": ("networks", "events", "early", "goals", "diversity", "platforms", "communication"),
    "draft": ("goals", "platforms", "networks", "diversity", "early", "events", "communication"),
    "ready": ("platforms", "networks", "communication", "goals", "diversity", "events", "early"),
}
OTHER_SECTORS = {"company", "ngo", "higher", "chamber", "public"}  # diversity matters more


def ordered_tips(stage: str, org: str) -> list[str]:
    """The tip ids in the order for this stage; looking beyond schools lifts diversity to 2nd."""
    tips = list(TIP_ORDER.get(stage, TIP_ORDER["idea"]))
    if org in OTHER_SECTORS:
        tips.remove("diversity")
        tips.insert(1, "diversity")
    return tips


class PartnersFlow(ProjectTool):
    """Asks about the project and the partner sought; drafts the call."""

    id = "partners"

    def __init__(self) -> None:
        self.texts: Catalogue = load_flow_texts("partners").merged(
            Catalogue.load(CONTENT_DIR / "projects.yaml")
        )
        self.title = self.texts.localized("partners.title")
        t = self.texts.localized

        def asked(step_id: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
            return lambda a, c: not c.get(EDIT) or a.get(PICK) == step_id

        def free(step_id: str, *, skippable: bool = False, limit: int = 400) -> Step:
            return Step(
                step_id,
                t(f"partners.{step_id}.question"),
                free_text=True,
                skippable=skippable,
                max_length=limit,
                applies=asked(step_id),
            )

        self._steps = (
            Step(
                PICK,
                t("partners.edit.pick"),
                options=tuple(
                    Option(s, t(f"partners.label.{s}"))
                    for s in ("field", "org", "country", "stage", *TEXT_STEPS[2:])
                ),
                columns=2,
                applies=lambda a, c: bool(c.get(EDIT)),
                group="",
            ),
            free("field", limit=120),
            Step(
                "org",
                t("partners.org.question"),
                options=tuple(Option(o, t(f"partners.org.{o}")) for o in ORGS),
                columns=2,
                applies=asked("org"),
            ),
            free("country", skippable=True, limit=120),
            Step(
                "stage",
                t("partners.stage.question"),
                options=tuple(Option(s, t(f"partners.stage.{s}")) for s in STAGES),
                applies=asked("stage"),
            ),
            free("goals"),
            free("activities"),
            free("results"),
            free("role", limit=300),
        )

    def warm_up(self) -> None:
        import docx  # noqa: F401

    def steps(self) -> Sequence[Step]:
        return self._steps

    # ---- results -----------------------------------------------------------------------
    def call(self, answers: Mapping[str, Any], project: Mapping[str, Any], lang: str) -> str:
        """The partner-search call in ``lang`` (the user's own answers as typed)."""
        t = self.texts.text

        def label(key: str) -> str:
            return t(key, lang) if key in self.texts else ""

        return t(
            "partners.call",
            lang,
            project=project.get("name", ""),
            action=label(f"project.action.{project.get('action')}"),
            our_role=label(f"project.role.{project.get('role')}"),
            field=answers.get("field", ""),
            goals=answers.get("goals", ""),
            activities=answers.get("activities", ""),
            results=answers.get("results", ""),
            org=_lower_first(label(f"partners.org.{answers.get('org')}")),
            country=answers.get("country") or t("partners.country.any", lang),
            role=answers.get("role", ""),
            stage=label(f"partners.stage_name.{answers.get('stage')}"),
        )

    def tips(self, answers: Mapping[str, Any], lang: str) -> str:
        tips = ordered_tips(str(answers.get("stage")), str(answers.get("org")))
        lines = [self.texts.text("partners.result.tips_heading", lang)]
        lines += [
            f"{n}. {self.texts.text(f'partners.tips.{tip}', lang)}" for n, tip in enumerate(tips, 1)
        ]
        return "\n".join(lines)

    def document(
        self, answers: Mapping[str, Any], project: Mapping[str, Any], when: date, lang: str
    ) -> FileSpec:
        """The call in both languages and the tips as DOCX (the texts are composed here; the
        builder only runs python-docx on them)."""
        content = CallDocument(
            title=f"{self.title.get(lang)} — {project.get('name', '')}",
            date=show_date(when),
            calls=tuple(
                (
                    self.texts.text(f"partners.doc.call_{call_lang}", lang),
                    tuple(self.call(answers, project, call_lang).split("\n\n")),
                )
                for call_lang in LANGUAGES
            ),
            tips_heading=self.texts.text("partners.doc.tips", lang),
            tips=tuple(tip.split(". ", 1)[-1] for tip in self.tips(answers, lang).split("\n")[1:]),
        )
        name = f"{self.texts.text('partners.result.file', lang)}-{when.isoformat()}.docx"
        caption = self.texts.text("partners.result.doc_caption", lang)
        return FileSpec(name, partial(write_call_docx, content), caption=caption)

    def _messages(
        self, answers: Mapping[str, Any], project: Mapping[str, Any], lang: str
    ) -> tuple[str, ...]:
        t = self.texts.text
        return (
            self.tips(answers, lang),
            f"{t('partners.result.call_heading_lv', lang)}\n\n{self.call(answers, project, 'lv')}",
            f"{t('partners.result.call_heading_en', lang)}\n\n{self.call(answers, project, 'en')}",
            t("partners.result.own_words", lang),
        )

    def complete(self, state: FlowState, lang: str) -> Completion:
        answers = {k: v for k, v in state.answers.items() if k != PICK}
        project = self.project_of(state.context)
        return Completion(
            messages=self._messages(answers, project, lang),
            files=(self.document(answers, project, local_today(), lang),),
            record=self.record(answers, state.context),
        )

    def landing(self, last: Record, lang: str) -> Landing:
        actions = tuple(
            (arg, self.texts.text(f"partners.landing.{arg}", lang))
            for arg in ("edit", "new", "file")
        )
        messages = self._messages(self.last_answers(last), self.last_project(last), lang)
        return Landing(messages=messages[1:3], actions=actions)

    def act(self, arg: str, last: Record, lang: str) -> Completion | None:
        if arg != "file":
            return None
        answers, project = self.last_answers(last), self.last_project(last)
        return Completion(
            files=(self.document(answers, project, local_date(last.created_at), lang),)
        )


def _lower_first(text: str) -> str:
    """ "Uzņēmums" -> "uzņēmums" inside a sentence; acronyms ("VET school") stay as they are."""
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


@dataclass(frozen=True)
class CallDocument:
    """The partner-search call's document, as plain texts."""

    title: str
    date: str
    calls: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, paragraphs) per language
    tips_heading: str
    tips: tuple[str, ...]


def write_call_docx(content: CallDocument) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(content.title, level=1)
    doc.add_paragraph(content.date)
    for heading, paragraphs in content.calls:
        doc.add_heading(heading, level=2)
        for paragraph in paragraphs:
            doc.add_paragraph(paragraph)
    doc.add_heading(content.tips_heading, level=2)
    for tip in content.tips:
        doc.add_paragraph(tip, style="List Number")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
