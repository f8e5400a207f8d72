"""Out-of-range days get one clear message (issue 16): the retention setting said "greater than
or equal to 1" for 0 and "greater than or equal to 0" for -3."""

import pytest

from tests.practice.test_practice_settings import SETTINGS, valid


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("report_retention_days", "0", "Enter a whole number of days from 1 to 365."),
        ("report_retention_days", "-3", "Enter a whole number of days from 1 to 365."),
        ("report_retention_days", "400", "Enter a whole number of days from 1 to 365."),
        ("questionnaire_link_days", "0", "Enter a whole number of days from 1 to 60."),
        ("questionnaire_link_days", "-3", "Enter a whole number of days from 1 to 60."),
    ],
)
def test_days_out_of_range_say_what_is_allowed(as_alice, practice_a, field, value, message):
    response = as_alice.post(SETTINGS, valid(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    practice_a.refresh_from_db()
    assert getattr(practice_a, field) > 0
