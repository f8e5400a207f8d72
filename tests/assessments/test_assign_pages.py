"""The clinician's questionnaire pages: assigning from the client page and to many clients,
schedules, links, results and alerts on the client page and the dashboard, fixed query counts."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Alert, Assignment, Occasion, Packet, Response
from practice.dashboard import progress, timeline
from practice.models import AuditEvent, OutboundEmail
from tests.assessments.assign_helpers import (
    answer_everything,
    at,
    cleared,
    phq9_answers,
    send_now,
)
from tests.factories import ClientFactory

NOW = at(2025, 3, 3, 10)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ready(practice_a):
    return {i.code: i for i in cleared(practice_a, "phq-9", "gad-7", "ecr-r")}


def detail(client):
    return reverse("clients:detail", args=[client.pk])


def submit(client, *, item9=0, rest=1, codes=("phq-9",), now=NOW):
    _, packet = send_now(client, *codes, now=now)
    answer_everything(packet, value=rest, overrides=phq9_answers(item9, rest), now=now)
    responses = services.submit_packet(packet, now=now)
    progress.refresh_client_progress(client)  # as the client's page does after submitting
    return responses


# --- Assigning ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_assign_page_offers_only_instruments_cleared_for_use(as_bob, erin, frozen):
    cleared(erin.practice, "gad-7")
    html = as_bob.get(reverse("assessments:assign", args=[erin.pk])).content.decode()
    assert "Generalized Anxiety Disorder" in html
    assert "Patient Health Questionnaire" not in html
    assert "<legend>Questionnaires</legend>" in html and "<legend>When</legend>" in html
    assert 'value="Europe/London" selected' in html


@pytest.mark.django_db
def test_sending_now_from_the_page(as_bob, erin, ready, frozen):
    response = as_bob.post(
        reverse("assessments:assign", args=[erin.pk]),
        {"instruments": [ready["phq-9"].pk, ready["gad-7"].pk], "when": "now"},
    )
    assert response.status_code == 302
    assert response["Location"] == detail(erin) + "#questionnaires"
    packet = Packet.objects.get(client=erin)
    assert packet.items.count() == 2
    assert OutboundEmail.objects.get().to == erin.email
    page = as_bob.get(detail(erin)).content.decode()
    assert "Questionnaires sent to Erin." in page
    assert "Generalized Anxiety Disorder" in page
    assert ">Queued to send<" in page  # the link's e-mail is queued, not yet delivered


@pytest.mark.django_db
def test_scheduling_from_the_page(as_bob, erin, ready, frozen):
    response = as_bob.post(
        reverse("assessments:assign", args=[erin.pk]),
        {
            "instruments": [ready["gad-7"].pk],
            "when": "every_n_weeks",
            "interval_weeks": "2",
            "start_date": "2025-03-04",
            "send_time": "08:30",
            "time_zone": "Europe/London",
            "max_occasions": "6",
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.interval_weeks, assignment.max_occasions) == (2, 6)
    assert assignment.send_time == datetime.time(8, 30)
    assert assignment.created_by.email == "bob@example.com"
    assert not OutboundEmail.objects.exists()
    page = as_bob.get(detail(erin)).content.decode()
    assert "Every 2 weeks from 4 March 2025 at 08:30 (Europe/London), 6 times at most" in page
    assert "next Tue 4 Mar, 08:30" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"when": "now"}, "Choose at least one questionnaire."),
        ({"when": "every_n_weeks", "send_time": "09:00"}, "Give the date of the first sending."),
        (
            {"when": "every_n_weeks", "start_date": "2025-03-04", "send_time": "09:00"},
            "Give the number of weeks between sendings",
        ),
        ({"when": "once", "start_date": "2025-03-01", "send_time": "09:00"}, "in the past"),
        ({"when": "sometimes"}, "Select a valid choice"),
        ({"when": "once", "start_date": "not a date", "send_time": "25:99"}, "Enter a valid"),
    ],
)
def test_bad_assignments_are_refused_with_a_message(as_bob, erin, ready, frozen, data, message):
    if "instruments" not in data and message != "Choose at least one questionnaire.":
        data = {**data, "instruments": [ready["gad-7"].pk]}
    response = as_bob.post(reverse("assessments:assign", args=[erin.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_a_client_without_email_is_explained_not_assigned(as_bob, erin, ready, frozen):
    erin.email = ""
    erin.save()
    url = reverse("assessments:assign", args=[erin.pk])
    assert "has no e-mail address" in as_bob.get(url).content.decode()
    response = as_bob.post(url, {"instruments": [ready["gad-7"].pk], "when": "now"})
    assert response.status_code == 400
    assert "add one to their details first" in response.content.decode()


@pytest.mark.django_db
def test_an_instrument_of_another_practice_cannot_be_posted(as_bob, erin, ready, custom_in_b):
    response = as_bob.post(
        reverse("assessments:assign", args=[erin.pk]),
        {"instruments": [custom_in_b.pk], "when": "now"},
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_the_same_assignment_for_many_clients(as_bob, bob, erin, practice_a, ready, frozen):
    other = ClientFactory(practice=practice_a, primary_clinician=bob, preferred_name="Ola")
    quiet = ClientFactory(practice=practice_a, primary_clinician=bob, preferred_name="Pat")
    quiet.email = ""
    quiet.save()
    url = reverse("assessments:assign_many")
    page = as_bob.get(url, {"client": [str(erin.pk)]}).content.decode()
    assert re.search(rf'value="{erin.pk}" id="id_clients_\d+" checked', page)
    assert not re.search(rf'value="{other.pk}" id="id_clients_\d+" checked', page)
    assert "Frank" not in page  # Dana's client: not Bob's to choose
    response = as_bob.post(
        url,
        {
            "clients": [erin.pk, other.pk, quiet.pk],
            "instruments": [ready["gad-7"].pk],
            "when": "monthly",
            "start_date": "2025-03-31",
            "send_time": "09:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Assigned to 2 clients." in html
    assert "Not assigned: Pat has no e-mail address" in html
    assert set(Assignment.objects.values_list("client__preferred_name", flat=True)) == {
        "Erin",
        "Ola",
    }
    assert set(Occasion.objects.values_list("due_date", flat=True)) == {datetime.date(2025, 3, 31)}


@pytest.mark.django_db
def test_many_clients_cannot_include_someone_out_of_scope(as_bob, frank, ready, frozen):
    response = as_bob.post(
        reverse("assessments:assign_many"),
        {"clients": [frank.pk], "instruments": [ready["gad-7"].pk], "when": "now"},
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()


# --- Changing schedules and links ----------------------------------------------------------------


def _weekly(client, actor):
    return services.assign(
        actor,
        client,
        cleared(client.practice, "gad-7"),
        services.Plan(
            schedule="every_n_weeks",
            interval_weeks=1,
            start_date=datetime.date(2025, 3, 4),
            send_time=datetime.time(9),
        ),
        now=NOW,
    )


@pytest.mark.django_db
def test_editing_pausing_resuming_and_ending_a_schedule(as_bob, bob, erin, frozen):
    assignment = _weekly(erin, bob)
    edit = reverse("assessments:assignment_edit", args=[assignment.pk])
    form = as_bob.get(edit).content.decode()
    assert re.search(r'value="every_n_weeks" id="id_when_\d+"[^>]* checked', form)
    assert 'name="start_date" value="2025-03-04"' in form
    assert 'value="now"' not in form  # a schedule is changed, not sent now
    response = as_bob.post(
        edit,
        {
            "instruments": [i.pk for i in assignment.instruments.all()],
            "when": "monthly",
            "start_date": "2025-03-10",
            "send_time": "18:00",
            "time_zone": "Europe/London",
        },
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.schedule == "monthly"
    assert Occasion.objects.get(status="scheduled").due_date == datetime.date(2025, 3, 10)

    as_bob.post(reverse("assessments:assignment_pause", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == "paused"
    as_bob.post(reverse("assessments:assignment_resume", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == "active"
    as_bob.post(reverse("assessments:assignment_end", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == "ended"
    assert as_bob.get(edit).status_code == 302  # ended: nothing to edit
    page = as_bob.post(
        reverse("assessments:assignment_resume", args=[assignment.pk]), follow=True
    ).content.decode()
    assert "has ended" in page


@pytest.mark.django_db
def test_resend_and_revoke_from_the_client_page(as_bob, bob, erin, frozen):
    _, packet = send_now(erin, actor=bob, now=NOW)
    response = as_bob.post(reverse("assessments:invitation_resend", args=[packet.pk]), follow=True)
    assert "A new link is on its way" in response.content.decode()
    assert OutboundEmail.objects.count() == 2
    as_bob.post(reverse("assessments:invitation_revoke", args=[packet.pk]))
    packet.refresh_from_db()
    assert packet.status == Packet.Status.REVOKED and packet.revoked_by == bob
    page = as_bob.post(
        reverse("assessments:invitation_resend", args=[packet.pk]), follow=True
    ).content.decode()
    assert "This link was revoked" in page
    assert OutboundEmail.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_email_is_visible_on_the_client_page(as_bob, bob, erin, frozen):
    _, packet = send_now(erin, actor=bob, now=NOW)
    OutboundEmail.objects.filter(pk=packet.last_email_id).update(
        status=OutboundEmail.Status.FAILED, last_error="SMTPRecipientsRefused 550"
    )
    page = as_bob.get(detail(erin)).content.decode()
    assert "Not delivered" in page and "SMTPRecipientsRefused 550" in page


# --- Results and alerts -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_results_show_on_the_client_page_as_soon_as_submitted(as_bob, erin, ready, frozen):
    submit(erin, rest=2)
    page = as_bob.get(detail(erin)).content.decode()
    assert "Patient Health Questionnaire-9" in page
    assert "Total: <strong>16</strong> (Moderately severe)" in page


@pytest.mark.django_db
def test_the_response_page_shows_answers_and_is_audited(as_bob, erin, frozen):
    (response,) = submit(erin, rest=2)
    page = as_bob.get(reverse("assessments:response_detail", args=[response.pk]))
    html = page.content.decode()
    assert "Little interest or pleasure in doing things" in html
    assert "2 (More than half the days)" in html
    event = AuditEvent.objects.filter(object_type="response", action="view").get()
    assert event.client_id == erin.pk and event.actor.email == "bob@example.com"


@pytest.mark.django_db
def test_an_alert_shows_on_the_client_page_and_dashboard_until_acknowledged(
    as_bob, as_alice, bob, erin, frozen
):
    submit(erin, item9=2)
    alert = Alert.objects.get()
    client_page = as_bob.get(detail(erin)).content.decode()
    assert "Needs your attention" in client_page
    assert "Item 9 answered above 0" in client_page
    for browser in (as_bob, as_alice):  # the clinician and the owner
        dashboard = browser.get(reverse("dashboard"), {"scope": "practice"}).content.decode()
        assert 'id="open-alerts"' in dashboard and "Erin Fictional" in dashboard
    assert reverse("assessments:alert_detail", args=[alert.pk]) in client_page
    response = as_bob.post(
        reverse("assessments:alert_acknowledge", args=[alert.pk]), {"action": "contacted_client"}
    )
    assert response["Location"] == reverse("assessments:alert_detail", args=[alert.pk])
    alert.refresh_from_db()
    assert alert.acknowledged_by == bob and alert.acknowledged_at == NOW
    assert 'id="open-alerts"' not in as_bob.get(reverse("dashboard")).content.decode()
    client_page = as_bob.get(detail(erin)).content.decode()
    assert "Needs your attention" not in client_page
    assert "acknowledged by Bob Clinician" in client_page
    assert "Contacted the client" in client_page


@pytest.mark.django_db
def test_another_clinicians_alerts_stay_off_my_dashboard(as_dana, erin, frozen):
    submit(erin, item9=1)
    assert 'id="open-alerts"' not in as_dana.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_the_timeline_shows_sent_answered_and_alerts(bob, erin, frozen):
    submit(erin, item9=1)
    entries = timeline.timeline(bob, erin).object_list
    kinds = [entry.kind for entry in entries]
    assert {"assessment_sent", "assessment_completed", "alert"} <= set(kinds)
    alert_entry = next(e for e in entries if e.kind == "alert")
    assert alert_entry.title.startswith("Alert (open)")
    answered = next(e for e in entries if e.kind == "assessment_completed")
    assert answered.detail == "" and answered.url.startswith("/instruments/responses/")


# --- Query counts ---------------------------------------------------------------------------------


def _history(client, actor, count):
    for index in range(count):
        moment = NOW - datetime.timedelta(days=7 * (count - index))
        _, packet = send_now(client, "phq-9", "gad-7", actor=actor, now=moment)
        answer_everything(packet, value=1, overrides=phq9_answers(1), now=moment)
        services.submit_packet(packet, now=moment)
        _weekly_for(client, actor, moment)


def _weekly_for(client, actor, moment):
    services.assign(
        actor,
        client,
        cleared(client.practice, "gad-7"),
        services.Plan(
            schedule="every_n_weeks",
            interval_weeks=1,
            start_date=(moment + datetime.timedelta(days=1)).date(),
            send_time=datetime.time(9),
        ),
        now=moment,
    )


@pytest.mark.django_db
def test_the_client_page_costs_the_same_queries_with_one_or_many_assignments(
    as_bob, as_dana, bob, erin, frank, dana, frozen
):
    _history(erin, bob, 1)
    _history(frank, dana, 6)
    assert Response.objects.filter(client=frank).count() == 12
    with CaptureQueriesContext(connection) as few:
        assert as_bob.get(detail(erin)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert as_dana.get(detail(frank)).status_code == 200
    assert len(many) == len(few), "the client page's queries must not grow with its history"
    assert len(few) <= 40


# --- Practice settings: link validity and reminder days -----------------------------------------


SETTINGS = "/practice/settings/"


def _settings(practice, **changes):
    data = {
        "name": practice.name,
        "time_zone": practice.time_zone,
        "report_letterhead": "",
        "brand_colour": practice.brand_colour,
        "paper_size": practice.paper_size,
        "report_retention_days": getattr(practice, "report_retention_days", 30),
        "questionnaire_link_days": "7",
        "questionnaire_reminder_days": "2, 5",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_owners_set_link_validity_and_reminder_days(as_alice, practice_a):
    page = as_alice.get(SETTINGS).content.decode()
    assert "<legend>Questionnaires</legend>" in page and 'value="2, 5"' in page
    response = as_alice.post(
        SETTINGS,
        _settings(practice_a, questionnaire_link_days="10", questionnaire_reminder_days="1;3  8"),
    )
    assert response.status_code == 302
    practice_a.refresh_from_db()
    assert practice_a.questionnaire_link_days == 10
    assert practice_a.questionnaire_reminder_days == [1, 3, 8]
    event = AuditEvent.objects.filter(object_type="practice").latest("at")
    assert set(event.fields) == {"questionnaire_link_days", "questionnaire_reminder_days"}
    as_alice.post(SETTINGS, _settings(practice_a, questionnaire_reminder_days=""))
    practice_a.refresh_from_db()
    assert practice_a.questionnaire_reminder_days == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"questionnaire_link_days": "0"}, "Enter a whole number of days from 1 to 60."),
        ({"questionnaire_link_days": "61"}, "Enter a whole number of days from 1 to 60."),
        ({"questionnaire_link_days": ""}, "Give the number of days a link works."),
        ({"questionnaire_reminder_days": "2, soon"}, "whole days separated by commas"),
        ({"questionnaire_reminder_days": "5, 2"}, "in increasing order"),
        ({"questionnaire_reminder_days": "0"}, "from 1 to 59"),
        ({"questionnaire_reminder_days": "1,2,3,4,5,6"}, "At most 5 reminders"),
        (
            {"questionnaire_link_days": "3", "questionnaire_reminder_days": "2, 5"},
            "before the link expires (day 3)",
        ),
    ],
)
def test_bad_questionnaire_settings_are_refused(as_alice, practice_a, changes, message):
    response = as_alice.post(SETTINGS, _settings(practice_a, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    practice_a.refresh_from_db()
    assert (practice_a.questionnaire_link_days, practice_a.questionnaire_reminder_days) == (
        7,
        [2, 5],
    )


@pytest.mark.django_db
def test_a_settings_post_without_the_questionnaire_fields_keeps_them(as_alice, practice_a):
    practice_a.questionnaire_reminder_days = [3]
    practice_a.save()
    data = _settings(practice_a, name="Harbour Therapy Ltd")
    del data["questionnaire_link_days"], data["questionnaire_reminder_days"]
    assert as_alice.post(SETTINGS, data).status_code == 302
    practice_a.refresh_from_db()
    assert practice_a.questionnaire_reminder_days == [3] and practice_a.questionnaire_link_days == 7
    event = AuditEvent.objects.filter(object_type="practice").latest("at")
    assert event.fields == ["name"]
