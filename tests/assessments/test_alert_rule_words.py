"""An alert's rule in words (issue 15): marked for translation, one whole sentence per operator,
and stored for the clinicians in the site's language even when the client answered in another."""

import pytest
from django.utils import translation

from assessments.models import Alert
from assessments.services.responses import rule_label
from tests.assessments.test_alerts import _no_broker, submitted  # noqa: F401 - fixture
from tests.test_choices_marked import PREFIX, every_string_in_spanish  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

DEFINITION = {
    "scoring": {"subscales": [{"key": "total", "label": "Total"}]},
    "alerts": [
        {"key": "item", "item": 9, "operator": ">", "value": 0},
        {"key": "at-least", "subscale": "total", "operator": ">=", "value": 20},
        {"key": "at-most", "subscale": "total", "operator": "<=", "value": 3},
    ],
}


def test_each_rule_reads_as_a_sentence():
    assert rule_label(DEFINITION, "item") == "Item 9 answered above 0"
    assert rule_label(DEFINITION, "at-least") == "Total score at or above 20"
    assert rule_label(DEFINITION, "at-most") == "Total score at or below 3"
    assert rule_label(DEFINITION, "gone") == "gone"  # a key the file no longer has


@pytest.mark.usefixtures("every_string_in_spanish")
def test_the_words_follow_the_active_language():
    assert rule_label(DEFINITION, "item") == PREFIX + "Item 9 answered above 0"
    assert rule_label(DEFINITION, "at-least") == PREFIX + "Total score at or above 20"


@pytest.mark.usefixtures("every_string_in_spanish")
def test_a_client_answering_in_spanish_leaves_the_clinicians_the_rule_in_their_language(erin):
    assert translation.get_language() == "es"
    submitted(erin, item9=1, rest=0)
    assert Alert.objects.get().rule_label == "Item 9 answered above 0"
