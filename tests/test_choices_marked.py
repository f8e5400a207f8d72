"""Model choice labels are marked for translation, and marking them changes no machine output
(issue 15).

Every label of every model field with choices in the three apps is a lazy translation, so a page
shows it in the active language. A label is text for people: the API, exports, FHIR, the audit log
and webhooks carry the stored values, or the English label, whatever language is active. With
Spanish active (and a catalogue that translates every string, so a label leaking into a machine
output shows even before locale/es has its Spanish), every GET route of the permission walk
answers as it does in English: the API byte for byte, the pages without an error.
"""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from assessments.charts import _words as chart_words
from clients.exports import archive
from practice import webhooks
from practice.models import AuditAction, AuditEvent, WebhookEndpoint
from tests import route_walk
from tests.route_walk import ROUTES, allowed_actor, request_route

APPS = ("practice", "clients", "assessments")

# Choices whose labels are not the code's words, with why they stay as they are.
NOT_FROM_THE_CODE = {
    "practice.Practice.language": "each language by its own name (settings.LANGUAGES)",
    "clients.Client.language": "each language by its own name (settings.LANGUAGES)",
    "clients.Client.country": "names from practice/crisis_lines.yaml, which translates them itself",
}

world = route_walk.world
notes_world = route_walk.notes_world
questionnaire_world = route_walk.questionnaire_world
reports_world = route_walk.reports_world
imports_world = route_walk.imports_world

PREFIX = "ES "


def _fields_with_choices():
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if getattr(field, "choices", None):
                    yield f"{model._meta.label}.{field.name}", field


def test_every_model_choice_label_is_marked_for_translation():
    unmarked = [
        (name, value, label)
        for name, field in _fields_with_choices()
        if name not in NOT_FROM_THE_CODE
        for value, label in field.flatchoices
        if not isinstance(label, Promise)
    ]
    assert unmarked == []


def test_the_fields_left_unmarked_still_exist():
    assert set(NOT_FROM_THE_CODE) <= {name for name, _field in _fields_with_choices()}


@pytest.fixture
def every_string_in_spanish(monkeypatch):
    """Spanish active, its catalogue translating every string to the English with a prefix."""
    catalogue = trans_real.translation("es")

    def gettext(message):
        return message if trans_real.CONTEXT_SEPARATOR in message else PREFIX + message

    def ngettext(singular, plural, number):
        return PREFIX + (singular if number == 1 else plural)

    monkeypatch.setattr(catalogue, "gettext", gettext)
    monkeypatch.setattr(catalogue, "ngettext", ngettext)
    # The charts keep each language's month names once looked up: forget the fake ones after,
    # or a later test in this process would print "Es Dec" for Spanish.
    chart_words._months_by_language.clear()
    try:
        with translation.override("es"):
            assert str(AuditAction.VIEW.label) == PREFIX + "Viewed"
            yield
    finally:
        chart_words._months_by_language.clear()


def _get_routes():
    return sorted(name for name, row in ROUTES.items() if row.method == "get")


def _answers(world) -> dict:
    return {route: request_route(world, route, allowed_actor(route)) for route in _get_routes()}


def _body(response):
    """Status and body, without what a FHIR bundle stamps with the time it was made."""
    body = b"".join(response)
    if body.startswith(b'{"resourceType":"Bundle"'):
        bundle = json.loads(body)
        body = {key: value for key, value in bundle.items() if key not in ("id", "timestamp")}
    return response.status_code, body


def test_in_spanish_the_api_answers_as_in_english_and_pages_still_render(
    world, every_string_in_spanish
):
    with translation.override("en"):
        english = _answers(world)
    spanish = _answers(world)
    # The schema is documentation, for people: it follows the active language like a page.
    api = [route for route in english if ROUTES[route].api and route != "api_schema"]
    assert len(api) > 20
    different = [route for route in api if _body(spanish[route]) != _body(english[route])]
    assert different == []
    broken = [
        (route, english[route].status_code, spanish[route].status_code)
        for route in english
        if spanish[route].status_code != english[route].status_code
        or spanish[route].status_code >= 500
    ]
    assert broken == []
    # The pages did show labels in Spanish: the client page's status and the team's roles.
    client_page = spanish["clients:detail"].content.decode()
    assert f"{PREFIX}Active" in client_page
    assert f"{PREFIX}Owner" in spanish["practice_members"].content.decode()
    # The audit log written meanwhile holds actions as stored values, never words.
    assert set(AuditEvent.objects.values_list("action", flat=True)) <= set(AuditAction.values)


def test_a_draft_note_is_badged_as_draft_in_any_language(as_bob, erin, every_string_in_spanish):
    from tests.clients.test_notes_models import make_note

    make_note(erin)
    page = as_bob.get(reverse("clients:timeline", args=[erin.pk])).content.decode()
    assert f'<span class="badge badge-muted">{PREFIX}Draft</span>' in page


def test_the_dashboards_change_badge_keeps_its_class_in_any_language(
    as_bob, erin, every_string_in_spanish
):
    from tests.practice.test_dashboard import row

    row(erin, change="no_change")
    page = as_bob.get(reverse("dashboard")).content.decode()
    assert (
        f'<span class="change-badge change-no-reliable-change">{PREFIX}No reliable change</span>'
        in page
    )


def test_a_one_off_whose_link_went_out_reads_sent_once_in_any_language(
    erin, every_string_in_spanish, monkeypatch
):
    from assessments.models import Assignment, Packet
    from practice.tasks import send_outbound_email
    from tests.assessments.assign_helpers import send_now

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    assignment, packet = send_now(erin)
    Packet.objects.filter(pk=packet.pk).update(last_email=None)  # its link's status is "Sent"
    assert Assignment.objects.get(pk=assignment.pk).clinician_status == PREFIX + "Sent once"


def _archive(user, client) -> dict:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as written:
        archive.write_practice(written, user, client.practice)
    with zipfile.ZipFile(buffer) as read:
        return {name: read.read(name) for name in read.namelist()}


def test_an_export_is_the_same_in_spanish(world, every_string_in_spanish):
    alice, erin = world["alice"], world["erin"]
    with translation.override("en"):
        english = _archive(alice, erin)
    assert _archive(alice, erin) == english
    assert any(name.endswith("notes.json") for name in english)


def test_a_webhook_payload_is_the_same_in_spanish(practice_a, every_string_in_spanish):
    WebhookEndpoint.objects.create(
        practice=practice_a, url="https://example.com/hook", events=["alert.raised"], secret="s"
    )

    now = timezone.now()

    def payload():
        (delivery,) = webhooks.emit(practice_a.pk, "alert.raised", now=now, alert_id=7)
        return {key: value for key, value in delivery.payload.items() if key != "id"}

    with translation.override("en"):
        english = payload()
    assert payload() == english
    (shown,) = WebhookEndpoint.objects.get().get_events_display()
    assert (type(shown), shown) == (str, f"{PREFIX}An alert was raised")


def test_a_schedule_reads_in_the_active_language_and_in_english_in_the_api(
    erin, every_string_in_spanish
):
    import datetime

    from assessments.models import Assignment

    assignment = Assignment(
        schedule="every_n_weeks",
        interval_weeks=2,
        start_date=datetime.date(2025, 3, 4),
        send_time=datetime.time(9, 0),
        time_zone="Europe/London",
        max_occasions=6,
    )
    # Each part translated on its own: the sentence, its schedule, the month, the time, the count.
    assert assignment.description == (
        "ES ES Every 2 weeks from 4 ES March 2025 ES at 09:00 (Europe/London), ES 6 times at most"
    )
    assert assignment.english_description == (
        "Every 2 weeks from 4 March 2025 at 09:00 (Europe/London), 6 times at most"
    )


def test_an_instrument_files_problems_read_in_the_active_language(every_string_in_spanish):
    from assessments.loader import InstrumentFileError, load_bytes

    with pytest.raises(InstrumentFileError) as raised:
        load_bytes(b"code: x\n", "upload.txt")
    assert [problem.message for problem in raised.value.problems] == [
        "ES upload a .yaml, .yml or .json file"
    ]


def test_the_engines_answer_problems_read_in_the_active_language(every_string_in_spanish):
    from assessments import scoring

    definition = {
        "code": "x",
        "scale": {"min": 0, "max": 3},
        "items": [{"number": 1, "type": "choice"}],
    }
    with pytest.raises(scoring.AnswerError) as raised:
        scoring.normalise_answers(definition, {1: 4})
    assert raised.value.problems == ["ES item 1: 4 is outside the scale 0 to 3"]


def test_the_engines_change_reasons_read_in_the_active_language(every_string_in_spanish):
    from assessments import scoring

    definition = {
        "classification": {"method": "quadrant", "dimensions": {"anxiety": "a", "avoidance": "b"}}
    }
    result = scoring.earned_security(
        definition,
        {"style": {"quadrant": "fearful-avoidant"}},
        {"style": {"quadrant": "secure"}},
        {"a": {"label": scoring.IMPROVED}, "b": {"label": scoring.IMPROVED}},
    )
    # The sentence, the style, the pair and each dimension are translated on their own.
    assert result["reason"] == (
        "ES moved from ES Fearful-avoidant to Secure with reliable improvement on "
        "ES ES anxiety and ES avoidance"
    )
