"""The pre-session brief, "Today" (issue 14): who is listed, what each block says, scope, audit,
query count and the print stylesheet."""

import datetime
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse

from assessments import services
from assessments.models import Response
from clients.models import SessionNote
from practice.dashboard.progress import refresh_client_progress
from practice.models import AuditAction, AuditEvent
from tests.assessments.assign_helpers import answer_everything, phq9_answers, send_now
from tests.clients.test_pages import valid_form
from tests.factories import ClientFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=LONDON)
TODAY = NOW.date()
LAST_WEEK = NOW - datetime.timedelta(days=7)


@pytest.fixture(autouse=True)
def _frozen_and_no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    with time_machine.travel(NOW, tick=False):
        yield


def answered(client, code, at, overrides=None, quadrant=None) -> Response:
    _, packet = send_now(client, code, now=at)
    answer_everything(packet, overrides=overrides, now=at)
    (response,) = services.submit_packet(packet, now=at)
    if quadrant:  # the stored style is what the brief reads
        Response.objects.filter(pk=response.pk).update(quadrant=quadrant)
    refresh_client_progress(client)
    return response


def note(client, on, *, plan="", signed=True):
    started = datetime.datetime.combine(on, datetime.time(10), LONDON)
    return SessionNote.objects.create(
        practice=client.practice,
        client=client,
        author=client.primary_clinician,
        started_at=started,
        time_zone="Europe/London",
        session_date=on,
        duration_minutes=50,
        note_format=SessionNote.Format.SOAP,
        content={"subjective": "Fictional words.", "plan": plan},
        status=SessionNote.Status.SIGNED if signed else SessionNote.Status.DRAFT,
        signed_at=started if signed else None,
    )


def session_today(client, hour=14):
    client.next_session_at = datetime.datetime.combine(TODAY, datetime.time(hour), LONDON)
    client.save(update_fields=["next_session_at"])


@pytest.fixture
def erin_today(erin):
    """Erin: an ECR-R before her last session (fearful) and one after (secure), a PHQ-9 with
    item 9 answered since, a limiting-beliefs worksheet since, and the last note's plan."""
    answered(erin, "ecr-r", LAST_WEEK - datetime.timedelta(days=7), quadrant="fearful")
    note(erin, LAST_WEEK.date(), plan="Try the limiting-beliefs worksheet at home.")
    note(erin, (LAST_WEEK - datetime.timedelta(days=14)).date(), plan="An older plan.")
    answered(erin, "ecr-r", NOW - datetime.timedelta(days=2), quadrant="secure")
    answered(erin, "phq-9", NOW - datetime.timedelta(days=1), overrides=phq9_answers(1))
    answered(erin, "limiting-beliefs", NOW - datetime.timedelta(days=1))
    session_today(erin)
    return erin


def today_page(browser, **query):
    return browser.get(reverse("clients:today"), query)


@pytest.mark.django_db
def test_the_brief_says_what_changed_alerts_homework_and_the_plan(as_bob, erin_today):
    response = today_page(as_bob)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Erin Fictional" in page and "at 14:00" in page
    assert "Last session 3 March 2026" in page
    assert "Patient Health Questionnaire-9 (PHQ-9)" in page
    assert "the style moved from fearful to secure" in page
    assert "Since baseline: ECR-R: anxiety " in page  # the dashboard row's labels
    assert "Item 9 answered above 0" in page and "not yet acknowledged" in page
    assert "Limiting beliefs" in page or "limiting-beliefs" in page.lower()
    assert "Try the limiting-beliefs worksheet at home." in page
    assert "A belief I hold." in page  # the worksheet's answers, to discuss
    assert "An older plan." not in page
    # The worksheet is homework, not an administration that changed a score.
    changed = page.split("What changed since the last session")[1].split("Open alerts")[0]
    assert "Limiting" not in changed


@pytest.mark.django_db
def test_only_the_users_caseload_with_a_session_today(as_bob, as_alice, erin_today, frank, bob):
    session_today(frank)
    later = ClientFactory(practice=erin_today.practice, primary_clinician=bob, full_name="Later")
    later.next_session_at = NOW + datetime.timedelta(days=1)
    later.save()
    noted = ClientFactory(practice=erin_today.practice, primary_clinician=bob, full_name="Noted")
    note(noted, TODAY, signed=False)

    page = today_page(as_bob).content.decode()
    assert "Erin Fictional" in page and "Noted" in page
    assert "Frank Fictional" not in page and "Later" not in page

    own = today_page(as_alice).content.decode()
    assert "Erin Fictional" not in own and "No sessions today" in own
    practice = today_page(as_alice, scope="practice").content.decode()
    assert "Erin Fictional" in practice and "Frank Fictional" in practice
    assert "Frank Fictional" not in today_page(as_bob, scope="practice").content.decode()


@pytest.mark.django_db
def test_a_client_brief_of_another_practice_or_clinician_is_404(as_bob, as_dana, as_charlie, erin):
    url = reverse("clients:brief", args=[erin.pk])
    assert as_bob.get(url).status_code == 200
    assert as_dana.get(url).status_code == 404
    assert as_charlie.get(url).status_code == 404


@pytest.mark.django_db
def test_each_client_shown_is_audited_as_a_read(as_bob, erin_today):
    today_page(as_bob)
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="client", client_id=erin_today.pk
    ).exists()


def _clients_with_history(practice, clinician, count):
    for number in range(count):
        client = ClientFactory(
            practice=practice, primary_clinician=clinician, full_name=f"Client {number}"
        )
        note(client, LAST_WEEK.date(), plan=f"Plan {number}")
        answered(client, "phq-9", NOW - datetime.timedelta(days=1), overrides=phq9_answers(1))
        answered(client, "limiting-beliefs", NOW - datetime.timedelta(days=1))
        session_today(client, hour=10 + number)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 6])
def test_the_page_reads_in_a_fixed_number_of_queries(
    as_bob, bob, practice_a, count, django_assert_max_num_queries
):
    _clients_with_history(practice_a, bob, count)
    with django_assert_max_num_queries(15):
        page = today_page(as_bob).content.decode()
    assert page.count('class="card brief-client"') == count


@pytest.mark.django_db
def test_the_page_prints_one_client_a_page_without_navigation(as_bob, erin_today):
    page = today_page(as_bob).content.decode()
    assert "css/brief.css" in page
    css = Path(finders.find("css/brief.css")).read_text()
    printed = css.split("@media print")[1]
    assert ".site-header" in printed and "display: none" in printed
    assert ".brief-client + .brief-client { break-before: page; }" in printed


@pytest.mark.django_db
def test_the_dashboard_links_to_today(as_bob):
    assert reverse("clients:today") in as_bob.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_the_next_session_is_typed_in_the_clients_time_zone(as_bob, erin):
    data = valid_form(time_zone="Australia/Sydney", next_session_at="2026-03-11T09:30")
    response = as_bob.post(reverse("clients:edit", args=[erin.pk]), data)
    assert response.status_code == 302
    erin.refresh_from_db()
    sydney = datetime.datetime(2026, 3, 11, 9, 30, tzinfo=zoneinfo.ZoneInfo("Australia/Sydney"))
    assert erin.next_session_at == sydney
    form = as_bob.get(reverse("clients:edit", args=[erin.pk])).content.decode()
    assert 'value="2026-03-11T09:30"' in form
    shown = as_bob.get(reverse("clients:detail", args=[erin.pk])).content.decode()
    assert "Wednesday 11 March 2026, 09:30" in shown
