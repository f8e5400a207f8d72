"""The caseload row's sentences and pictures are written in Python, once per row (issue 17:
``rows.sentences`` and ``glance.add_glance``), not by template tags per cell. What a
template escaped by itself they must escape: a client's name, an instrument's, a band's."""

import pytest
import time_machine
from django.urls import reverse

from assessments.models import Alert
from practice.dashboard import progress
from tests.practice.progress_helpers import cite, day, phq9, respond

pytestmark = pytest.mark.django_db
NOW = day(2025, 6, 2, 9)
DASHBOARD = reverse("dashboard")
NAME = 'Erin <b>"Bold"</b> & Co'
ESCAPED = "Erin &lt;b&gt;&quot;Bold&quot;&lt;/b&gt; &amp; Co"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_name_with_markup_is_escaped_in_every_sentence_of_the_row(as_bob, erin):
    erin.full_name = NAME
    erin.save(update_fields=["full_name"])
    cite(erin.practice, "phq-9", "total", sd=4.0)
    respond(erin, "phq-9", phq9(22), day(2025, 1, 6))
    alerted = respond(erin, "phq-9", phq9(12), day(2025, 2, 3))
    Alert.objects.create(
        practice=erin.practice, client=erin, response=alerted, rule_key="k", rule_label="Fictional"
    )
    progress.refresh_client_progress(erin)

    html = as_bob.get(DASHBOARD).content.decode()
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "<b>" not in row and '"Bold"' not in row
    assert f'Progress<span class="visually-hidden"> of {ESCAPED}</span>' in row
    assert f'Numbers<span class="visually-hidden"> for {ESCAPED}</span>' in row
    assert f'1<span class="visually-hidden"> open alert for {ESCAPED}</span>' in row
    assert ">PHQ-9 over the last 2 administrations</title>" in row
    assert "<li>3 Feb 2025: 12 (Moderate)</li>" in row
