"""The client page's order and wording (issue 15): open alerts come first, an alert shows
guidance for the clinician rather than the instrument file's authoring rule, and assigning to
several clients lives on the client list, not on one client's page."""

import re

import pytest
from django.urls import reverse

from tests.assessments.test_assign_pages import _no_broker, detail, frozen, submit  # noqa: F401


@pytest.mark.django_db
def test_open_alerts_come_before_the_details_and_progress(as_bob, erin, frozen):  # noqa: F811
    submit(erin, item9=2)
    page = as_bob.get(detail(erin)).content.decode()
    alerts = page.index("Needs your attention")
    assert alerts < page.index('id="details-heading"')
    assert alerts < page.index("Acknowledge")  # the button sits inside the first section
    assert page.index("Acknowledge") < page.index('id="details-heading"')


@pytest.mark.django_db
def test_an_alert_shows_guidance_not_the_authoring_rule(as_bob, erin, frozen):  # noqa: F811
    submit(erin, item9=1)
    page = as_bob.get(detail(erin)).content.decode()
    assert "Raise this alert" not in page
    assert "further assessment for suicide risk" in page


@pytest.mark.django_db
def test_assigning_to_several_clients_is_offered_on_the_list_not_one_clients_page(as_bob, erin):
    page = as_bob.get(detail(erin)).content.decode()
    assert "Assign to several clients" not in page
    assert reverse("assessments:assign_many") + "?client=" not in page
    assert reverse("assessments:assign", args=[erin.pk]) in page
    listing = as_bob.get(reverse("clients:list")).content.decode()
    assert reverse("assessments:assign_many") in listing


@pytest.mark.django_db
def test_the_results_table_puts_the_scores_beside_the_questionnaire(as_bob, erin, frozen):  # noqa: F811
    """On a phone the table scrolls inside its box: the scores come second, so they show
    without scrolling (issue 15: "the results table cuts the scores off")."""
    submit(erin, rest=2)
    page = as_bob.get(detail(erin)).content.decode()
    results = page[page.index('id="results"') :]
    head = results[results.index("<thead>") : results.index("</thead>")]
    assert re.findall(r'<th scope="col">([^<]+)</th>', head) == [
        "Questionnaire",
        "Latest scores",
        "Previous",
        "Answers",
    ]
    row = results[results.index("<tbody>") :]
    assert row.index("Patient Health Questionnaire-9") < row.index("Total: <strong>16</strong>")
    assert "3 Mar 2025" in row[: row.index("Total: <strong>16</strong>")]  # the date, first
