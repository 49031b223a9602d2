"""The name on the DigComp PDF (issue 13 item 8): asked once, from a button under the first PDF;
remembered per user and printed on every later PDF; "without a name" remembered too; in both
languages; in /mydata and gone after /forget; never seen by another user."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Input, OutFile, Reply
from storage.models import ContactDetails
from tests.bot.helpers import USER, buttons, press, send, tap, text_of

OTHER = 5151
ON_MY_OWN = "Patstāvīgi"
ADD_NAME, CHANGE_NAME, NO_NAME = "🖊 Pievienot savu vārdu PDF", "🖊 Mainīt vārdu PDF", "Bez vārda"


def quick_run(dialogue: Dialogue, user: int = USER, *, first: bool = True) -> list[Reply]:
    """A quick self-assessment answered "on my own" throughout (Latvian)."""
    if first:
        press(dialogue, send(dialogue, "command", "/start", user), "Latviešu", user)
    replies = send(dialogue, "command", "/digcomp quick", user)
    for _ in range(21):
        replies = press(dialogue, replies, ON_MY_OWN, user)
    return replies


def pdf_reply(replies: list[Reply]) -> Reply:
    [reply] = [r for r in replies if any(f.filename.endswith(".pdf") for f in r.files)]
    return reply


def pdf_text(file: OutFile) -> str:
    reader = PdfReader(io.BytesIO(file.data))
    assert len(reader.pages) == 1
    return "\n".join(page.extract_text() for page in reader.pages)


def labels(reply: Reply) -> list[str]:
    return [b.label for row in reply.buttons for b in row]


def test_the_name_is_asked_once_printed_and_offered_next_time(dialogue: Dialogue) -> None:
    result = quick_run(dialogue)
    pdf = pdf_reply(result)
    assert "Vai kopsavilkumā rakstīt Jūsu vārdu?" in pdf.text
    assert labels(pdf) == [ADD_NAME]
    assert "Vārds, uzvārds" not in pdf_text(pdf.files[0])
    # The summary and its sections are still the last message.
    assert "Kopumā: 4. līmenis" in result[-1].text and "Ko praktizēt" in str(labels(result[-1]))

    asked = tap(dialogue, result, ADD_NAME)
    assert "Kādu vārdu un uzvārdu rakstīt PDF kopsavilkumā?" in text_of(asked)
    assert not any("Atstāt" in b.label for b in buttons(asked))  # nothing kept to offer yet
    assert "Vārdā jābūt burtiem" in text_of(send(dialogue, "text", "12345"))
    named = send(dialogue, "text", "Anna   Bērziņa")
    assert "PDF kopsavilkumos turpmāk rakstīšu: Anna Bērziņa." in text_of(named)
    assert "Vārds, uzvārds: Anna Bērziņa" in pdf_text(pdf_reply(named).files[0])

    # The next self-assessment prints the name without asking.
    again = quick_run(dialogue, first=False)
    pdf = pdf_reply(again)
    assert labels(pdf) == [] and "Vai kopsavilkumā rakstīt" not in pdf.text
    assert "Kādu vārdu" not in text_of(again)
    assert "Vārds, uzvārds: Anna Bērziņa" in pdf_text(pdf.files[0])
    # From the last result: the PDF, with a way to change the name (the kept one offered).
    exported = press(dialogue, send(dialogue, "command", "/digcomp"), "📄 PDF")
    assert "Anna Bērziņa" in pdf_text(pdf_reply(exported).files[0])
    change = tap(dialogue, exported, CHANGE_NAME)
    assert any(b.label == "✔ Atstāt: Anna Bērziņa" for b in buttons(change))
    kept = press(dialogue, change, "Atstāt")
    assert "Anna Bērziņa" in text_of(kept) and not [f for r in kept for f in r.files]


def test_without_a_name_is_remembered_and_the_pdf_has_none(dialogue: Dialogue) -> None:
    result = quick_run(dialogue)
    declined = press(dialogue, tap(dialogue, result, ADD_NAME), NO_NAME)
    assert "vārdu nerakstīšu un vairs nejautāšu" in text_of(declined)
    assert not [f for r in declined for f in r.files]  # the PDF already sent has no name
    again = quick_run(dialogue, first=False)
    pdf = pdf_reply(again)
    assert labels(pdf) == [] and "Vai kopsavilkumā rakstīt" not in pdf.text
    assert "Vārds, uzvārds" not in pdf_text(pdf.files[0])
    with dialogue.db.transaction() as session:
        row = session.get(ContactDetails, USER)
        assert row is not None and row.document_name == ""
    # Changing one's mind later: the PDF under the last result offers to add it.
    exported = press(dialogue, send(dialogue, "command", "/digcomp"), "📄 PDF")
    assert labels(pdf_reply(exported)) == [ADD_NAME]
    assert "Vai kopsavilkumā rakstīt" not in pdf_reply(exported).text  # not asked again


def test_another_user_never_sees_the_name(dialogue: Dialogue) -> None:
    tap(dialogue, quick_run(dialogue), ADD_NAME)
    named = send(dialogue, "text", "Anna Bērziņa")
    assert "Anna Bērziņa" in text_of(named)
    other = quick_run(dialogue, OTHER)
    pdf = pdf_reply(other)
    assert labels(pdf) == [ADD_NAME] and "Anna" not in pdf_text(pdf.files[0])
    asked = tap(dialogue, other, ADD_NAME, OTHER)
    assert "Anna" not in str(buttons(asked))  # not offered as the other user's default


def test_in_english_and_offered_from_the_partner_call_contact(dialogue: Dialogue) -> None:
    def english(kind: str, payload: str) -> list[Reply]:
        return dialogue.handle(Input(USER, USER, kind, payload, "en"))  # type: ignore[arg-type]

    english("command", "/start")
    replies = english("button", "lang:en")
    with dialogue.db.transaction() as session:  # as a call for partners leaves it
        session.add(ContactDetails(user_id=USER, person="Jānis Ozols"))
    replies = english("command", "/digcomp quick")
    for _ in range(21):
        replies = press(dialogue, replies, "On my own")
    pdf = pdf_reply(replies)
    assert "Should the summary show your name?" in pdf.text
    asked = tap(dialogue, replies, "🖊 Add my name to the PDF")
    assert "What name should the PDF summary show?" in text_of(asked)
    named = press(dialogue, asked, "Keep: Jānis Ozols")
    assert "Your PDF summaries will show: Jānis Ozols." in text_of(named)
    assert "Name: Jānis Ozols" in pdf_text(pdf_reply(named).files[0])


def test_mydata_has_the_name_and_forget_erases_it(dialogue: Dialogue) -> None:
    tap(dialogue, quick_run(dialogue), ADD_NAME)
    send(dialogue, "text", "Anna Bērziņa")
    [file] = [f for r in send(dialogue, "command", "/mydata") for f in r.files]
    tables = json.loads(file.data)["tables"]
    assert tables["contact_details"][0]["document_name"] == "Anna Bērziņa"
    tap(dialogue, send(dialogue, "command", "/forget"), "🗑 Jā, dzēst visu")
    with dialogue.db.transaction() as session:
        assert session.get(ContactDetails, USER) is None
    # Starting afresh, the name is asked again and is not on the PDF.
    pdf = pdf_reply(quick_run(dialogue))
    assert labels(pdf) == [ADD_NAME] and "Anna" not in pdf_text(pdf.files[0])


def test_the_name_question_paused_resumes_without_start_over(dialogue: Dialogue) -> None:
    """A one-question run has nothing to start over from: resumed, it offers no "start over"
    (which would have begun a whole new self-assessment)."""
    asked = tap(dialogue, quick_run(dialogue), ADD_NAME)
    press(dialogue, asked, "Pārtraukt")
    resumed = send(dialogue, "command", "/digcomp")
    assert "Turpinām" in text_of(resumed) and "Kādu vārdu" in text_of(resumed)
    assert not any("Sākt no jauna" in b.label for b in buttons(resumed))
    named = send(dialogue, "text", "Anna Bērziņa")
    assert "Vārds, uzvārds: Anna Bērziņa" in pdf_text(pdf_reply(named).files[0])
