"""One status a clinician can trust after "Send now": the link, its e-mail, the assignment and
its occasion all say the same thing, read from the client's page before and after the e-mail
task runs."""

import html as html_lib
import re

import pytest
import time_machine
from django.urls import reverse

from assessments.models import Assignment
from practice import emails
from practice.models import OutboundEmail
from tests.assessments.assign_helpers import at, cleared

NOW = at(2025, 3, 3, 10)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def table_rows(page: str, heading: str) -> list[str]:
    """The text of each body row of the table under the ``<h3>`` ``heading``."""
    section = page.split(f"<h3>{heading}</h3>", 1)[1]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    text = (re.sub(r"<[^>]+>", " ", row) for row in rows)
    return [" ".join(html_lib.unescape(row).split()) for row in text]


def timeline_badges(page: str) -> list[str]:
    """The status badges of the client page's timeline entries about sent questionnaires."""
    entries = page.split("Questionnaires sent</", 1)[1:]
    return [re.search(r'<span class="badge[^"]*">([^<]*)</span>', e).group(1) for e in entries]


def statuses(as_bob, client) -> tuple[str, str]:
    page = as_bob.get(reverse("clients:detail", args=[client.pk])).content.decode()
    (link,) = table_rows(page, "Links")
    (assignment,) = table_rows(page, "Assignments")
    (badge,) = timeline_badges(page)  # the timeline's entry agrees with the link
    assert badge in link, (badge, link)
    return link, assignment


@pytest.mark.django_db
def test_send_now_reads_queued_then_sent_everywhere(as_bob, erin):
    (phq,) = cleared(erin.practice, "phq-9")
    with time_machine.travel(NOW, tick=False):
        response = as_bob.post(
            reverse("assessments:assign", args=[erin.pk]),
            {"instruments": [phq.pk], "when": "now"},
        )
        assert response.status_code == 302

        link, assignment = statuses(as_bob, erin)
        assert "Queued to send" in link
        assert "Waiting to send" not in link and " Sent " not in f" {link} "
        assert "Queued to send" in assignment  # its only occasion's link
        assert "Ended" not in assignment and "Sent once" not in assignment

        emails.deliver_email(OutboundEmail.objects.get().pk)

        link, assignment = statuses(as_bob, erin)
        assert "Sent" in link.split() and "Queued" not in link
        assert "Sent once" in assignment
        assert "Ended" not in assignment and "Queued" not in assignment


@pytest.mark.django_db
def test_an_undelivered_email_reads_not_delivered_with_its_reason(as_bob, erin):
    (phq,) = cleared(erin.practice, "phq-9")
    with time_machine.travel(NOW, tick=False):
        as_bob.post(
            reverse("assessments:assign", args=[erin.pk]), {"instruments": [phq.pk], "when": "now"}
        )
        OutboundEmail.objects.update(
            status=OutboundEmail.Status.FAILED, last_error="Mailbox unavailable"
        )
        link, assignment = statuses(as_bob, erin)
    assert "Not delivered" in link and "Mailbox unavailable" in link
    assert "Not delivered" in assignment
    assert "Sent" not in link.split() and "Ended" not in assignment


@pytest.mark.django_db
def test_an_assignment_ended_by_the_clinician_still_reads_ended(as_bob, erin):
    """Only a one-off whose occasion went out reads as sent; ending one before it is due is
    still "Ended"."""
    (phq,) = cleared(erin.practice, "phq-9")
    with time_machine.travel(NOW, tick=False):
        as_bob.post(
            reverse("assessments:assign", args=[erin.pk]),
            {
                "instruments": [phq.pk],
                "when": "once",
                "start_date": "2025-03-10",
                "send_time": "09:00",
                "time_zone": "Europe/London",
            },
        )
        assignment = Assignment.objects.get()
        as_bob.post(reverse("assessments:assignment_end", args=[assignment.pk]))
        page = as_bob.get(reverse("clients:detail", args=[erin.pk])).content.decode()
    (row,) = table_rows(page, "Assignments")
    assert "Ended" in row and "Sent once" not in row
