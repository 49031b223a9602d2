"""Running flows for the dialogue core: opening one (resume, last result, or a fresh start),
advancing it on buttons and text, pausing and finishing it. Rendering is ``views``; what a
finished run leaves behind is ``completion``."""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue import completion, documents, views
from bot.dialogue.messages import Button, Reply
from bot.dialogue.projects import PROJECT_FLOW, ProjectDesk
from bot.dialogue.shared_runs import SharedRuns, base_id, project_id_of, team_list
from bot.dialogue.turn import Turn
from flows import engine
from flows.engine import (
    CONTACT,
    DEFAULTS,
    MEMBERS,
    PROJECT,
    THEN,
    Completion,
    Flow,
    FlowState,
    Record,
    Start,
)
from flows.project_tool import BASE, TEAM, ProjectTool
from flows.registry import FlowRegistry
from knowledge.texts import Catalogue
from storage.models import Project, utcnow
from storage.repositories import ContactRepository, FlowResultRepository
from storage.team import WRITERS, TeamRepository


class FlowRunner:
    """Everything the core does with flows, for one turn at a time (it keeps no user state)."""

    def __init__(self, flows: FlowRegistry, texts: Catalogue, projects: ProjectDesk) -> None:
        self.flows = flows
        self.texts = texts
        self.projects = projects
        self.shared = SharedRuns(texts)

    @staticmethod
    def may_change(turn: Turn, context: dict[str, object]) -> bool:
        """Whether the user may start or change a run with this context: a run on a project
        only while they are its coordinator or a member (checked on every input)."""
        project = context.get(PROJECT)
        if not isinstance(project, dict):
            return True
        project_id = project.get("id")
        if not isinstance(project_id, int):
            return False
        found = turn.session.get(Project, project_id)
        role = TeamRepository(turn.session).role(found, turn.user.id) if found else None
        return role in WRITERS

    def _refuse_change(self, turn: Turn) -> None:
        self._note(turn, "team.cannot_change")

    def _note(self, turn: Turn, key: str, **values: object) -> None:
        turn.say(Reply(self.texts.text(key, turn.lang, **values)))

    def _invalid(self, turn: Turn) -> None:
        turn.say(Reply(self.texts.text("input.invalid_button", turn.lang), notice=True))

    # ---- menu --------------------------------------------------------------------------
    def main_menu(self, turn: Turn, *, edit: bool = False) -> Reply:
        resumable = [f for f in map(self.flows.get, turn.dialogue.resumable()) if f]
        return views.main_menu(
            self.texts,
            turn.lang,
            self.flows,
            resumable,
            with_projects=self.projects.setup is not None,
            edit=edit,
        )

    # ---- opening -----------------------------------------------------------------------
    def open(self, turn: Turn, flow_id: str, arg: str = "") -> None:
        """Resume ``flow_id`` where the user left it; otherwise show the last result (when the
        flow has a landing and no argument was given) or start a fresh run."""
        flow = self.flows.get(flow_id)
        if flow is None:
            self._invalid(turn)
            return
        if self._resume(turn, flow):
            return
        if flow.needs_project and ProjectDesk.active(turn) is None:
            self._ask_for_project(turn, flow)
            return
        last = self._last_record(turn, flow)
        if not arg and last is not None:
            shown = flow.landing(last, turn.lang)
            if shown is not None:
                recipe = documents.record_recipe("landing", flow.id, last, turn.lang)
                files = completion.build_files(shown.files, recipe, defer=turn.defer_documents)
                parts = views.detail_rows(flow, flow.details(last, turn.lang), shown=0)
                for reply in views.landing(self.texts, turn.lang, flow, shown, files, parts):
                    turn.say(reply)
                return
        begin = flow.begin(arg, last)
        if begin is None:
            self._note(turn, "flow.unknown_argument", argument=arg[:40])
            begin = flow.begin("", last) or Start()
        self._start(turn, flow, begin)

    def _ask_for_project(self, turn: Turn, flow: Flow) -> None:
        setup = self.flows.get(PROJECT_FLOW)
        if setup is None:
            raise RuntimeError(f"flow {flow.id} needs a project but no project flow is registered")
        if self._resume(turn, setup):  # setting up a project already: carry on, lose nothing
            return
        self._note(turn, "projects.needed", flow=flow.title.get(turn.lang))
        self._start(turn, setup, Start(context={THEN: flow.id}))

    def _resume(self, turn: Turn, flow: Flow) -> bool:
        """Show the user's unfinished run of ``flow`` again, if there is one."""
        dialogue = turn.dialogue
        if dialogue.active is not None and dialogue.active.flow == flow.id:
            run = dialogue.active
        elif flow.id in dialogue.paused:
            if dialogue.active is not None:
                self.pause_active(turn, announce=False)
            paused = dialogue.take_paused(flow.id)
            assert paused is not None
            run = dialogue.activate(paused, fresh_seq=True)
        else:
            return False
        if not self.may_change(turn, run.context):  # a viewer now, or no longer on the team
            turn.dialogue.finish()
            return False
        self._note(turn, "flow.resumed", flow=flow.title.get(turn.lang))
        shown = engine.render(flow, run, turn.lang)
        # "Start over" only when there is something to start over from.
        again = bool(run.history or run.answers)
        turn.say(views.prompt(self.texts, turn.lang, flow, run, shown, restart=again))
        return True

    def _start(self, turn: Turn, flow: Flow, begin: Start) -> None:
        """A fresh run of ``flow``; any other active flow is paused, nothing is lost."""
        if flow.needs_project:
            project = ProjectDesk.active(turn)
            if project is None:
                self._ask_for_project(turn, flow)
                return
            begin = Start(
                begin.answers,
                {
                    **begin.context,
                    PROJECT: project,
                    BASE: base_id(turn, flow, project["id"]),
                    MEMBERS: team_list(turn, project["id"]),
                },
            )
            if not self.may_change(turn, begin.context):
                if self._last_record(turn, flow) is None:  # a viewer, and nothing to read yet
                    self._note(turn, "team.nothing_yet", flow=flow.title.get(turn.lang))
                else:
                    self._refuse_change(turn)
                return
        begin = Start(begin.answers, {**begin.context, **self._kept(turn, flow)})
        dialogue = turn.dialogue
        dialogue.take_paused(flow.id)  # replaced by the fresh run
        if dialogue.active is not None and dialogue.active.flow != flow.id:
            self.pause_active(turn, announce=False)
        run = dialogue.activate(engine.start(flow, begin), fresh_seq=True)
        shown = engine.render(flow, run, turn.lang)
        turn.say(views.prompt(self.texts, turn.lang, flow, run, shown))

    def confirm_restart(self, turn: Turn, flow_id: str) -> None:
        """ "Start over" under a resumed step: ask first (one tap must not wipe a run)."""
        flow = self.flows.get(flow_id)
        run = turn.dialogue.active
        if flow is None or run is None or run.flow != flow_id:
            self._invalid(turn)
            return
        turn.say(views.confirm_restart(self.texts, turn.lang, flow, run))

    def start_flow(self, turn: Turn, flow_id: str, begin: Start) -> None:
        """A fresh run of ``flow_id`` started as ``begin`` says (the core's own starts)."""
        flow = self.flows.get(flow_id)
        if flow is None:
            self._invalid(turn)
            return
        self._start(turn, flow, begin)

    def restart(self, turn: Turn, flow_id: str, seq: str) -> None:
        """Start ``flow_id`` over, confirmed for the run shown with ``seq``; its answers so far
        become the new run's defaults."""
        flow = self.flows.get(flow_id)
        run = turn.dialogue.active
        if flow is None or run is None or run.flow != flow_id or seq != str(run.seq):
            self._note(turn, "flow.restart_gone")
            self.show_active_step(turn)
            return
        earlier = run.context.get(DEFAULTS)
        defaults = {**(earlier if isinstance(earlier, dict) else {}), **run.answers}
        begin = flow.begin("", self._last_record(turn, flow)) or Start()
        self._start(turn, flow, Start(begin.answers, {**begin.context, DEFAULTS: defaults}))

    @staticmethod
    def _kept(turn: Turn, flow: Flow) -> dict[str, object]:
        """What the core keeps for a flow outside its runs: the user's contact details."""
        if not flow.uses_contact:
            return {}
        return {CONTACT: ContactRepository(turn.session).get(turn.user.id)}

    def _last_record(self, turn: Turn, flow: Flow) -> Record | None:
        """The user's last finished run of ``flow``; for project tools the active project's
        last one, whichever team member finished it."""
        results = FlowResultRepository(turn.session)
        if flow.needs_project:
            project = ProjectDesk.active(turn)
            if project is None:
                return None
            rows = results.latest(None, flow.id, project_id=project["id"])
            if rows and isinstance(flow, ProjectTool):
                team = self.shared.team_view(turn, flow, project["id"], self.flows)
                shown = {TEAM: team} if team is not None else {}
                return Record(rows[0].data, rows[0].created_at, shown)
        else:
            rows = results.latest(turn.user.id, flow.id)
        return Record(rows[0].data, rows[0].created_at) if rows else None

    def landing_action(self, turn: Turn, flow_id: str, arg: str) -> None:
        """A button under a flow's last result: a fresh start with ``arg``, or another action."""
        flow = self.flows.get(flow_id)
        if flow is None:
            self._invalid(turn)
            return
        last = self._last_record(turn, flow)
        begin = flow.begin(arg, last)
        if begin is not None:
            if not self._resume(turn, flow):  # an unfinished run is never thrown away
                self._start(turn, flow, begin)
            return
        kept = self._kept(turn, flow)
        done = flow.act(arg, last, turn.lang, kept) if last is not None else None
        if done is None:
            self._invalid(turn)
            return
        recipe = (
            documents.record_recipe("act", flow.id, last, turn.lang, arg, kept)
            if last is not None
            else None
        )
        self._say_result(turn, flow, done, recipe=recipe)

    # ---- pausing -----------------------------------------------------------------------
    def pause_active(self, turn: Turn, *, announce: bool) -> None:
        run = turn.dialogue.pause()
        if run is None:
            if announce:
                self._note(turn, "flow.nothing_to_cancel")
                turn.say(self.main_menu(turn))
            return
        flow = self.flows.get(run.flow)
        title = flow.title.get(turn.lang) if flow else run.flow
        if announce:
            self._note(turn, "flow.paused", flow=title)
            turn.say(self.main_menu(turn))
        else:
            self._note(turn, "flow.other_paused", flow=title)

    # ---- advancing ---------------------------------------------------------------------
    def button(self, turn: Turn, seq: str, option: str) -> None:
        run = turn.dialogue.active
        if run is None or seq != str(run.seq):
            turn.say(Reply(self.texts.text("flow.stale", turn.lang), notice=True))
            return
        if option == "x":
            self.pause_active(turn, announce=True)
            return
        event: engine.Event
        if option == "<":
            event = engine.Back()
        elif option == ">":
            event = engine.Skip()
        else:
            event = engine.Choose(option)
        self.advance(turn, event, from_button=True)

    def show_active_step(self, turn: Turn) -> None:
        if turn.dialogue.active is not None:
            self.advance(turn, engine.Show(), from_button=False)

    def advance(self, turn: Turn, event: engine.Event, *, from_button: bool) -> None:
        """Apply ``event`` to the active run and show what comes next."""
        run = turn.dialogue.active
        assert run is not None
        flow = self.flows.get(run.flow)
        if flow is None or run.step is None:  # a flow removed since the state was saved
            turn.dialogue.active = None
            turn.say(self.main_menu(turn))
            return
        if not self.may_change(turn, run.context):  # a viewer now, or removed from the team
            turn.dialogue.active = None
            self._refuse_change(turn)
            turn.say(self.main_menu(turn))
            return
        project_id = project_id_of(run)
        if project_id is not None and MEMBERS in run.context:  # the team as it is now
            run = replace(run, context={**run.context, MEMBERS: team_list(turn, project_id)})
        new_run, output = engine.advance(flow, run, event, turn.lang)
        for note in output.notes:
            turn.say(Reply(note))
        if output.completion is not None:
            self._finish(turn, new_run, output.completion)
            return
        turn.dialogue.activate(new_run)
        assert output.prompt is not None
        edit = from_button and output.changed and not output.notes
        if isinstance(flow, ProjectTool) and new_run.step != run.step:
            changed = self.shared.entering(turn, flow, run.step, new_run)
            if changed is not None:  # someone else changed the item just opened
                turn.say(Reply(changed))
                edit = False
        turn.say(views.prompt(self.texts, turn.lang, flow, new_run, output.prompt, edit=edit))

    def detail(self, turn: Turn, flow_id: str, index: str) -> None:
        """Part ``index`` of the user's last result of ``flow_id``, edited in place."""
        flow = self.flows.get(flow_id)
        last = self._last_record(turn, flow) if flow is not None else None
        details = flow.details(last, turn.lang) if flow is not None and last is not None else ()
        if flow is None or not index.isdigit() or int(index) >= len(details):
            self._invalid(turn)
            return
        turn.say(views.detail(self.texts, turn.lang, flow, details, int(index)))

    def _finish(self, turn: Turn, run: FlowState, done: Completion) -> None:
        turn.dialogue.activate(run)
        turn.dialogue.finish()
        flow = self.flows.get(run.flow)
        shown: dict[str, object] = {}
        completed = run  # the state the files are made from (merged with the team's, if so)
        if flow is not None:
            settled = self.shared.settle(turn, flow, run, done, self.flows)
            done = settled.done
            completed = settled.state or run
            if settled.meanwhile is not None and isinstance(flow, ProjectTool):
                turn.say(self.shared.told(turn, flow, run, settled.meanwhile))
            if settled.team is not None:
                shown[TEAM] = settled.team
        completion.keep(turn, run, done, (flow, self.texts) if flow is not None else None)
        recipe = documents.completion_recipe(completed, turn.lang)
        if done.details and done.record is not None and flow is not None:
            details = flow.details(Record(done.record, utcnow(), shown), turn.lang)
            # The summary's own button is left out only when the summary is what is shown.
            summary_shown = bool(details) and bool(done.messages)
            summary_shown = summary_shown and done.messages[-1] == details[0].text
            rows = views.detail_rows(flow, details, shown=0 if summary_shown else -1)
            rows.append((views.main_menu_button(self.texts, turn.lang),))
            self._say_result(turn, flow, done, rows, recipe=recipe)
            if done.messages and not done.then:
                return  # the summary with its buttons is the last message
        else:
            self._say_result(turn, flow, done, recipe=recipe)
        then = self.flows.get(done.then) if done.then else None
        if then is not None:
            self.open(turn, then.id)
            return
        turn.say(views.finished(self.texts, turn.lang))

    @staticmethod
    def _say_result(
        turn: Turn,
        flow: Flow | None,
        done: Completion,
        details: list[tuple[Button, ...]] | None = None,
        *,
        recipe: documents.JSON | None = None,
    ) -> None:
        files = completion.build_files(done.files, recipe, defer=turn.defer_documents)
        actions = [views.file_action(flow, spec) for spec in done.files]
        for reply in views.result(done.messages, files, details or (), actions):
            turn.say(reply)
