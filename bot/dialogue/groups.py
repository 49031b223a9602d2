"""/group (/grupa): a teacher's groups for the DigComp self-assessment — create, share the link
and QR code, open and close rounds, see the group's anonymous report, rename, close, delete —
and a learner's side: joining by an invite, seeing their groups, leaving.

The teacher never sees one learner: counts below ``MIN_COUNT`` are shown as "fewer than 5",
and the report comes only for a closed round with at least ``MIN_COUNT`` finished learners
(numbers suppressed by ``flows.groups.aggregate``)."""

from __future__ import annotations

import re
from datetime import date

from bot.dialogue import callbacks, completion, documents
from bot.dialogue.callbacks import Callback
from bot.dialogue.flow_runner import FlowRunner
from bot.dialogue.invites import InviteDesk
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.dates import local_date, parse_date, show_date
from flows.digcomp.content import Competence, default_competences
from flows.groups.aggregate import MIN_COUNT, change, group_profile
from flows.groups.report import Comparison, GroupReport
from knowledge.texts import LANGUAGES, Catalogue
from storage.groups import INVITE_KIND, GroupRepository
from storage.invites import InviteRepository
from storage.models import Group, GroupRound, Invite

DIGCOMP = "digcomp"
PRESET_ROUNDS = ("before", "after")
NEW = {"new", "jauna", "jauns"}
RENAME = {"rename", "parsaukt", "pārsaukt"}
ROUND = {"round", "karta", "kārta"}
MODE_ARGUMENT = {
    "quick": {"lv": "atrais", "en": "quick"},
    "full": {"lv": "padzilinatais", "en": "full"},
}
_DATES = re.compile(r"\s+(\S+)\s*[–—-]\s*(\S+)\s*$")


def split_name_and_dates(text: str) -> tuple[str, date | None, date | None]:
    """ "3.B 01.03.2027–14.03.2027" -> ("3.B", 2027-03-01, 2027-03-14); dates are optional."""
    match = _DATES.search(text)
    if match:
        first, last = parse_date(match[1]), parse_date(match[2])
        if first is not None and last is not None and first <= last:
            return text[: match.start()].strip(), first, last
    return text.strip(), None, None


class GroupDesk:
    """The core's group commands and buttons (``grp`` and ``grpr``)."""

    def __init__(
        self,
        texts: Catalogue,
        invites: InviteDesk,
        runner: FlowRunner,
        competences: tuple[Competence, ...] | None = None,
    ) -> None:
        self.texts = texts
        self.invites = invites
        self.runner = runner
        self.competences = competences or default_competences()

    def t(self, turn: Turn, key: str, **values: object) -> str:
        return self.texts.text(key, turn.lang, **values)

    def _say(self, turn: Turn, key: str, **values: object) -> None:
        turn.say(Reply(self.t(turn, key, **values)))

    def _invalid(self, turn: Turn) -> None:
        turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))

    def count(self, turn: Turn, value: int) -> str:
        """A number of people as the teacher sees it: never one below ``MIN_COUNT``."""
        return str(value) if value >= MIN_COUNT else self.t(turn, "groups.fewer", minimum=MIN_COUNT)

    def by(self, turn: Turn, group: Group) -> str:
        """ " (teacher: Ilze)" when the teacher's first name is known, else nothing."""
        if not group.teacher_name:
            return ""
        return " " + self.t(turn, "groups.by_teacher", teacher=group.teacher_name)

    def round_name(self, name: str, lang: str) -> str:
        if name in PRESET_ROUNDS:
            return self.texts.text(f"groups.round.{name}", lang)
        return name

    # ---- /group ------------------------------------------------------------------------
    def command(self, turn: Turn, args: str) -> None:
        sub, _, rest = args.strip().partition(" ")
        sub = sub.lower()
        if sub in NEW:
            self.create(turn, rest)
        elif sub in RENAME:
            self.rename(turn, rest)
        elif sub in ROUND:
            self.named_round(turn, rest)
        else:
            if sub:
                self._say(turn, "groups.unknown_subcommand")
            turn.say(self.overview(turn))

    def overview(self, turn: Turn, *, edit: bool = False) -> Reply:
        repo = GroupRepository(turn.session)
        owned, joined = repo.owned(turn.user.id), repo.joined(turn.user.id)
        lines = [self.t(turn, "groups.title" if owned else "groups.none")]
        rows: list[tuple[Button, ...]] = [
            (Button(f"👥 {g.name}"[:60], callbacks.encode("grp", "show", g.id)),) for g in owned
        ]
        if joined:
            lines += ["", self.t(turn, "groups.joined_title")]
            for group in joined:
                lines.append(
                    self.t(turn, "groups.joined_item", name=group.name, by=self.by(turn, group))
                )
                current = repo.open_round(group.id)
                if current is not None:
                    name = self.round_name(current.name, turn.lang)
                    lines.append(self.t(turn, "groups.joined_round_open", name=name))
                    label = self.t(turn, "groups.button.take", name=group.name)[:60]
                    rows.append((Button(label, callbacks.encode("grp", "take", group.id)),))
                label = self.t(turn, "groups.leave_button", name=group.name)[:60]
                rows.append((Button(label, callbacks.encode("grp", "leave", group.id)),))
        lines += ["", self.t(turn, "groups.how_to_create")]
        return Reply("\n".join(lines), buttons=tuple(rows), edit=edit)

    def create(self, turn: Turn, text: str) -> None:
        name, starts_on, ends_on = split_name_and_dates(text)
        if not name:
            self._say(turn, "groups.how_to_create")
            return
        group = GroupRepository(turn.session).create(
            turn.user.id,
            name,
            teacher_name=turn.input.first_name,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        self._say(turn, "groups.created", name=group.name)
        turn.say(self.card(turn, group))
        turn.replies.extend(self.link_replies(turn, group))

    def rename(self, turn: Turn, text: str) -> None:
        number, _, name = text.strip().partition(" ")
        group = self._owned(turn, number)
        name, starts_on, ends_on = split_name_and_dates(name)
        if group is None or not name:
            self._say(turn, "groups.how_to_rename")
            return
        group.name = name[:80]
        if starts_on is not None:
            group.starts_on, group.ends_on = starts_on, ends_on
        self._say(turn, "groups.renamed", name=group.name)
        turn.say(self.card(turn, group))

    def named_round(self, turn: Turn, text: str) -> None:
        number, _, name = text.strip().partition(" ")
        group = self._owned(turn, number)
        if group is None or not name.strip():
            self._say(turn, "groups.how_to_round")
            return
        self.start_round(turn, group, name.strip())

    def _owned(self, turn: Turn, number: str) -> Group | None:
        if not number.isdigit() or len(number) > 12:
            return None
        return GroupRepository(turn.session).get_owned(turn.user.id, int(number))

    # ---- the teacher's card ----------------------------------------------------------------
    def card(self, turn: Turn, group: Group, *, edit: bool = False) -> Reply:
        repo = GroupRepository(turn.session)
        rounds = repo.rounds(group.id)
        lines = [self.t(turn, "groups.card.heading", name=group.name)]
        if group.starts_on and group.ends_on:
            dates = f"{show_date(group.starts_on)}–{show_date(group.ends_on)}"
            lines.append(self.t(turn, "groups.card.dates", dates=dates))
        lines.append(
            self.t(turn, "groups.card.mode", mode=self.t(turn, f"groups.mode.{group.mode}"))
        )
        lines.append(
            self.t(turn, "groups.card.members", count=self.count(turn, repo.member_count(group.id)))
        )
        if group.closed:
            lines.append(self.t(turn, "groups.card.closed"))
        lines.append("")
        if not rounds:
            lines.append(self.t(turn, "groups.card.no_rounds"))
        for found in rounds:
            name = self.round_name(found.name, turn.lang)
            finished = self.count(turn, repo.finished_count(found))
            key = (
                "groups.card.round_open" if found.closed_at is None else "groups.card.round_closed"
            )
            lines.append(self.t(turn, key, name=name, count=finished))
        lines += ["", self.t(turn, "groups.card.commands", id=group.id)]
        rows: list[tuple[Button, ...]] = []
        button = self._button
        if not group.closed:
            rows.append((button(turn, "groups.button.link", "link", group.id),))
            open_round = repo.open_round(group.id)
            if open_round is not None:
                label = self.t(
                    turn,
                    "groups.button.end_round",
                    name=self.round_name(open_round.name, turn.lang),
                )
                rows.append((Button(label, callbacks.encode("grp", "end", group.id)),))
            else:
                done = {r.name for r in rounds}
                presets = [p for p in PRESET_ROUNDS if p not in done]
                rows.append(
                    tuple(
                        Button(
                            self.t(
                                turn,
                                "groups.button.start_round",
                                name=self.round_name(p, turn.lang),
                            ),
                            callbacks.encode("grpr", group.id, p),
                        )
                        for p in presets
                    )
                )
        for found in rounds:
            if found.closed_at is not None:
                label = self.t(
                    turn, "groups.button.report", name=self.round_name(found.name, turn.lang)
                )
                rows.append((Button(label[:60], callbacks.encode("grp", "rep", found.id)),))
        if not group.closed:
            other = "full" if group.mode == "quick" else "quick"
            label = self.t(turn, "groups.button.mode", mode=self.t(turn, f"groups.mode.{other}"))
            rows.append((Button(label, callbacks.encode("grp", "mode", group.id)),))
            rows.append(
                (
                    button(turn, "groups.button.revoke", "revoke", group.id),
                    button(turn, "groups.button.close", "close", group.id),
                )
            )
        rows.append(
            (
                button(turn, "groups.button.delete", "del", group.id),
                button(turn, "groups.button.all", "list", 0),
            )
        )
        return Reply("\n".join(lines), buttons=tuple(r for r in rows if r), edit=edit)

    def _button(self, turn: Turn, key: str, action: str, number: int) -> Button:
        return Button(self.t(turn, key), callbacks.encode("grp", action, number))

    def link_replies(self, turn: Turn, group: Group) -> list[Reply]:
        """The link as text (to copy) and its QR code as a photo (to show in class)."""
        repo = InviteRepository(turn.session)
        invite = repo.current(INVITE_KIND, group.id) or repo.create(
            INVITE_KIND, group.id, turn.user.id
        )
        keys = ("groups.link", "groups.qr_caption")
        return self.invites.share(turn, invite, keys, f"qr-{group.id}.png", name=group.name)

    # ---- buttons -------------------------------------------------------------------------
    def button(self, turn: Turn, callback: Callback) -> None:
        action, arg = callback.args
        if action == "join":
            self.join(turn, arg)
            return
        if action == "no":
            self._say(turn, "groups.not_joined")
            return
        if not arg.isdigit() or len(arg) > 12:  # ids only; anything else is forged
            self._invalid(turn)
            return
        number = int(arg)
        repo = GroupRepository(turn.session)
        if action == "list":
            turn.say(self.overview(turn, edit=True))
            return
        if action == "take":  # a member takes the self-assessment of an open round
            joined = repo.get(number)
            if joined is None or repo.membership(number, turn.user.id) is None:
                self._invalid(turn)
                return
            self.runner.open(turn, DIGCOMP, joined.mode)
            return
        if action in ("leave", "leaveok"):
            self.leave(turn, number, confirmed=action == "leaveok")
            return
        if action == "rep":
            self.report(turn, number)
            return
        group = repo.get_owned(turn.user.id, number)
        if group is None:  # not this user's group (or gone): nothing to see
            self._invalid(turn)
            return
        if action == "show":
            turn.say(self.card(turn, group, edit=True))
        elif action == "link" and not group.closed:
            turn.replies.extend(self.link_replies(turn, group))
        elif action == "mode" and not group.closed:
            group.mode = "full" if group.mode == "quick" else "quick"
            turn.say(self.card(turn, group, edit=True))
        elif action == "end":
            self.end_round(turn, group)
        elif action == "revoke":
            InviteRepository(turn.session).revoke_all(INVITE_KIND, group.id)
            self._say(turn, "groups.revoked")
        elif action == "close" and not group.closed:
            self.close_group(turn, group)
        elif action == "del":
            row = (
                self._button(turn, "groups.button.delete_yes", "delok", group.id),
                self._button(turn, "groups.button.keep", "show", group.id),
            )
            turn.say(Reply(self.t(turn, "groups.delete_confirm", name=group.name), buttons=(row,)))
        elif action == "delok":
            name = group.name
            repo.delete(group)
            self._say(turn, "groups.deleted", name=name)
            turn.say(self.overview(turn))
        else:
            self._invalid(turn)

    def round_button(self, turn: Turn, callback: Callback) -> None:
        number, preset = callback.args
        group = self._owned(turn, number)
        if group is None or preset not in PRESET_ROUNDS:
            self._invalid(turn)
            return
        self.start_round(turn, group, preset)

    # ---- rounds --------------------------------------------------------------------------
    def start_round(self, turn: Turn, group: Group, name: str) -> None:
        repo = GroupRepository(turn.session)
        if group.closed:
            self._say(turn, "groups.group_closed")
            return
        current = repo.open_round(group.id)
        if current is not None:
            self._say(
                turn, "groups.round_already_open", name=self.round_name(current.name, turn.lang)
            )
            return
        found = repo.start_round(group.id, name)
        self._remind_members(turn, group, found)
        self._say(turn, "groups.round_started", name=self.round_name(name, turn.lang))
        turn.say(self.card(turn, group))

    def _remind_members(self, turn: Turn, group: Group, found: GroupRound) -> None:
        """Each member is reminded once, in their own language (the reminders machinery)."""
        text = {
            lang: self.texts.text(
                "groups.reminder",
                lang,
                group=group.name,
                round=self.round_name(found.name, lang),
                mode=MODE_ARGUMENT[group.mode][lang],
            )
            for lang in LANGUAGES
        }
        GroupRepository(turn.session).remind_members(group.id, found.id, text)

    def end_round(self, turn: Turn, group: Group) -> None:
        repo = GroupRepository(turn.session)
        found = repo.open_round(group.id)
        if found is None:
            self._invalid(turn)
            return
        finished = repo.close_round(found)
        name = self.round_name(found.name, turn.lang)
        if finished < MIN_COUNT:
            self._say(turn, "groups.round_closed_too_few", name=name, minimum=MIN_COUNT)
            turn.say(self.card(turn, group))
            return
        self._say(turn, "groups.round_closed", name=name, count=finished)
        self.report(turn, found.id)

    def close_group(self, turn: Turn, group: Group) -> None:
        repo = GroupRepository(turn.session)
        found = repo.open_round(group.id)
        if found is not None:
            repo.close_round(found)
        group.closed = True
        InviteRepository(turn.session).revoke_all(INVITE_KIND, group.id)
        self._say(turn, "groups.closed", name=group.name)
        turn.say(self.card(turn, group))

    # ---- the report ----------------------------------------------------------------------
    def build_report(self, turn: Turn, group: Group, found: GroupRound) -> GroupReport | None:
        """The report of a closed round, or None: when fewer than ``MIN_COUNT`` counted, or when
        anyone who counted has left or erased their data since the round closed (a report
        without them, next to the one the teacher saw before, would show that one learner's
        levels by difference)."""
        repo = GroupRepository(turn.session)
        entries = repo.entries(found)
        if found.closed_at is None or len(entries) != found.counted:
            return None
        profile = group_profile(list(entries.values()), self.competences)
        if profile is None:
            return None
        comparison = None
        earlier = [r for r in repo.rounds(group.id) if r.closed_at is not None and r.id < found.id]
        if earlier:
            before = earlier[-1]
            changed = change(repo.entries(before), entries, self.competences)
            name = self.round_name(before.name, turn.lang)
            comparison = Comparison(name, *changed) if changed else Comparison(name, None)
        return GroupReport(
            profile,
            self.competences,
            group=group.name,
            round_name=self.round_name(found.name, turn.lang),
            closed_on=local_date(found.closed_at),
            lang=turn.lang,
            comparison=comparison,
        )

    def report(self, turn: Turn, round_id: int) -> None:
        owned = GroupRepository(turn.session).round_of_owner(turn.user.id, round_id)
        if owned is None:  # a stranger's or a made-up round: nothing to see
            self._invalid(turn)
            return
        group, found = owned
        name = self.round_name(found.name, turn.lang)
        if found.closed_at is None:
            finished = self.count(turn, GroupRepository(turn.session).finished_count(found))
            self._say(turn, "groups.report_open", name=name, count=finished, minimum=MIN_COUNT)
            return
        report = self.build_report(turn, group, found)
        if report is None:
            self._say(turn, "groups.report_withheld", name=name, minimum=MIN_COUNT)
            return
        # On the webhook, named as document jobs (from the aggregate alone) built after the commit.
        recipe = documents.group_report_recipe(report)
        files = (report.chart_file(), report.xlsx_file())
        chart, sheet = completion.build_files(files, recipe, defer=turn.defer_documents)
        summary, competences = report.messages()
        back = (self._button(turn, "groups.button.back_to_group", "show", group.id),)
        turn.say(Reply(chart.caption, files=(chart,)))
        turn.say(Reply(summary))
        turn.say(Reply(competences))
        turn.say(Reply(sheet.caption, files=(sheet,), buttons=(back,)))

    # ---- learners --------------------------------------------------------------------------
    def open_invite(self, turn: Turn, invite: Invite) -> None:
        """A learner opened a group's link: what the teacher will see, and a confirmation."""
        repo = GroupRepository(turn.session)
        group = repo.get(invite.target_id)
        if group is None or group.closed:
            self._say(turn, "invites.unknown")
            return
        if group.owner_id == turn.user.id:
            self._say(turn, "groups.own_link")
            turn.say(self.card(turn, group))
            return
        if repo.membership(group.id, turn.user.id) is not None:
            self._say(turn, "groups.already_member", name=group.name)
            return
        text = self.t(
            turn, "groups.join_offer", name=group.name, by=self.by(turn, group), minimum=MIN_COUNT
        )
        row = (
            Button(
                self.t(turn, "groups.button.join"), callbacks.encode("grp", "join", invite.token)
            ),
            Button(self.t(turn, "groups.button.not_now"), callbacks.encode("grp", "no", 0)),
        )
        turn.say(Reply(text, buttons=(row,)))

    def join(self, turn: Turn, token: str) -> None:
        invite = self.invites.check(turn, token, INVITE_KIND)
        if invite is None:
            return
        repo = GroupRepository(turn.session)
        group = repo.get(invite.target_id)
        if group is None or group.closed or group.owner_id == turn.user.id:
            self._say(turn, "invites.unknown")
            return
        if not repo.join(group.id, turn.user.id):
            self._say(turn, "groups.already_member", name=group.name)
            return
        InviteRepository.use(invite)
        self._say(turn, "groups.joined", name=group.name)
        if repo.open_round(group.id) is not None:
            self.runner.open(turn, DIGCOMP, group.mode)
        else:
            self._say(turn, "groups.no_round_yet")

    def leave(self, turn: Turn, group_id: int, *, confirmed: bool) -> None:
        repo = GroupRepository(turn.session)
        group = repo.get(group_id)
        if group is None or repo.membership(group_id, turn.user.id) is None:
            self._invalid(turn)
            return
        if not confirmed:
            row = (
                Button(
                    self.t(turn, "groups.button.leave_yes"),
                    callbacks.encode("grp", "leaveok", group_id),
                ),
                Button(self.t(turn, "groups.button.stay"), callbacks.encode("grp", "list", 0)),
            )
            turn.say(Reply(self.t(turn, "groups.leave_confirm", name=group.name), buttons=(row,)))
            return
        repo.leave(group_id, turn.user.id)
        self._say(turn, "groups.left", name=group.name)
