"""Practice settings: owners only, clear validation, audited, and the two-factor policy."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from practice.models import AuditEvent, PaperSize

SETTINGS = reverse("practice_settings")


def valid(**overrides) -> dict:
    return {
        "name": "Harbour Therapy Ltd",
        "time_zone": "America/New_York",
        "report_letterhead": "1 Quay Street\nPortsmouth",
        "brand_colour": "#AA3366",
        "paper_size": PaperSize.LETTER,
        "report_retention_days": 30,
        **overrides,
    }


@pytest.mark.django_db
def test_owner_sees_the_current_settings(as_alice):
    response = as_alice.get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Harbour Therapy"' in html
    for legend in ("Practice", "Reports", "Security"):
        assert f"<legend>{legend}</legend>" in html


@pytest.mark.django_db
def test_owner_saves_every_setting_and_the_change_is_audited(as_alice, practice_a):
    response = as_alice.post(SETTINGS, valid(require_mfa="on"))
    assert response.status_code == 302
    practice_a.refresh_from_db()
    assert practice_a.name == "Harbour Therapy Ltd"
    assert practice_a.time_zone == "America/New_York"
    assert practice_a.report_letterhead == "1 Quay Street\nPortsmouth"
    assert practice_a.brand_colour == "#AA3366"
    assert practice_a.paper_size == PaperSize.LETTER
    assert practice_a.require_mfa is True
    event = AuditEvent.objects.get(object_type="practice")
    assert event.action == "update"
    assert set(event.fields) == {
        "name",
        "time_zone",
        "report_letterhead",
        "brand_colour",
        "paper_size",
        "require_mfa",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("time_zone", "Mars/Olympus", "Choose a time zone from the list."),
        ("brand_colour", "red", "Use a colour like #2f5d62."),
        ("brand_colour", "#12345", "Use a colour like #2f5d62."),
        ("paper_size", "A3", "Select a valid choice. A3 is not one of the available choices."),
        ("report_letterhead", "x" * 1001, "Ensure this value has at most 1000 characters"),
    ],
)
def test_bad_values_get_clear_errors_and_change_nothing(
    as_alice, practice_a, field, value, message
):
    response = as_alice.post(SETTINGS, valid(**{field: value}))
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert "Please correct the marked fields." in response.content.decode()
    # The page header still shows the saved name, not the rejected one.
    assert response.context["current_practice"].name == "Harbour Therapy"
    practice_a.refresh_from_db()
    assert (practice_a.name, practice_a.time_zone) == ("Harbour Therapy", "Europe/London")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_charlie_edits_only_his_own_practice(as_charlie, practice_a, practice_b):
    assert as_charlie.post(SETTINGS, valid(name="Hillside Two")).status_code == 302
    practice_a.refresh_from_db()
    practice_b.refresh_from_db()
    assert (practice_a.name, practice_b.name) == ("Harbour Therapy", "Hillside Two")


@pytest.mark.django_db
def test_clinician_cannot_change_settings(as_bob, practice_a):
    assert as_bob.post(SETTINGS, valid()).status_code == 403
    practice_a.refresh_from_db()
    assert practice_a.name == "Harbour Therapy"


@pytest.mark.django_db
def test_requiring_two_factor_sends_members_without_it_to_set_it_up(as_alice, as_bob, bob):
    as_alice.post(SETTINGS, valid(require_mfa="on"))
    response = as_bob.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")

    Authenticator.objects.create(user=bob, type=Authenticator.Type.TOTP, data={})
    assert as_bob.get(reverse("dashboard")).status_code == 200
