"""The assign form in real Chromium (issue 15): with "Send now" no schedule field shows; each
schedule shows the fields it uses; typing in the time-zone filter picks a matching zone, and the
form posts it."""

import pytest

from assessments.models import Assignment
from tests.assessments.assign_helpers import cleared
from tests.factories import PASSWORD


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")


@pytest.mark.django_db(transaction=True)
def test_schedule_fields_follow_the_choice_and_the_zone_filter_finds_a_city(page, bob, erin):
    cleared(erin.practice, "gad-7")
    sign_in(page, bob)
    page.goto(f"/instruments/assign/{erin.pk}/")
    schedule = page.get_by_role("group", name="Schedule")
    assert page.get_by_label("Send now").is_checked()
    assert not schedule.is_visible()

    page.get_by_label("Once, on a date").check()
    assert schedule.is_visible()
    assert page.get_by_label("First sending on").is_visible()
    assert not page.get_by_label("Every how many weeks").is_visible()
    assert not page.get_by_label("Until").is_visible()

    page.get_by_label("Every few weeks").check()
    assert page.get_by_label("Every how many weeks").is_visible()
    assert page.get_by_label("Until").is_visible()

    page.get_by_label("Monthly").check()
    assert not page.get_by_label("Every how many weeks").is_visible()
    assert page.get_by_label("At most this many times").is_visible()

    page.get_by_label("Find a time zone").fill("kolk")
    assert page.get_by_label("Time zone", exact=True).input_value() == "Asia/Kolkata"

    page.get_by_label("Generalized Anxiety Disorder", exact=False).check()
    page.get_by_label("First sending on").fill("2031-03-10")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url(f"**/clients/{erin.pk}/**")
    assert Assignment.objects.get().time_zone == "Asia/Kolkata"
