"""The DigComp self-assessment through the dialogue core: entry points, history, bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from storage.models import FlowResult
from tests.bot.helpers import USER, buttons, press, send, text_of
from tests.conftest import build_test_dialogue

ON_MY_OWN, CONFIDENTLY = "Patstāvīgi", "Droši"


def begin(dialogue: Dialogue, command: str = "/digcomp quick", user: int = USER) -> list[Reply]:
    press(dialogue, send(dialogue, "command", "/start", user), "Latviešu", user)
    return send(dialogue, "command", command, user)


def answer(dialogue: Dialogue, replies: list[Reply], label: str, times: int) -> list[Reply]:
    for _ in range(times):
        replies = press(dialogue, replies, label)
    return replies


def results(dialogue: Dialogue) -> int:
    with dialogue.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(FlowResult))


def test_quick_assessment_gives_profile_chart_and_pdf_and_is_saved(dialogue: Dialogue) -> None:
    replies = begin(dialogue)
    assert "DigComp pašnovērtējums · 1/21" in text_of(replies)
    replies = answer(dialogue, replies, ON_MY_OWN, 21)
    text = text_of(replies)
    assert "Kopumā: 4. līmenis — Vidējais līmenis" in text and "nevis sertifikāts" in text
    practise = press(dialogue, replies, "Ko praktizēt")  # a section on demand, in place
    assert "Ko pilnveidot tālāk" in text_of(practise) and practise[0].edit
    files = [f for r in replies for f in r.files]
    assert [f.is_image for f in files] == [True, False]
    assert files[1].filename.endswith(".pdf")
    assert results(dialogue) == 1


def test_digcomp_again_shows_the_last_result_and_a_retake_compares(dialogue: Dialogue) -> None:
    answer(dialogue, begin(dialogue), ON_MY_OWN, 21)
    landing = send(dialogue, "command", "/digcomp")
    assert "Jūsu pēdējais DigComp pašnovērtējums" in text_of(landing)
    assert any(f.is_image for r in landing for f in r.files)
    pdf = press(dialogue, landing, "PDF")
    assert pdf[0].files[0].filename.endswith(".pdf")
    replies = answer(dialogue, press(dialogue, landing, "Atkārtot ātro"), CONFIDENTLY, 21)
    assert "5. Problēmu risināšana: 5. līmenis (augstais), +1 kopš" in text_of(replies)
    change = press(dialogue, replies, "Izmaiņas")
    assert "📈 Izmaiņas kopš" in text_of(change)
    assert "5. Problēmu risināšana: 4 → 5 (+1)" in text_of(change)
    assert results(dialogue) == 2


def test_a_retake_paused_half_way_resumes_after_a_restart(sqlite_url: str) -> None:
    first = build_test_dialogue(sqlite_url)
    answer(first, begin(first), ON_MY_OWN, 21)
    answer(first, press(first, send(first, "command", "/digcomp"), "Atkārtot"), CONFIDENTLY, 10)
    first.db.dispose()
    second = build_test_dialogue(sqlite_url)  # a new process on the same database
    replies = send(second, "command", "/digcomp")
    assert "Turpinām" in text_of(replies) and "11/21" in text_of(replies)
    replies = answer(second, replies, CONFIDENTLY, 11)
    assert "📈 Izmaiņas kopš" in text_of(press(second, replies, "Izmaiņas"))
    second.db.dispose()


def test_typed_text_or_a_photo_re_asks_and_keeps_progress(dialogue: Dialogue) -> None:
    replies = answer(dialogue, begin(dialogue), ON_MY_OWN, 3)
    for kind, payload in (("text", "diezgan labi"), ("other", "photo"), ("text", "🙂🙂")):
        again = send(dialogue, kind, payload)
        assert "4/21" in text_of(again)
    assert "pogām" in text_of(send(dialogue, "text", "labi"))
    answer(dialogue, replies, ON_MY_OWN, 1)
    assert "5/21" in text_of(send(dialogue, "command", "/digcomp"))


def test_a_button_pressed_twice_or_from_an_old_message_counts_once(dialogue: Dialogue) -> None:
    first = begin(dialogue)
    second = press(dialogue, first, ON_MY_OWN)  # 1.1 answered
    stale = press(dialogue, first, CONFIDENTLY)  # the same question from the other device
    assert stale[0].notice and "vecākas ziņas" in stale[0].text
    assert "3/21" in text_of(press(dialogue, second, ON_MY_OWN))


def test_mode_arguments_menu_and_an_unknown_argument(dialogue: Dialogue) -> None:
    replies = begin(dialogue, "/digcomp sometimes")
    assert "nav varianta „sometimes”" in text_of(replies)
    assert "Ātrais" in text_of(replies)
    thorough = press(dialogue, replies, "Padziļinātais")
    assert "«Es protu" in text_of(thorough) and "1/21" in text_of(thorough)
    menu = send(dialogue, "command", "/menu")
    assert any("Turpināt: DigComp" in b.label for b in buttons(menu))


def test_a_digcomp_answer_in_the_qa_offers_the_self_assessment(dialogue: Dialogue) -> None:
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    replies = send(dialogue, "text", "kas ir digcomp")
    opened = press(dialogue, replies, "DigComp pašnovērtējums")
    assert "Ātrais" in text_of(opened)


def test_a_landing_button_never_throws_away_an_unfinished_run(dialogue: Dialogue) -> None:
    answer(dialogue, begin(dialogue), ON_MY_OWN, 21)
    landing = send(dialogue, "command", "/digcomp")
    answer(dialogue, press(dialogue, landing, "Atkārtot"), ON_MY_OWN, 5)
    replies = press(dialogue, landing, "Padziļinātais")  # an old landing message
    assert "Turpinām" in text_of(replies) and "6/21" in text_of(replies)


def test_users_do_not_see_each_others_results(dialogue: Dialogue) -> None:
    answer(dialogue, begin(dialogue), ON_MY_OWN, 21)
    other = begin(dialogue, "/digcomp", user=USER + 1)
    assert "pēdējais" not in text_of(other) and "Ātrais" in text_of(other)


def test_buttons_of_a_paused_or_finished_flow_never_reach_another(dialogue: Dialogue) -> None:
    demo = begin(dialogue, "/demo")
    digcomp = send(dialogue, "command", "/digcomp quick")  # pauses the demo
    resumed = send(dialogue, "command", "/demo")
    assert "Turpinām" in text_of(resumed)
    for old in (demo, digcomp):  # older messages of both flows
        refused = press(dialogue, old, "KA2" if old is demo else ON_MY_OWN)
        assert refused[0].notice
    finished = answer(dialogue, send(dialogue, "command", "/digcomp"), ON_MY_OWN, 21)
    assert "Kopumā" in text_of(finished)
    retake = send(dialogue, "command", "/digcomp quick")
    assert press(dialogue, digcomp, ON_MY_OWN)[0].notice  # still stale after a finished run
    assert "2/21" in text_of(press(dialogue, retake, ON_MY_OWN))
