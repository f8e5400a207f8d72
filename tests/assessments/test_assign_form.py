"""The assign form (issue 15): schedule fields belong to scheduling (a fieldset the page's script
hides for "Send now", every field still posted and checked without JavaScript), and the time
zone is chosen from real Area/City zones, the client's and the practice's first (the script adds
a filter box; tests/browser/test_assign_form.py drives both in Chromium)."""

import re

import pytest
from django.urls import reverse

from assessments.forms import AssignForm
from assessments.models import Assignment, Packet
from practice.models.practices import listed_time_zones
from tests.assessments.test_assign_pages import _no_broker, frozen, ready  # noqa: F401


def test_only_real_zones_are_listed():
    zones = set(listed_time_zones())
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"} <= zones
    for legacy in ("Factory", "localtime", "posixrules", "W-SU", "US/Eastern", "GB", "Etc/GMT+5"):
        assert legacy not in zones
    assert "Asia/Calcutta" not in zones  # an alias of Asia/Kolkata
    assert 350 < len(zones) < 500  # not the ~600 names the system knows


def zone_groups(form) -> dict[str, list[str]]:
    return {
        group: [value for value, _ in options]
        for group, options in form.fields["time_zone"].choices
        if isinstance(options, list | tuple)
    }


@pytest.mark.django_db
def test_the_form_offers_the_clients_and_the_practices_zones_first(practice_a):
    practice_a.time_zone = "Europe/London"
    form = AssignForm(practice=practice_a, initial={"time_zone": "America/New_York"})
    first, rest = zone_groups(form).values()
    assert first == ["America/New_York", "Europe/London"]
    assert "Europe/London" not in rest and "America/New_York" not in rest
    assert len(first) + len(rest) == len(listed_time_zones())
    assert "Factory" not in rest and "W-SU" not in rest and "localtime" not in rest


@pytest.mark.django_db
def test_a_zone_already_chosen_stays_valid_even_if_no_longer_listed(practice_a):
    form = AssignForm(
        {"when": "now", "time_zone": "Asia/Calcutta"},
        practice=practice_a,
        initial={"time_zone": "Asia/Calcutta"},  # an assignment's, from an older list
    )
    form.is_valid()
    assert "time_zone" not in form.errors


@pytest.mark.django_db
def test_an_unknown_zone_is_refused_with_a_message(practice_a):
    form = AssignForm({"when": "weekly", "time_zone": "Factory"}, practice=practice_a)
    form.is_valid()
    assert "Choose a time zone from the list" in form.errors["time_zone"][0]


@pytest.mark.django_db
def test_the_page_lists_the_clients_zone_first(as_bob, erin, frozen):  # noqa: F811
    erin.time_zone = "America/New_York"
    erin.save(update_fields=["time_zone"])
    html = as_bob.get(reverse("assessments:assign", args=[erin.pk])).content.decode()
    select = re.search(r'<select name="time_zone"[^>]*>(.*?)</select>', html, re.S).group(1)
    values = re.findall(r'<option value="([^"]*)"', select)
    assert values[:3] == ["", "America/New_York", "Europe/London"]  # the client's, the practice's
    assert 'value="America/New_York" selected' in select
    assert "Factory" not in values and "localtime" not in values


@pytest.mark.django_db
def test_schedule_fields_sit_in_their_own_fieldset_for_the_script(as_bob, erin, frozen):  # noqa: F811
    html = as_bob.get(reverse("assessments:assign", args=[erin.pk])).content.decode()
    fieldset = re.search(r'<fieldset class="schedule-fields"[^>]*>(.*?)</fieldset>', html, re.S)
    assert fieldset, "the schedule fields have a fieldset of their own"
    inner = fieldset.group(1)
    assert "<legend>" in inner
    for name in ("start_date", "send_time", "time_zone", "interval_weeks", "end_date"):
        assert f'name="{name}"' in inner
    assert 'name="when"' not in inner
    # Hidden by the page's script, never by the HTML: without JavaScript every field shows.
    assert " hidden" not in fieldset.group(0)
    assert re.search(r'<script src="[^"]*js/assign\.js"', html)


@pytest.mark.django_db
def test_send_now_needs_no_schedule_field(as_bob, erin, ready, frozen):  # noqa: F811
    response = as_bob.post(
        reverse("assessments:assign", args=[erin.pk]),
        {"instruments": [ready["gad-7"].pk], "when": "now", "time_zone": ""},
    )
    assert response.status_code == 302
    assert Packet.objects.filter(client=erin).count() == 1


@pytest.mark.django_db
def test_scheduling_in_a_chosen_zone(as_bob, erin, ready, frozen):  # noqa: F811
    response = as_bob.post(
        reverse("assessments:assign", args=[erin.pk]),
        {
            "instruments": [ready["gad-7"].pk],
            "when": "monthly",
            "start_date": "2025-03-10",
            "send_time": "09:00",
            "time_zone": "America/New_York",
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.get().time_zone == "America/New_York"
