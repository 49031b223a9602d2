"""Property-based tests through the dialogue core (hypothesis): whatever a user sends, nothing
escapes ``Dialogue.handle`` and every reply fits Telegram's limits; and whatever a second user
forges, the first user's state, projects, results, reminders and answers stay untouched."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from sqlalchemy import text

from bot.dialogue import callbacks
from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Input, Reply
from bot.telegram.updates import OTHER_KINDS as TELEGRAM_OTHER_KINDS
from tests.bot.helpers import buttons, tap, text_of
from tests.conftest import build_test_dialogue

TEXT_LIMIT, CAPTION_LIMIT, NOTICE_LIMIT = 4096, 1024, 200  # Telegram's limits
MAX_BUTTONS = 100
USERS = (0, 1, 2)  # indices into ``fresh_users``
OWNER = 1

COMMAND_NAMES = (
    "start", "help", "language", "menu", "cancel", "projects", "digcomp", "risks", "partners",
    "sustainability", "project", "demo", "unanswered", "nonsense",
)  # fmt: skip
ARGUMENTS = ("quick", "full", "pdf", "edit", "retake", "", "QUICK", "x" * 300)
PART_VALUES = (
    "1", "0", "2", "99", "999999", "-1", "<", ">", "x", "y", "u", "d", "lv", "en", "main",
    "ask", "projects", "project", "digcomp", "risks", "partners", "sustainability", "demo",
    "quick", "full", "pdf", "edit", "retake", "time", "in_place", "not_yet",
)  # fmt: skip
OTHER_KINDS = (*TELEGRAM_OTHER_KINDS, "other")  # what the transport maps, and the fallback
EMOJI = ("🙂", "👍", "🇱🇻", "👨‍👩‍👧", "❤️", "🔥", "🤖", "🧪")
PROPS = settings(
    deadline=None,
    database=None,  # no .hypothesis/ directory in the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---- strategies ---------------------------------------------------------------------------
parts = st.one_of(
    st.sampled_from(PART_VALUES),
    st.integers(-5, 10**12).map(str),
    st.from_regex(r"\A[A-Za-z0-9_.<>+-]{1,40}\Z"),
    st.text(max_size=45),
)
forged_callbacks = st.one_of(
    st.builds(
        lambda kind, args: ":".join([kind, *args]),
        st.sampled_from(sorted(callbacks.KINDS)),
        st.lists(parts, max_size=3),
    ),
    st.builds(
        lambda kind, a, b: f"{kind}:{a}:{b}", st.sampled_from(["f", "go", "fb"]), parts, parts
    ),
)
long_texts = st.builds(
    lambda chunk, n: (chunk * n)[:10_000],
    st.text(min_size=1, max_size=8),
    st.integers(1, 10_000),
)
texts = st.one_of(
    st.text(),
    st.just(""),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    long_texts,
    st.integers(1990, 2010).map(lambda n: "ā" * n),  # around the bot's 2000-character limit
    st.lists(st.sampled_from(EMOJI), min_size=1, max_size=30).map("".join),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"]), max_size=50),
    st.text(alphabet=st.characters(min_codepoint=0x0590, max_codepoint=0x06FF), max_size=80),
    st.sampled_from(["kas ir KA2?", "kur meklēt partnerus", "15.01.2027", "31.02.2027", "1"]),
)
commands = st.builds(
    lambda name, suffix, args: f"/{name}{suffix}{(' ' + args) if args else ''}",
    st.one_of(
        st.sampled_from(COMMAND_NAMES),
        st.sampled_from(COMMAND_NAMES).map(str.upper),
        st.text(min_size=0, max_size=40).filter(lambda s: " " not in s),
    ),
    st.sampled_from(["", "@celvedis_bot", "@other_bot"]),
    st.one_of(st.sampled_from(ARGUMENTS), st.text(max_size=200)),
)
button_data = st.one_of(st.text(max_size=200), forged_callbacks, st.just(""))
others = st.sampled_from(OTHER_KINDS)
languages = st.sampled_from([None, "lv", "en", "en-US", "ru", "", "xx-Latn-zzzz"])


@st.composite
def inputs(draw: st.DrawFn) -> Input:
    """Any input a transport could hand the core, from user 0, 1 or 2 (see ``fresh_users``)."""
    user = draw(st.integers(0, len(USERS) - 1))
    kind = draw(st.sampled_from(["command", "text", "button", "other"]))
    payload = draw(
        {"command": commands, "text": texts, "button": button_data, "other": others}[kind]
    )
    return Input(user, user, kind, payload, draw(languages))  # type: ignore[arg-type]


_example = itertools.count(1)


def fresh_users(count: int) -> list[int]:
    """User ids never used before in this process: each example starts from new users, so the
    shared database does not make an example depend on the ones before it."""
    base = next(_example) * 1000
    return [base + i for i in range(count)]


# ---- checks -------------------------------------------------------------------------------
def check_replies(inp: Input, replies: list[Reply]) -> None:
    """Every reply is something Telegram accepts."""
    assert replies, f"no reply to {inp!r}"
    for reply in replies:
        assert reply.text.strip(), f"an empty reply to {inp!r}"
        assert len(reply.text) <= TEXT_LIMIT, f"{len(reply.text)} characters for {inp!r}"
        if reply.files:
            assert len(reply.text) <= CAPTION_LIMIT, f"a long caption for {inp!r}"
        if reply.notice and inp.kind == "button":
            assert len(reply.text) <= NOTICE_LIMIT, f"a long pop-up for {inp!r}"
        count = sum(len(row) for row in reply.buttons)
        assert count <= MAX_BUTTONS, f"{count} buttons for {inp!r}"
        for row in reply.buttons:
            assert row, f"an empty button row for {inp!r}"
            for button in row:
                assert button.label.strip(), f"an unlabelled button for {inp!r}"
                assert (button.data is None) != (button.url is None), button
                if button.data is not None:
                    assert len(button.data.encode("utf-8")) <= callbacks.MAX_BYTES, button
                    assert callbacks.decode(button.data) is not None, button


def handle(core: Dialogue, inp: Input) -> list[Reply]:
    with contextlib.suppress(InvalidArgument):  # outside a hypothesis test: nothing to note
        note(f"input: {inp!r}")
    replies = core.handle(inp)  # any exception fails the test
    check_replies(inp, replies)
    return replies


# ---- property 1: arbitrary inputs ---------------------------------------------------------
@pytest.fixture(scope="module")
def shared_core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dialogue]:
    """One dialogue on one SQLite file for all examples (users accumulate state across them)."""
    path: Path = tmp_path_factory.mktemp("properties") / "any.db"
    core = build_test_dialogue(f"sqlite:///{path}")
    yield core
    core.db.dispose()


# Scripted starting points, so that short walks also reach deep states: (kind, payload), where
# kind "tap" presses the first button whose label contains the payload.
LATVIAN = (("command", "/start"), ("tap", "Latviešu"))
PROJECT = (
    *LATVIAN,
    ("command", "/risks"),
    ("text", "Walk"),
    ("tap", "KA2"),
    ("tap", "Koordinators"),
    ("text", "01.09.2024"),
    ("text", "31.08.2027"),
)
STARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "new user": (),
    "latvian": LATVIAN,
    "english": (("command", "/start"), ("tap", "English")),
    "digcomp done": (*LATVIAN, ("command", "/digcomp quick"), *[("tap", "Patstāvīgi")] * 21),
    "risks begun": PROJECT,
    "risk flagged": (*PROJECT, *[("tap", "Ir kārtībā")] * 7, ("tap", "Vēl nav")),
    "partners": (*PROJECT, ("command", "/partners")),
    "sustainability": (*PROJECT, ("command", "/sustainability")),
    "project setup": (*LATVIAN, ("command", "/projects"), ("tap", "Jauns projekts")),
}
FLOW_ANSWERS = ("Anna", "15.01.2030", "01.01.2020", "Somija", "GreenVET", "-", "12")
follow_ups = st.one_of(
    st.integers(0, MAX_BUTTONS - 1),  # press a button of the latest replies, by index
    st.integers(0, MAX_BUTTONS - 1),  # (twice as likely as typing)
    st.sampled_from(FLOW_ANSWERS),  # or type something a flow may accept
    texts,  # or anything
)


def start(core: Dialogue, user: int, script: tuple[tuple[str, str], ...]) -> list[Reply]:
    replies: list[Reply] = []
    for kind, payload in script:
        if kind == "tap":
            data = next(b.data for b in buttons(replies) if payload in b.label and b.data)
            kind, payload = "button", data
        replies = handle(core, Input(user, user, kind, payload, "lv"))  # type: ignore[arg-type]
    return replies


@settings(PROPS, max_examples=60)
@given(
    begin=st.lists(st.sampled_from(sorted(STARTS)), min_size=len(USERS), max_size=len(USERS)),
    walk=st.lists(st.tuples(inputs(), st.lists(follow_ups, max_size=20)), min_size=1, max_size=5),
)
def test_any_input_gets_replies_telegram_accepts(
    shared_core: Dialogue, begin: list[str], walk: list[tuple[Input, list[int | str]]]
) -> None:
    """Each user starts from a scripted point; each step is an input, then follow-ups: presses
    of the latest replies' buttons (by index) or typed text, which take a walk deep into flows."""
    users = fresh_users(len(USERS))
    latest: dict[int, list[Reply]] = {}
    for drawn, follow in walk:
        user = users[drawn.user_id]
        if user not in latest:  # a user's scripted start, when the user first appears
            latest[user] = start(shared_core, user, STARTS[begin[drawn.user_id]])
        inp = Input(user, user, drawn.kind, drawn.payload, drawn.language_code)
        latest[user] = handle(shared_core, inp)
        for item in follow:
            offered = [b.data for b in buttons(latest[user]) if b.data]
            if isinstance(item, int) and offered:
                inp = Input(user, user, "button", offered[item % len(offered)], "lv")
            else:
                inp = Input(user, user, "text", str(item), "lv")
            latest[user] = handle(shared_core, inp)


# ---- property 2: isolation ----------------------------------------------------------------
SECRETS = ("Ozolzīle-X93K", "Vaboļu-Q7Z kalve", "Bērziņa-Ž4W")  # A's answers, nowhere else
PER_USER_TABLES = {
    "users": "id",
    "dialogue_states": "user_id",
    "projects": "user_id",
    "flow_results": "user_id",
    "reminders": "user_id",
    "question_log": "user_id",
}


@dataclass
class Scene:
    """User A's finished and unfinished work, and everything A was ever offered to press."""

    core: Dialogue
    callback_data: list[str] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)
    log_ids: list[int] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Scene(projects={self.project_ids}, logs={self.log_ids})"

    def send(self, kind: str, payload: str) -> list[Reply]:
        replies = self.core.handle(Input(OWNER, OWNER, kind, payload, "lv"))  # type: ignore[arg-type]
        self.callback_data.extend(b.data for b in buttons(replies) if b.data)
        return replies

    def tap(self, replies: list[Reply], label: str) -> list[Reply]:
        result = tap(self.core, replies, label, user=OWNER)
        self.callback_data.extend(b.data for b in buttons(result) if b.data)
        return result


def owner_rows(core: Dialogue) -> dict[str, list[tuple[Any, ...]]]:
    """A's rows in every per-user table, as stored (JSON as its text)."""
    with core.db.transaction() as session:
        return {
            table: [
                tuple(row)
                for row in session.execute(
                    text(f"SELECT * FROM {table} WHERE {column} = :user ORDER BY 1"),
                    {"user": OWNER},
                )
            ]
            for table, column in PER_USER_TABLES.items()
        }


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """A: a DigComp quick result, a project with a finished risk register and its reminder, a
    question asked, and the partner guide paused half way with a secret answer."""
    path = tmp_path_factory.mktemp("isolation") / "isolation.db"
    core = build_test_dialogue(f"sqlite:///{path}")
    a = Scene(core)
    a.tap(a.send("command", "/start"), "Latviešu")
    replies = a.send("command", "/digcomp quick")
    for _ in range(21):
        replies = a.tap(replies, "Patstāvīgi")
    assert "Kopumā:" in text_of(replies)
    a.send("command", "/risks")
    replies = a.send("text", SECRETS[0])
    replies = a.tap(a.tap(replies, "KA2 sadarbības partnerība"), "Koordinators")
    a.send("text", "01.09.2025")
    replies = a.send("text", "31.08.2027")
    for _ in range(7):
        replies = a.tap(replies, "✅ Ir kārtībā")
    replies = a.tap(a.tap(a.tap(replies, "❌ Vēl nav"), "5·4"), "📅 Mainīt datumu")
    a.send("text", "15.01.2030")
    replies = a.send("text", SECRETS[2])  # the owner
    for _ in range(20):
        replies = a.tap(replies, "✅ Ir kārtībā")
    assert "Riska reģistrs" in text_of(replies)
    a.send("command", "/risks")  # the landing: edit, files
    a.send("command", "/digcomp")  # the landing: retake, PDF
    a.send("command", "/projects")
    a.send("text", "kur meklēt partnerus?")  # answered: 👍/👎 buttons
    a.send("text", "zvjq kvazāru mēslojums")  # not answered: logged for editors
    a.send("command", "/partners")
    a.send("text", SECRETS[1])  # the partner guide's first answer, then left paused
    a.send("command", "/cancel")
    a.send("command", "/partners")
    rows = owner_rows(core)
    assert rows["reminders"] and rows["projects"] and len(rows["flow_results"]) >= 2
    assert rows["dialogue_states"][0] and rows["question_log"]
    with core.db.transaction() as session:
        a.project_ids = list(
            session.scalars(text("SELECT id FROM projects WHERE user_id = :u"), {"u": OWNER})
        )
        a.log_ids = list(
            session.scalars(text("SELECT id FROM question_log WHERE user_id = :u"), {"u": OWNER})
        )
    a.callback_data = sorted(set(a.callback_data))
    yield a
    core.db.dispose()


@st.composite
def intruder_inputs(draw: st.DrawFn, scene: Scene) -> tuple[str, str]:
    """B's input (kind, payload): A's buttons as they were, or with another number; A's ids in
    every callback kind; forgeries; commands; text."""
    ids = [*map(str, scene.project_ids), *map(str, scene.log_ids)]
    mutated = st.builds(
        lambda data, n: ":".join([*data.split(":")[:-1], str(n)]) if ":" in data else data,
        st.sampled_from(scene.callback_data),
        st.integers(0, 200),
    )
    aimed = st.sampled_from(
        sorted(
            {
                f"{kind}:{value}" if arity == 1 else f"{kind}:{value}:{second}"
                for kind, arity in callbacks.KINDS.items()
                for value in ids
                for second in ("u", "d", "x", "<", ">", "edit", "pdf")
            }
        )
    )
    choice = draw(st.sampled_from(["a's", "mutated", "aimed", "forged", "command", "text"]))
    if choice == "command":
        return "command", draw(commands)
    if choice == "text":
        return "text", draw(texts)
    data = {
        "a's": st.sampled_from(scene.callback_data),
        "mutated": mutated,
        "aimed": aimed,
        "forged": forged_callbacks,
    }[choice]
    return "button", draw(data)


@settings(PROPS, max_examples=100)
@given(data=st.data())
def test_another_user_cannot_touch_or_see_a_users_work(scene: Scene, data: st.DataObject) -> None:
    before = owner_rows(scene.core)
    walk = data.draw(st.lists(intruder_inputs(scene), min_size=1, max_size=12), label="B's inputs")
    intruder = fresh_users(1)[0]
    for kind, payload in walk:
        inp = Input(intruder, intruder, kind, payload, "lv")  # type: ignore[arg-type]
        replies = handle(scene.core, inp)
        shown = [r.text for r in replies] + [b.label for b in buttons(replies)]
        shown += [f.filename for r in replies for f in r.files]
        for secret in SECRETS:
            assert not any(secret in item for item in shown), f"{secret!r} shown to B: {inp!r}"
        assert owner_rows(scene.core) == before, f"A's rows changed by {inp!r}"


# ---- found by the properties above ------------------------------------------------------------
def test_a_control_character_in_an_answer_does_not_break_the_register(sqlite_url: str) -> None:
    """Found by the properties: the risk owner typed as "Anna\\x1b" (ESC) made the XLSX export
    raise (openpyxl's IllegalCharacterError); typed text is now cleaned at the door."""
    core = build_test_dialogue(sqlite_url)
    script = (*PROJECT, ("tap", "Vēl nav"), ("tap", "5·4"), ("tap", "Mainīt datumu"))
    start(core, OWNER, script)
    handle(core, Input(OWNER, OWNER, "text", "15.01.2030", "lv"))
    replies = handle(core, Input(OWNER, OWNER, "text", "Anna\x1b", "lv"))  # the owner
    for _ in range(27):
        replies = handle(core, Input(OWNER, OWNER, "button", next_data(replies, "kārtībā"), "lv"))
    assert any(f.filename.endswith(".xlsx") for r in replies for f in r.files)
    core.db.dispose()


def next_data(replies: list[Reply], label_part: str) -> str:
    return next(b.data for b in buttons(replies) if label_part in b.label and b.data)


def test_control_characters_are_cleaned_before_anything_stores_them(sqlite_url: str) -> None:
    """The partner guide's DOCX (lxml) and PostgreSQL (NUL) refuse such characters too."""
    from bot.dialogue.input_text import clean_text

    assert clean_text("metāl\x01apstrāde\x00 \ud800ok\ufffe\n\tline") == "metālapstrāde ok\n\tline"
    assert clean_text("Ceļvedis 🧭 — „labi”") == "Ceļvedis 🧭 — „labi”"
