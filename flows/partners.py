"""The partner-search guide: the e-material's seven tips in the order that fits the project's
stage, and a partner-search call in Latvian and English to post on EPALE or eTwinning, in chat
and as an editable DOCX. Saved with the active project; one answer can be changed later."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from flows.dates import local_date, local_today, parse_date, show_date
from flows.engine import (
    CONTACT,
    EDIT,
    PROJECT,
    Completion,
    Detail,
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
MORE_ORGS = ("org2", "org3")  # a second and a third kind of partner ("done" ends the list)
DONE = "done"
STAGES = ("idea", "draft", "ready")
# Free-text parts of the call, written in the user's language; the other language's call asks
# for each one's wording ("x:<part>") or marks it as still to be translated.
TEXT_PARTS = ("field", "country", "goals", "activities", "results", "role", "city")
CONTACT_STEPS = ("institution", "person", "email", "city")
OTHER_LANGUAGE = "english"  # the step: write the other language's wording, or mark it
WRITE, MARK = "write", "mark"
REPLY_BY = {"2w": 14, "1m": 30}  # days from today
WRITTEN_IN = "_written_in"  # kept with the answers: the language the parts were written in
PICK = "pick"
PICKABLE = (
    *("field", "org", "country", "stage", "goals", "activities", "results", "role"),
    *("period", "contact", OTHER_LANGUAGE, "reply_by"),
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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


def chosen_orgs(answers: Mapping[str, Any]) -> list[str]:
    """The kinds of partner sought, in the order chosen, each once."""
    kinds: list[str] = []
    for key in ("org", *MORE_ORGS):
        value = answers.get(key)
        if value in ORGS and value not in kinds:
            kinds.append(str(value))
    return kinds


def _other(lang: str) -> str:
    return next(other for other in LANGUAGES if other != lang)


def _has_dates(context: Mapping[str, Any]) -> bool:
    project = context.get(PROJECT)
    return isinstance(project, Mapping) and bool(
        project.get("starts_on") and project.get("ends_on")
    )


class PartnersFlow(ProjectTool):
    """Asks about the project, the partners sought and who to contact; drafts the call."""

    id = "partners"
    uses_contact = True

    def __init__(self, clock: Callable[[], date] = local_today) -> None:
        self.texts: Catalogue = load_flow_texts("partners").merged(
            Catalogue.load(CONTENT_DIR / "projects.yaml")
        )
        self.title = self.texts.localized("partners.title")
        self._clock = clock
        t = self.texts.localized

        def asked(
            part: str, also: Callable[[Mapping[str, Any], Mapping[str, Any]], bool] | None = None
        ) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
            def applies(a: Mapping[str, Any], c: Mapping[str, Any]) -> bool:
                if c.get(EDIT) and a.get(PICK) != part:
                    return False
                return also is None or also(a, c)

            return applies

        def free(
            step_id: str, *, part: str | None = None, skippable: bool = False, limit: int = 400
        ) -> Step:
            return Step(
                step_id,
                t(f"partners.{step_id}.question"),
                free_text=True,
                skippable=skippable,
                max_length=limit,
                applies=asked(part or step_id),
            )

        def more_orgs(key: str, before: str) -> Step:
            return Step(
                key,
                t("partners.org.more"),
                options=(
                    Option(DONE, t("partners.org.done")),
                    *(Option(o, t(f"partners.org.{o}")) for o in ORGS),
                ),
                columns=2,
                applies=asked("org", lambda a, c: a.get(before) not in (None, DONE)),
                describe=self._describe_more_orgs,
                group="org",
            )

        def wording(part: str) -> Step:
            return Step(
                f"x:{part}",
                t("partners.wording.question"),
                free_text=True,
                skippable=True,
                max_length=400,
                applies=asked(
                    OTHER_LANGUAGE,
                    lambda a, c: a.get(OTHER_LANGUAGE) == WRITE and bool(a.get(part)),
                ),
                describe=partial(self._describe_wording, part),
                group=OTHER_LANGUAGE,
            )

        self._steps = (
            Step(
                PICK,
                t("partners.edit.pick"),
                options=tuple(Option(s, t(f"partners.label.{s}")) for s in PICKABLE),
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
                group="org",
            ),
            more_orgs("org2", "org"),
            more_orgs("org3", "org2"),
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
            Step(
                "period",
                t("partners.period.question"),
                free_text=True,
                skippable=True,
                max_length=60,
                applies=asked("period", lambda a, c: not _has_dates(c)),
            ),
            *(
                Step(
                    name,
                    t(f"partners.{name}.question"),
                    free_text=True,
                    max_length=200 if name == "institution" else 120,
                    applies=asked("contact"),
                    group="contact",
                )
                for name in CONTACT_STEPS
            ),
            Step(
                OTHER_LANGUAGE,
                t("partners.english.question"),
                options=(
                    Option(WRITE, t("partners.english.write")),
                    Option(MARK, t("partners.english.mark")),
                ),
                applies=asked(OTHER_LANGUAGE),
                describe=self._describe_other_language,
                group=OTHER_LANGUAGE,
            ),
            *(wording(part) for part in TEXT_PARTS),
            Step(
                "reply_by",
                t("partners.reply_by.question"),
                options=tuple(Option(k, t(f"partners.reply_by.{k}")) for k in REPLY_BY),
                columns=2,
                free_text=True,
                max_length=40,
                applies=asked("reply_by"),
            ),
        )

    def warm_up(self) -> None:
        import docx  # noqa: F401

    def steps(self) -> Sequence[Step]:
        return self._steps

    # ---- asking ------------------------------------------------------------------------
    def default(self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        """Contact details a user gave in an earlier call are offered again."""
        value = super().default(step, answers, context)
        if value is None and step.id in CONTACT_STEPS:
            kept = context.get(CONTACT)
            value = kept.get(step.id) if isinstance(kept, Mapping) else None
        return value or None

    def validate_text(
        self, step: Step, text: str, answers: Mapping[str, Any], lang: str
    ) -> str | None:
        if step.id == "email" and not EMAIL.match(text):
            return self.texts.text("partners.email.bad", lang)
        if step.id == "reply_by":
            day = parse_date(text)
            if day is None:
                return self.texts.text("partners.reply_by.bad_date", lang)
            if day <= self._clock():
                return self.texts.text("partners.reply_by.past", lang)
        return None

    def options(
        self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> tuple[Option, ...]:
        """A further kind of partner offers only the kinds not chosen before it in the list."""
        if step.id not in MORE_ORGS:
            return super().options(step, answers, context)
        earlier = ("org", *MORE_ORGS)[: ("org", *MORE_ORGS).index(step.id)]
        taken = {answers.get(key) for key in earlier}
        return tuple(o for o in step.options if o.id not in taken)

    def _describe_more_orgs(
        self, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        chosen = ", ".join(self._org_names(answers, lang))
        return self.texts.text("partners.org.more", lang, chosen=chosen)

    def _describe_other_language(
        self, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        other = self.texts.text(f"partners.in_{_other(lang)}", lang)
        marker = self.texts.text("partners.untranslated", _other(lang), text="…")
        return self.texts.text("partners.english.question", lang, other=other, marker=marker)

    def _describe_wording(
        self, part: str, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        return self.texts.text(
            "partners.wording.question",
            lang,
            other=self.texts.text(f"partners.in_{_other(lang)}", lang),
            label=self.texts.text(f"partners.label.{part}", lang),
            text=answers.get(part, ""),
        )

    # ---- results -----------------------------------------------------------------------
    def _org_names(self, answers: Mapping[str, Any], lang: str) -> list[str]:
        return [
            _lower_first(self.texts.text(f"partners.org.{o}", lang)) for o in chosen_orgs(answers)
        ]

    def _reply_by(self, answers: Mapping[str, Any]) -> date | None:
        value = str(answers.get("reply_by") or "")
        if value in REPLY_BY:
            return self._clock() + timedelta(days=REPLY_BY[value])
        return parse_date(value)

    def _period(self, answers: Mapping[str, Any], project: Mapping[str, Any], lang: str) -> str:
        starts, ends = project.get("starts_on"), project.get("ends_on")
        if starts and ends:
            first, last = (show_date(date.fromisoformat(str(d))) for d in (starts, ends))
            return f"{first}–{last}"
        return str(answers.get("period") or self.texts.text("partners.period.unknown", lang))

    def call(self, answers: Mapping[str, Any], project: Mapping[str, Any], lang: str) -> str:
        """The partner-search call in ``lang``: the user's own words where they wrote in
        ``lang``, their wording for it where they gave one, otherwise marked to translate."""
        t = self.texts.text
        written_in = str(answers.get(WRITTEN_IN) or lang)

        def label(key: str) -> str:
            return t(key, lang) if key in self.texts else ""

        def part(name: str) -> str:
            value = str(answers.get(name) or "")
            if not value or lang == written_in:
                return value
            own = answers.get(f"x:{name}")
            return str(own) if own else t("partners.untranslated", lang, text=value)

        joiner = f" {t('partners.or', lang)} "
        reply_by = self._reply_by(answers)
        return t(
            "partners.call",
            lang,
            project=project.get("name", ""),
            action=label(f"project.action.{project.get('action')}"),
            our_role=label(f"project.role.{project.get('role')}"),
            period=self._period(answers, project, lang),
            field=part("field"),
            goals=part("goals"),
            activities=part("activities"),
            results=part("results"),
            org=joiner.join(self._org_names(answers, lang)),
            country=part("country") or t("partners.country.any", lang),
            role=part("role"),
            stage=label(f"partners.stage_name.{answers.get('stage')}"),
            institution=answers.get("institution", ""),
            city=part("city"),
            person=answers.get("person", ""),
            email=answers.get("email", ""),
            reply_by=show_date(reply_by) if reply_by else "—",
        )

    def tips(self, answers: Mapping[str, Any], lang: str) -> str:
        orgs = chosen_orgs(answers)
        beyond = next((o for o in orgs if o in OTHER_SECTORS), orgs[0] if orgs else "")
        tips = ordered_tips(str(answers.get("stage")), beyond)
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

    def _untranslated(self, answers: Mapping[str, Any], lang: str) -> str | None:
        """A note when the other language's call has parts marked to translate."""
        written_in = str(answers.get(WRITTEN_IN) or lang)
        other = _other(written_in)
        if not any(answers.get(p) and not answers.get(f"x:{p}") for p in TEXT_PARTS):
            return None
        language = self.texts.text(f"partners.in_{other}", lang)
        marker = self.texts.text("partners.untranslated", other, text="…")
        return self.texts.text("partners.result.to_translate", lang, other=language, marker=marker)

    def summary(self, answers: Mapping[str, Any], project: Mapping[str, Any], lang: str) -> str:
        """The result on a phone: who is sought, by when, who to contact; the call and the tips
        are a tap away (≤ 10 lines)."""
        t = self.texts.text
        reply_by = self._reply_by(answers)
        country = answers.get("country") or t("partners.country.any", lang)
        if lang != str(answers.get(WRITTEN_IN) or lang):
            country = answers.get("x:country") or country
        lines = [
            t("partners.result.heading", lang, project=project.get("name", "")),
            t(
                "partners.result.sought",
                lang,
                org=f" {t('partners.or', lang)} ".join(self._org_names(answers, lang)),
                country=country,
            ),
            t("partners.result.reply_by", lang, date=show_date(reply_by) if reply_by else "—"),
            t(
                "partners.result.contact",
                lang,
                person=answers.get("person", "—"),
                email=answers.get("email", "—"),
            ),
            "",
            t("partners.result.where", lang),
        ]
        note = self._untranslated(answers, lang)
        if note:
            lines += ["", note]
        return "\n".join(lines)

    def _parts(
        self, answers: Mapping[str, Any], project: Mapping[str, Any], lang: str
    ) -> list[Detail]:
        t = self.texts.text
        return [
            Detail(t("partners.result.summary_button", lang), self.summary(answers, project, lang)),
            *(
                Detail(
                    t(f"partners.result.call_button_{call_lang}", lang),
                    f"{t(f'partners.result.call_heading_{call_lang}', lang)}\n\n"
                    f"{self.call(answers, project, call_lang)}",
                )
                for call_lang in LANGUAGES
            ),
            Detail(t("partners.result.tips_button", lang), self.tips(answers, lang)),
        ]

    def _changes(self, answers: Mapping[str, Any], changed: Sequence[str], lang: str) -> str:
        t = self.texts.text
        lines = [t("partners.result.changed", lang)]
        for key in changed:
            if key == WRITTEN_IN:
                continue
            part = key[2:] if key.startswith("x:") else key
            if part in ("org2", "org3"):
                part = "org"
            label_key = f"partners.label.{part}"
            if label_key not in self.texts:
                continue
            label = t(label_key, lang)
            if key.startswith("x:"):
                label += f" ({t(f'partners.in_{_other(lang)}', lang)})"
            value: Any = answers.get(key) or "—"
            if part == "org":
                value = f" {t('partners.or', lang)} ".join(self._org_names(answers, lang))
            elif part == "stage":
                value = t(f"partners.stage_name.{answers.get('stage')}", lang)
            line = f"• {label}: {value}"
            if line not in lines:
                lines.append(line)
        if len(lines) == 1:
            lines.append(t("partners.result.unchanged", lang))
        return "\n".join(lines)

    def details(self, last: Record, lang: str) -> Sequence[Detail]:
        return self._parts(self.last_answers(last), self.last_project(last), lang)

    def complete(self, state: FlowState, lang: str) -> Completion:
        answers = {k: v for k, v in state.answers.items() if k != PICK}
        answers.setdefault(WRITTEN_IN, lang)
        reply_by = self._reply_by(answers)
        if reply_by is not None:
            answers["reply_by"] = show_date(reply_by)  # kept as a date, not "in 2 weeks"
        project = self.project_of(state.context)
        contact = {name: str(answers[name]) for name in CONTACT_STEPS if answers.get(name)}
        changed = self.changed_keys(answers, state.context)
        if changed is None:
            message = self.summary(answers, project, lang)
        else:  # an edit: only what changed, and the new document
            message = self._changes(answers, changed, lang)
        return Completion(
            messages=(message,),
            files=(self.document(answers, project, self._clock(), lang),),
            record=self.record(answers, state.context),
            contact=contact or None,
            details=True,
        )

    def landing(self, last: Record, lang: str) -> Landing:
        actions = tuple(
            (arg, self.texts.text(f"partners.landing.{arg}", lang))
            for arg in ("edit", "new", "file")
        )
        summary = self.summary(self.last_answers(last), self.last_project(last), lang)
        return Landing(messages=(summary,), actions=actions)

    def act(
        self, arg: str, last: Record, lang: str, context: Mapping[str, Any] | None = None
    ) -> Completion | None:
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
