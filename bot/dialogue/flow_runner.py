"""Running flows for the dialogue core: the main menu, opening (start, resume or the last
result), advancing on buttons and text, pausing, finishing (history, projects, reminders) and
rendering prompts with progress and controls."""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, Reply
from bot.dialogue.projects import PROJECT_FLOW, ProjectDesk
from bot.dialogue.turn import Turn
from flows import engine
from flows.dates import reminder_time
from flows.engine import PROJECT, THEN, Completion, Flow, FlowState, Landing, Output, Record
from flows.registry import FlowRegistry
from knowledge.texts import Catalogue
from storage.repositories import FlowResultRepository, ReminderRepository


class FlowRunner:
    """Everything the core does with flows, for one turn at a time (it keeps no user state)."""

    def __init__(self, flows: FlowRegistry, texts: Catalogue, projects: ProjectDesk) -> None:
        self.flows = flows
        self.texts = texts
        self.projects = projects

    def t(self, turn: Turn, key: str, **values: object) -> str:
        return self.texts.text(key, turn.lang, **values)

    def _note(self, turn: Turn, key: str, **values: object) -> None:
        turn.say(Reply(self.t(turn, key, **values)))

    # ---- menu --------------------------------------------------------------------------
    def main_menu(self, turn: Turn, *, edit: bool = False) -> Reply:
        rows: list[tuple[Button, ...]] = []
        resumable = self.resumable(turn)
        for flow_id in resumable:
            flow = self.flows.get(flow_id)
            if flow:
                label = self.t(turn, "menu.continue", flow=flow.title.get(turn.lang))
                rows.append((Button(label, callbacks.encode("menu", flow_id)),))
        for flow in self.flows:
            if flow.in_menu and flow.id not in resumable:
                label = self.t(turn, "qa.open_flow", flow=flow.title.get(turn.lang))
                rows.append((Button(label, callbacks.encode("menu", flow.id)),))
        if self.projects.setup is not None:
            projects = Button(self.t(turn, "menu.projects"), callbacks.encode("menu", "projects"))
            rows.append((projects,))
        rows.append((Button(self.t(turn, "menu.ask"), callbacks.encode("menu", "ask")),))
        return Reply(self.t(turn, "menu.title"), buttons=tuple(rows), edit=edit)

    @staticmethod
    def resumable(turn: Turn) -> list[str]:
        active = [turn.dialogue.flow] if turn.dialogue.flow else []
        return active + [f for f in turn.dialogue.paused if f not in active]

    # ---- flows -------------------------------------------------------------------------
    def open(self, turn: Turn, flow_id: str, arg: str = "") -> None:
        """Resume ``flow_id`` where the user left it; otherwise show the last result (when the
        flow has a landing and no argument was given) or start a fresh run."""
        flow = self.flows.get(flow_id)
        if flow is None:
            turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))
            return
        if self._resume(turn, flow):
            return
        if flow.needs_project and ProjectDesk.active(turn) is None:
            self._ask_for_project(turn, flow)
            return
        last = self._last_record(turn, flow)
        if not arg and last is not None:
            landing = flow.landing(last, turn.lang)
            if landing is not None:
                self._show_landing(turn, flow, landing)
                return
        answers = flow.begin(arg, last)
        if answers is None:
            self._note(turn, "flow.unknown_argument", argument=arg[:40])
            answers = flow.begin("", last) or {}
        self._start(turn, flow, answers)

    def _ask_for_project(self, turn: Turn, flow: Flow) -> None:
        setup = self.flows.get(PROJECT_FLOW)
        if setup is None:
            raise RuntimeError(f"flow {flow.id} needs a project but no project flow is registered")
        if self._resume(turn, setup):  # setting up a project already: carry on, lose nothing
            return
        self._note(turn, "projects.needed", flow=flow.title.get(turn.lang))
        self._start(turn, setup, {THEN: flow.id})

    def _resume(self, turn: Turn, flow: Flow) -> bool:
        """Show the user's unfinished run of ``flow`` again, if there is one."""
        dialogue = turn.dialogue
        if dialogue.flow == flow.id and dialogue.state:
            state = FlowState.from_json(dialogue.state)
        elif flow.id in dialogue.paused:
            if dialogue.flow:
                self.pause_active(turn, announce=False)
            state = self._activate(turn, FlowState.from_json(dialogue.paused.pop(flow.id)), True)
        else:
            return False
        self._note(turn, "flow.resumed", flow=flow.title.get(turn.lang))
        self._render(turn, flow, state, engine.render(flow, state, turn.lang), restart=True)
        return True

    def _start(self, turn: Turn, flow: Flow, answers: dict[str, object]) -> None:
        """A fresh run of ``flow``; any other active flow is paused, nothing is lost."""
        if flow.needs_project:
            project = ProjectDesk.active(turn)
            if project is None:
                self._ask_for_project(turn, flow)
                return
            answers = {**answers, PROJECT: project}
        dialogue = turn.dialogue
        dropped = dialogue.paused.pop(flow.id, None)  # replaced by the fresh run
        if dropped:
            dialogue.last_seq = max(dialogue.last_seq, dropped.get("seq", 0))
        if dialogue.flow and dialogue.flow != flow.id:
            self.pause_active(turn, announce=False)
        state = self._activate(turn, engine.start(flow, answers), True)
        self._render(turn, flow, state, engine.render(flow, state, turn.lang))

    def restart(self, turn: Turn, flow_id: str) -> None:
        flow = self.flows.get(flow_id)
        if flow is None:
            turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))
            return
        self._start(turn, flow, flow.begin("", self._last_record(turn, flow)) or {})

    def _last_record(self, turn: Turn, flow: Flow) -> Record | None:
        """The user's last finished run of ``flow`` (on the active project for project tools)."""
        project_id = None
        if flow.needs_project:
            project = ProjectDesk.active(turn)
            if project is None:
                return None
            project_id = project["id"]
        rows = FlowResultRepository(turn.session).latest(
            turn.user.id, flow.id, project_id=project_id
        )
        return Record(rows[0].data, rows[0].created_at) if rows else None

    def _show_landing(self, turn: Turn, flow: Flow, landing: Landing) -> None:
        for message in landing.messages[:-1]:
            turn.say(Reply(message))
        for file in landing.files:
            turn.say(Reply(file.caption, files=(file,)))
        rows = [
            (Button(label, callbacks.encode("go", flow.id, arg)),) for arg, label in landing.actions
        ]
        rows.append((Button(self.t(turn, "menu.main"), callbacks.encode("menu", "main")),))
        text = landing.messages[-1] if landing.messages else flow.title.get(turn.lang)
        turn.say(Reply(text, buttons=tuple(rows)))

    def landing_action(self, turn: Turn, flow_id: str, arg: str) -> None:
        """A button under a flow's last result: a fresh start with ``arg``, or another action."""
        flow = self.flows.get(flow_id)
        if flow is None:
            turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))
            return
        last = self._last_record(turn, flow)
        answers = flow.begin(arg, last)
        if answers is not None:
            if not self._resume(turn, flow):  # an unfinished run is never thrown away
                self._start(turn, flow, answers)
            return
        result = flow.act(arg, last, turn.lang) if last is not None else None
        if result is None:
            turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))
            return
        self._say_result(turn, result)

    def _activate(self, turn: Turn, state: FlowState, new_seq: bool = False) -> FlowState:
        """Make ``state`` the active one. ``new_seq`` gives it a sequence number never used
        before for this user, so buttons of any earlier message become stale."""
        dialogue = turn.dialogue
        if new_seq:
            seqs = [dialogue.last_seq, *(s.get("seq", 0) for s in dialogue.paused.values())]
            if dialogue.state:
                seqs.append(dialogue.state.get("seq", 0))
            dialogue.last_seq = max(seqs) + 1
            state = replace(state, seq=dialogue.last_seq)
        dialogue.flow = state.flow
        dialogue.state = state.to_json()
        return state

    def pause_active(self, turn: Turn, *, announce: bool) -> None:
        dialogue = turn.dialogue
        if not dialogue.flow or not dialogue.state:
            if announce:
                self._note(turn, "flow.nothing_to_cancel")
                turn.say(self.main_menu(turn))
            return
        flow = self.flows.get(dialogue.flow)
        title = flow.title.get(turn.lang) if flow else dialogue.flow
        dialogue.paused[dialogue.flow] = dialogue.state
        dialogue.flow, dialogue.state = None, None
        if announce:
            self._note(turn, "flow.paused", flow=title)
            turn.say(self.main_menu(turn))
        else:
            self._note(turn, "flow.other_paused", flow=title)

    def button(self, turn: Turn, seq: str, option: str) -> None:
        dialogue = turn.dialogue
        if not dialogue.flow or not dialogue.state:
            turn.say(Reply(self.t(turn, "flow.stale"), notice=True))
            return
        state = FlowState.from_json(dialogue.state)
        if seq != str(state.seq):
            turn.say(Reply(self.t(turn, "flow.stale"), notice=True))
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
        self.advance(turn, state, event, from_button=True)

    def show_active_step(self, turn: Turn) -> None:
        if turn.dialogue.flow and turn.dialogue.state:
            state = FlowState.from_json(turn.dialogue.state)
            self.advance(turn, state, engine.Show(), from_button=False)

    def advance(
        self, turn: Turn, state: FlowState, event: engine.Event, *, from_button: bool
    ) -> None:
        flow = self.flows.get(state.flow)
        if flow is None or state.step is None:  # a flow removed since the state was saved
            turn.dialogue.flow, turn.dialogue.state = None, None
            turn.say(self.main_menu(turn))
            return
        new_state, output = engine.advance(flow, state, event, turn.lang)
        for note in output.notes:
            turn.say(Reply(note))
        if output.completion is not None:
            self._complete(turn, flow, new_state, output)
            return
        self._activate(turn, new_state)
        assert output.prompt is not None
        edit = from_button and output.changed and not output.notes
        self._render(turn, flow, new_state, output.prompt, edit=edit)

    def _complete(self, turn: Turn, flow: Flow, state: FlowState, output: Output) -> None:
        completion = output.completion
        assert completion is not None
        turn.dialogue.last_seq = max(turn.dialogue.last_seq, state.seq)
        turn.dialogue.flow, turn.dialogue.state = None, None
        project = state.answers.get(PROJECT)
        project_id = project.get("id") if isinstance(project, dict) else None
        if completion.record is not None:
            results = FlowResultRepository(turn.session)
            results.add(turn.user.id, flow.id, completion.record, project_id=project_id)
            due = [
                (r.key, reminder_time(r.due_on), {"lv": r.text.lv, "en": r.text.en})
                for r in completion.reminders
            ]
            ReminderRepository(turn.session).replace(turn.user.id, flow.id, project_id, due)
        if completion.project is not None:
            ProjectDesk.create(turn, completion.project)
        self._say_result(turn, completion)
        then = self.flows.get(completion.then) if completion.then else None
        if then is not None:
            self.open(turn, then.id)
            return
        menu = Button(self.t(turn, "menu.main"), callbacks.encode("menu", "main"))
        turn.say(Reply(self.t(turn, "flow.finished"), buttons=((menu,),)))

    @staticmethod
    def _say_result(turn: Turn, completion: Completion) -> None:
        """Pictures first (they sum up), then the messages, then documents to take away."""
        images = [f for f in completion.files if f.is_image]
        documents = [f for f in completion.files if not f.is_image]
        for file in images:
            turn.say(Reply(file.caption, files=(file,)))
        for message in completion.messages:
            turn.say(Reply(message))
        for file in documents:
            turn.say(Reply(file.caption, files=(file,)))

    def _render(
        self,
        turn: Turn,
        flow: Flow,
        state: FlowState,
        prompt: engine.Prompt,
        *,
        edit: bool = False,
        restart: bool = False,
    ) -> None:
        header = flow.title.get(turn.lang)
        project = state.answers.get(PROJECT)
        if isinstance(project, dict) and project.get("name"):
            header = f"{header} · {project['name']}"
        if prompt.position:
            progress = self.t(turn, "flow.progress", position=prompt.position, total=prompt.total)
            header = f"{header} · {progress}"
        text = f"{header}\n\n{prompt.text}"
        if prompt.free_text and not prompt.options:
            text += f"\n\n✍️ {self.t(turn, 'flow.type_answer')}"
        options = [
            Button(label, callbacks.encode("f", state.seq, oid)) for oid, label in prompt.options
        ]
        rows = [
            tuple(options[i : i + prompt.columns]) for i in range(0, len(options), prompt.columns)
        ]
        controls = []
        if prompt.can_back:
            controls.append(
                Button(self.t(turn, "flow.back"), callbacks.encode("f", state.seq, "<"))
            )
        if prompt.can_skip:
            controls.append(
                Button(self.t(turn, "flow.skip"), callbacks.encode("f", state.seq, ">"))
            )
        controls.append(Button(self.t(turn, "flow.pause"), callbacks.encode("f", state.seq, "x")))
        rows.append(tuple(controls))
        if restart:
            rows.append(
                (Button(self.t(turn, "flow.restart"), callbacks.encode("restart", flow.id)),)
            )
        turn.say(Reply(text, buttons=tuple(rows), edit=edit))
