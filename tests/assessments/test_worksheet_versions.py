"""The limiting-beliefs worksheet across its versions, end to end (issue 14): a client answers
version 2025.1 (one belief, three questions) through their link, the practice moves to 2026.1
(up to five beliefs), the client answers again; the clinician's worksheets (on the progress
page) read the two submissions side by side, question by question, and the timeline lists both,
each linking to its answers under the version it was asked in."""

import datetime
import re

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse

from assessments.models import Instrument, InstrumentVersion, Response
from assessments.services import packets as packet_service
from tests.assessments.assign_helpers import at, cleared, send_now, token_of

FIRST = at(2025, 1, 6, 10)
SECOND = at(2025, 3, 3, 10)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def earlier_version(practice) -> tuple[Instrument, InstrumentVersion, InstrumentVersion]:
    """The worksheet as version 2025.1 had it (items 1 to 3), stored as the version before the
    shipped 2026.1, and made current: what a practice had before the library moved on."""
    [instrument] = cleared(practice, "limiting-beliefs")
    current = instrument.current_version
    InstrumentVersion.objects.filter(pk=current.pk).update(number=current.number + 1)
    earlier = InstrumentVersion.objects.create(
        instrument=instrument,
        number=current.number,
        label="2025.1",
        definition={
            **current.definition,
            "version": "2025.1",
            "instructions": "Pick a belief that holds you back and look at it as a fair friend.",
            "items": current.definition["items"][:3],
        },
        content_hash="2025.1",
        licence_hash=current.licence_hash,
        source_name="limiting-beliefs.yaml",
    )
    Instrument.objects.filter(pk=instrument.pk).update(current_version=earlier)
    return instrument, earlier, current


def answer_by_link(client, answers: dict[int, str], when) -> Response:
    """Send the worksheet now and answer every page through the link, as a phone would."""
    with time_machine.travel(when, tick=False):
        _, packet = send_now(client, "limiting-beliefs", now=when)
        token = token_of(packet)
        pages = packet_service.form_pages(packet_service.packet_items(packet))
        phone = Browser()
        phone.post(reverse("questionnaire:landing", args=[token]))
        fields = {f"item-{n}": text for n, text in answers.items()}
        for page in pages:
            action = "submit" if page.is_last else "next"
            step = reverse("questionnaire:page", args=[token, page.step])
            response = phone.post(step, {**fields, "action": action})
            assert response.status_code == 302, response.content.decode()[:2000]
    return Response.objects.filter(client=client).latest("submitted_at", "pk")


@pytest.fixture
def two_versions(erin):
    instrument, earlier, current = earlier_version(erin.practice)
    old = answer_by_link(
        erin,
        {1: "I am too much.", 2: "Friends stayed.", 3: "Some find me a lot."},
        FIRST,
    )
    Instrument.objects.filter(pk=instrument.pk).update(current_version=current)
    new = answer_by_link(
        erin,
        {
            1: "I am a burden.",
            2: "Mo asked me to call.",
            3: "People choose to help.",
            4: "I must cope alone.",
            5: "I asked once and it went well.",
        },
        SECOND,
    )
    assert (old.instrument_version, new.instrument_version) == (earlier, current)
    return old, new


def cells(html: str, question: str) -> list[str]:
    """The answer cells of the worksheet table's row for ``question`` (its number and text)."""
    row = re.search(rf"<tr><th scope=\"row\">{re.escape(question)}.*?</tr>", html, re.S)
    assert row, question
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row[0])]


@pytest.mark.django_db
def test_the_worksheets_read_both_versions_side_by_side(as_bob, erin, two_versions):
    html = as_bob.get(reverse("clients:progress", args=[erin.pk])).content.decode()
    assert "Limiting beliefs worksheet: 2 submissions, latest 3 Mar 2025" in html
    table = html[html.index('id="worksheet-limiting-beliefs"') :]
    table = table[: table.index("</table>")]
    assert "3 Mar 2025 <span" in table and "6 Jan 2025</th>" in table  # latest first
    assert cells(table, "1. The belief") == ["I am a burden.", "I am too much."]
    assert cells(table, "3. A balanced alternative") == [
        "People choose to help.",
        "Some find me a lot.",
    ]
    # Belief 2 was not asked in 2025.1: shown as not answered there, never as another answer.
    assert cells(table, "4. Belief 2 (optional)") == ["I must cope alone.", "not answered"]
    assert cells(table, "5. Challenge to belief 2") == [
        "I asked once and it went well.",
        "not answered",
    ]
    assert "Belief 3 (optional)" not in table  # nobody wrote one


@pytest.mark.django_db
def test_the_timeline_lists_both_each_with_its_own_answers(as_bob, erin, two_versions):
    old, new = two_versions
    html = as_bob.get(reverse("clients:timeline", args=[erin.pk])).content.decode()
    assert html.count("Limiting beliefs worksheet answered") == 2
    old_url = reverse("assessments:response_detail", args=[old.pk])
    new_url = reverse("assessments:response_detail", args=[new.pk])
    assert html.index(new_url) < html.index(old_url)  # newest first
    for answer in ("I am too much.", "I am a burden."):
        assert answer not in html  # the timeline links to answers, it does not show them

    earlier = as_bob.get(old_url).content.decode()
    assert "I am too much." in earlier and "Friends stayed." in earlier
    assert "Belief 2 (optional)" not in earlier  # asked in 2025.1: three questions only
    later = as_bob.get(new_url).content.decode()
    assert "I must cope alone." in later and "Belief 2 (optional)" in later
    assert "I am too much." not in later


@pytest.mark.django_db
def test_no_one_outside_reads_them(as_charlie, as_dana, erin, two_versions):
    for browser in (as_charlie, as_dana):
        for url in (
            reverse("clients:progress", args=[erin.pk]),
            reverse("clients:timeline", args=[erin.pk]),
            reverse("assessments:response_detail", args=[two_versions[0].pk]),
        ):
            answer = browser.get(url)
            assert answer.status_code == 404, url
            assert "I am too much." not in answer.content.decode()


@pytest.mark.django_db
def test_both_submissions_keep_their_version(erin, two_versions):
    old, new = two_versions
    assert old.instrument_version.label == "2025.1" and new.instrument_version.label == "2026.1"
    assert set(old.answers) == {"1", "2", "3"}
    assert old.result["status"] == new.result["status"] == "complete"
    assert old.submitted_at.date() == datetime.date(2025, 1, 6)
