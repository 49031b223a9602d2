"""Rendering flows into Replies: a step's prompt with progress and controls, a landing (the
last result with its actions), a finished run's result, and the main menu.

Pure: each function takes what it shows and the texts, and returns Replies; nothing here reads
or writes the database or builds a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, OutFile, Reply
from flows.engine import KEEP, Detail, FileSpec, Flow, FlowState, Landing, Prompt
from knowledge.texts import Catalogue


def main_menu_button(texts: Catalogue, lang: str) -> Button:
    return Button(texts.text("menu.main", lang), callbacks.encode("menu", "main"))


def main_menu(
    texts: Catalogue,
    lang: str,
    flows: Iterable[Flow],
    resumable: Sequence[Flow],
    *,
    with_projects: bool,
    edit: bool = False,
) -> Reply:
    """The main menu: runs to continue first, then the tools, projects and "ask a question"."""
    rows: list[tuple[Button, ...]] = []
    for flow in resumable:
        label = texts.text("menu.continue", lang, flow=flow.title.get(lang))
        rows.append((Button(label, callbacks.encode("menu", flow.id)),))
    continuing = {flow.id for flow in resumable}
    for flow in flows:
        if flow.in_menu and flow.id not in continuing:
            label = texts.text("qa.open_flow", lang, flow=flow.title.get(lang))
            rows.append((Button(label, callbacks.encode("menu", flow.id)),))
    if with_projects:
        rows.append(
            (Button(texts.text("menu.projects", lang), callbacks.encode("menu", "projects")),)
        )
    rows.append((Button(texts.text("menu.ask", lang), callbacks.encode("menu", "ask")),))
    commands = [f"/{flow.id}" for flow in flows if flow.in_menu]
    if with_projects:
        commands.append("/projects")
    text = texts.text("menu.title", lang)
    if commands:  # typed commands work too, in either language's menu
        text += "\n" + texts.text("menu.commands", lang, commands=" · ".join(commands))
    return Reply(text, buttons=tuple(rows), edit=edit)


def prompt(
    texts: Catalogue,
    lang: str,
    flow: Flow,
    run: FlowState,
    shown: Prompt,
    *,
    edit: bool = False,
    restart: bool = False,
) -> Reply:
    """One step of a run: a header (tool · project · progress), the question, its options and
    the controls (back, skip, pause; "start over" when resuming)."""
    header = flow.title.get(lang)
    project = run.context.get("project")
    if isinstance(project, dict) and project.get("name"):
        header = f"{header} · {project['name']}"
    if shown.position:
        progress = texts.text("flow.progress", lang, position=shown.position, total=shown.total)
        header = f"{header} · {progress}"
    text = f"{header}\n\n{shown.text}"
    if shown.free_text and not shown.options:
        text += f"\n\n✍️ {texts.text('flow.type_answer', lang)}"
    options = [
        Button(label, callbacks.encode("f", run.seq, option)) for option, label in shown.options
    ]
    rows = option_rows(options, shown.columns)
    if shown.default is not None:
        label = texts.text("flow.keep", lang, value=_short(shown.default))
        rows.insert(0, (Button(label, callbacks.encode("f", run.seq, KEEP)),))
    controls = []
    if shown.can_back:
        controls.append(Button(texts.text("flow.back", lang), callbacks.encode("f", run.seq, "<")))
    if shown.can_skip:
        controls.append(Button(texts.text("flow.skip", lang), callbacks.encode("f", run.seq, ">")))
    controls.append(Button(texts.text("flow.pause", lang), callbacks.encode("f", run.seq, "x")))
    rows.append(tuple(controls))
    if restart:
        rows.append(
            (Button(texts.text("flow.restart", lang), callbacks.encode("restart", flow.id)),)
        )
    return Reply(text, buttons=tuple(rows), edit=edit)


WIDE_LABEL = 24  # characters: a longer label does not fit two to a row on a small phone


def option_rows(options: Sequence[Button], columns: int) -> list[tuple[Button, ...]]:
    """``columns`` buttons a row, except that a row with a label too long to share a row on a
    small phone is laid out one button a row."""
    rows: list[tuple[Button, ...]] = []
    for i in range(0, len(options), columns):
        row = tuple(options[i : i + columns])
        if len(row) > 1 and any(len(b.label) > WIDE_LABEL for b in row):
            rows.extend((button,) for button in row)
        else:
            rows.append(row)
    return rows


def _short(text: str, limit: int = 28) -> str:
    """A value short enough for a button on a phone."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def confirm_restart(texts: Catalogue, lang: str, flow: Flow, run: FlowState) -> Reply:
    """Asks before a run is started over (its answers are offered again as defaults)."""
    rows = (
        (Button(texts.text("flow.restart_yes", lang), callbacks.encode("redo", flow.id, run.seq)),),
        (Button(texts.text("flow.restart_no", lang), callbacks.encode("menu", flow.id)),),
    )
    text = texts.text("flow.restart_confirm", lang, flow=flow.title.get(lang))
    return Reply(text, buttons=rows, edit=True)


def landing(
    texts: Catalogue,
    lang: str,
    flow: Flow,
    shown: Landing,
    files: Sequence[OutFile],
    details: Sequence[tuple[Button, ...]] = (),
) -> list[Reply]:
    """A flow's last result: its messages, its (built) files, and its parts and actions as
    buttons."""
    replies = [Reply(message) for message in shown.messages[:-1]]
    replies += [Reply(file.caption, files=(file,)) for file in files]
    rows = list(details)
    rows += [(Button(label, callbacks.encode("go", flow.id, arg)),) for arg, label in shown.actions]
    rows.append((main_menu_button(texts, lang),))
    text = shown.messages[-1] if shown.messages else flow.title.get(lang)
    replies.append(Reply(text, buttons=tuple(rows)))
    return replies


def detail_rows(flow: Flow, details: Sequence[Detail], shown: int) -> list[tuple[Button, ...]]:
    """Buttons for a result's other parts (two a row; a long label gets a row of its own)."""
    buttons = [
        Button(d.label, callbacks.encode("det", flow.id, n))
        for n, d in enumerate(details)
        if n != shown
    ]
    rows: list[tuple[Button, ...]] = []
    for button in buttons:
        last = rows[-1] if rows else None
        if last and len(last) == 1 and max(len(last[0].label), len(button.label)) <= 20:
            rows[-1] = (last[0], button)
        else:
            rows.append((button,))
    return rows


def detail(texts: Catalogue, lang: str, flow: Flow, details: Sequence[Detail], shown: int) -> Reply:
    """One part of the last result, in place of the message whose button was pressed."""
    rows = [*detail_rows(flow, details, shown), (main_menu_button(texts, lang),)]
    return Reply(details[shown].text, buttons=tuple(rows), edit=True)


def file_action(flow: Flow | None, spec: FileSpec) -> Button | None:
    """The button under a file that runs its landing action (None: the file has none)."""
    if flow is None or spec.action is None:
        return None
    arg, label = spec.action
    return Button(label, callbacks.encode("go", flow.id, arg))


def result(
    messages: Sequence[str],
    files: Sequence[OutFile],
    details: Sequence[tuple[Button, ...]] = (),
    actions: Sequence[Button | None] = (),
) -> list[Reply]:
    """A finished run: pictures first (they sum up), then the messages, then documents. With
    ``details`` (buttons for the result's parts) the documents come before the messages, so the
    summary and its buttons are the last message, at the user's thumb on a phone. ``actions``:
    each file's own button (in the order of ``files``), shown under it."""
    buttons = [*actions, *[None] * (len(files) - len(actions))]
    pictures: list[Reply] = []
    documents: list[Reply] = []
    for file, button in zip(files, buttons, strict=True):
        rows = ((button,),) if button is not None else ()
        (pictures if file.is_image else documents).append(
            Reply(file.caption, files=(file,), buttons=rows)
        )
    texts = [Reply(message) for message in messages]
    if not details or not texts:
        return [*pictures, *texts, *documents]
    texts[-1] = Reply(texts[-1].text, buttons=tuple(details))
    return [*pictures, *documents, *texts]


def finished(texts: Catalogue, lang: str) -> Reply:
    return Reply(texts.text("flow.finished", lang), buttons=((main_menu_button(texts, lang),),))
