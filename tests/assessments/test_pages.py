"""Instrument pages: the library, previews, custom uploads with line-precise errors, licence
acknowledgement by owners, the practice's numbers, and who may see and do what."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from assessments import services
from assessments.models import (
    Instrument,
    LicenceAcknowledgement,
    PracticeCitedValue,
    PracticeInstrumentSettings,
)
from practice.models import AuditEvent
from tests.assessments.conftest import acknowledge, ecr_s_like, upload
from tests.assessments.helpers import custom_instrument_for

pytestmark = pytest.mark.django_db


def url(name, code=None):
    return reverse(f"assessments:{name}", kwargs={"code": code} if code else None)


# --- Who may open what -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for target in (url("list"), url("detail", "phq-9"), url("upload")):
        response = client.get(target)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_clinicians_can_read_but_not_upload_acknowledge_or_configure(as_bob):
    assert as_bob.get(url("list")).status_code == 200
    page = as_bob.get(url("detail", "ecr-r"))
    assert page.status_code == 200
    assert b"An owner of the practice must acknowledge" in page.content
    assert as_bob.get(url("upload")).status_code == 403
    assert as_bob.post(url("upload"), {"file": upload(ecr_s_like())}).status_code == 403
    assert as_bob.post(url("acknowledge", "ecr-r"), {"confirm": "on"}).status_code == 403
    assert as_bob.get(url("settings", "ecr-r")).status_code == 403
    assert not LicenceAcknowledgement.objects.exists()


def test_another_practice_custom_instrument_is_a_404_everywhere(as_alice, custom_in_b):
    code = custom_in_b.code
    assert code.encode() not in as_alice.get(url("list")).content
    for name in ("detail", "settings"):
        assert as_alice.get(url(name, code)).status_code == 404
    for name in ("acknowledge", "discard"):
        assert as_alice.post(url(name, code), {"confirm": "on"}).status_code == 404


def test_unknown_instrument_is_a_404(as_alice):
    assert as_alice.get(url("detail", "no-such-thing")).status_code == 404


# --- The library and the preview ---------------------------------------------------------------


def test_list_says_which_instruments_await_acknowledgement(as_alice, practice_a, alice):
    acknowledge(practice_a, "phq-9", alice)
    page = as_alice.get(url("list")).content.decode()
    assert "9 instruments cannot be used until you read and acknowledge their licence note" in page
    assert "Patient Health Questionnaire-9 (PHQ-9)" in page


def test_preview_shows_items_keys_scoring_sources_and_what_was_left_out(as_bob):
    page = as_bob.get(url("detail", "ecr-r")).content.decode()
    assert "I rarely worry about my partner leaving me." in page
    assert "reverse-keyed" in page
    assert "Mean of items 1, 2, 3" in page
    assert "Reverse-keyed</dt><dd>9, 11</dd>" in page
    assert "Left out because it could not be verified" in page
    # Instructions in Attune's own neutral words, and the file says why (issue 15).
    assert "<strong>Instructions:</strong> The statements below are about how you feel" in page
    assert "written by the Attune project in its own neutral words" in page
    assert "doi:10.1037/0022-3514.78.2.350" in page
    phq = as_bob.get(url("detail", "phq-9")).content.decode()
    assert "Item 9 &gt; 0" in phq
    assert "No permission required to reproduce" in phq
    assert "clinical range at or above 10" in phq


# --- Licence acknowledgement ---------------------------------------------------------------------


def test_owner_acknowledges_a_shipped_licence_once(as_alice, practice_a, alice, bob):
    phq = Instrument.objects.shipped().get(code="phq-9")
    assert not services.is_acknowledged(practice_a, phq)
    refused = as_alice.post(url("acknowledge", "phq-9"), {})
    assert refused.status_code == 400
    assert b"Tick the box" in refused.content
    response = as_alice.post(url("acknowledge", "phq-9"), {"confirm": "on"})
    assert response.status_code == 302
    assert services.is_acknowledged(practice_a, phq)
    ack = LicenceAcknowledgement.objects.get()
    assert (ack.acknowledged_by, ack.practice) == (alice, practice_a)
    assert AuditEvent.objects.filter(object_type="licenceacknowledgement", actor=alice).exists()
    # Once is enough: a second post records nothing new, and the page says who acknowledged.
    as_alice.post(url("acknowledge", "phq-9"), {"confirm": "on"})
    assert LicenceAcknowledgement.objects.count() == 1
    assert (
        b"Acknowledged</span> by alice@example.com" in as_alice.get(url("detail", "phq-9")).content
    )


def test_acknowledgement_is_per_practice(as_alice, practice_b):
    as_alice.post(url("acknowledge", "gad-7"), {"confirm": "on"})
    gad = Instrument.objects.shipped().get(code="gad-7")
    assert not services.is_acknowledged(practice_b, gad)
    assert Instrument.objects.usable_in(practice_b).count() == 0


# --- Custom uploads ----------------------------------------------------------------------------


def test_owner_uploads_previews_then_acknowledges_a_custom_instrument(as_alice, practice_a):
    response = as_alice.post(url("upload"), {"file": upload(ecr_s_like())})
    assert response.status_code == 302
    instrument = Instrument.objects.get(practice=practice_a, code="ecr-s-local")
    assert response["Location"] == url("detail", "ecr-s-local")
    assert not Instrument.objects.usable_in(practice_a).filter(pk=instrument.pk).exists()
    preview = as_alice.get(response["Location"]).content.decode()
    assert "Used under the practice&#x27;s written permission" in preview
    assert "Acknowledge and enable" in preview
    as_alice.post(url("acknowledge", "ecr-s-local"), {"confirm": "on"})
    assert Instrument.objects.usable_in(practice_a).filter(pk=instrument.pk).exists()
    assert AuditEvent.objects.filter(object_type="instrument", action="create").exists()


def test_upload_errors_are_shown_with_their_lines(as_alice):
    text = ecr_s_like().replace("method: mean", "method: median")
    response = as_alice.post(url("upload"), {"file": upload(text, "broken.yaml")})
    assert response.status_code == 400
    page = response.content.decode()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "median" in row)
    assert f"<strong>Line {line}</strong>" in page
    assert "<code>scoring.subscales[1].method</code>" in page
    assert "&#x27;median&#x27; is not one of" in page
    assert not Instrument.objects.filter(code="ecr-s-local").exists()


def test_upload_cannot_take_a_shipped_code(as_alice):
    text = ecr_s_like(code="phq-9")
    response = as_alice.post(url("upload"), {"file": upload(text)})
    assert response.status_code == 400
    assert b"<strong>Line 2</strong>" in response.content
    assert b"is the code of a shipped instrument" in response.content


def test_upload_rejects_other_file_types(as_alice):
    response = as_alice.post(url("upload"), {"file": upload("hello", "notes.txt")})
    assert response.status_code == 400
    assert b"upload a .yaml, .yml or .json file" in response.content


def test_a_new_licence_note_needs_acknowledging_again(as_alice, practice_a):
    as_alice.post(url("upload"), {"file": upload(ecr_s_like())})
    as_alice.post(url("acknowledge", "ecr-s-local"), {"confirm": "on"})
    renamed = ecr_s_like(name="Local attachment short form (2nd edition)")
    as_alice.post(url("upload"), {"file": upload(renamed)})
    instrument = Instrument.objects.get(code="ecr-s-local")
    assert instrument.current_version.number == 2
    assert services.is_acknowledged(practice_a, instrument)  # same licence note
    new_terms = ecr_s_like(licence={"note": "New terms from the publisher."})
    as_alice.post(url("upload"), {"file": upload(new_terms)})
    instrument.refresh_from_db()
    assert instrument.current_version.number == 3
    assert not services.is_acknowledged(practice_a, instrument)


def test_owner_can_discard_an_upload_until_it_is_acknowledged(as_alice):
    as_alice.post(url("upload"), {"file": upload(ecr_s_like())})
    assert as_alice.post(url("discard", "ecr-s-local")).status_code == 302
    assert not Instrument.objects.filter(code="ecr-s-local").exists()
    as_alice.post(url("upload"), {"file": upload(ecr_s_like())})
    as_alice.post(url("acknowledge", "ecr-s-local"), {"confirm": "on"})
    as_alice.post(url("discard", "ecr-s-local"))
    assert Instrument.objects.filter(code="ecr-s-local").exists()
    assert as_alice.post(url("discard", "phq-9")).status_code == 403  # shipped: never


# --- The practice's numbers --------------------------------------------------------------------


def test_owner_enters_cited_numbers_that_reliable_change_then_uses(as_alice, practice_a):
    ecr = Instrument.objects.shipped().get(code="ecr-r")
    page = as_alice.get(url("settings", "ecr-r"))
    assert page.status_code == 200
    assert b"<legend>Anxiety</legend>" in page.content
    missing_citation = as_alice.post(url("settings", "ecr-r"), {"anxiety__reliability": "0.85"})
    assert missing_citation.status_code == 400
    assert b"Give the source of this number." in missing_citation.content
    out_of_range = as_alice.post(
        url("settings", "ecr-r"),
        {"anxiety__reliability": "1.5", "anxiety__reliability__citation": "Paper"},
    )
    assert b"between 0 and 1" in out_of_range.content
    data = {"classification_rule": "midpoint", "rci_critical_value": "1.96"}
    for dimension in ("anxiety", "avoidance"):
        data |= {
            f"{dimension}__reliability": "0.85",
            f"{dimension}__reliability__citation": "Retest study, table 2",
            f"{dimension}__sd": "1.0",
            f"{dimension}__sd__citation": "Clinical sample, table 1",
        }
    assert as_alice.post(url("settings", "ecr-r"), data).status_code == 302
    assert PracticeCitedValue.objects.filter(practice=practice_a, instrument=ecr).count() == 4
    assert PracticeInstrumentSettings.objects.get(practice=practice_a).rci_critical_value == (
        Decimal("1.96")
    )
    assert AuditEvent.objects.filter(object_type="practiceinstrumentsettings").exists()

    before = services.score_answers(practice_a, ecr, ecr_keyed(6, 6))
    after = services.score_answers(practice_a, ecr, ecr_keyed(2, 2))
    change = services.compare_results(practice_a, ecr, before, after)
    assert change["subscales"]["anxiety"]["label"] == "improved"
    assert change["subscales"]["anxiety"]["reliable_change"]["reliability"]["source"] == (
        "Retest study, table 2"
    )
    assert change["earned_security"]["status"] == "earned"

    # Emptying a number removes it; reliable change is then not available, and says why.
    data["anxiety__sd"] = ""
    data["anxiety__sd__citation"] = ""
    as_alice.post(url("settings", "ecr-r"), data)
    change = services.compare_results(practice_a, ecr, before, after)
    assert change["subscales"]["anxiety"]["label"] == "reliable change not available"
    assert change["earned_security"]["status"] == "quadrant_move_only"
    # ...until enough baselines give the practice its own SD.
    baselines = {"anxiety": [2.0, 3.5, 5.0] * 10}
    change = services.compare_results(practice_a, ecr, before, after, baseline_scores=baselines)
    assert change["subscales"]["anxiety"]["reliable_change"]["sd"]["origin"] == "practice_baselines"


def test_practice_critical_value_overrides_the_file(as_alice, practice_a):
    gad = Instrument.objects.shipped().get(code="gad-7")
    data = {"total__sd": "4", "total__sd__citation": "Clinical sample SD"}
    as_alice.post(url("settings", "gad-7"), data)
    before = services.score_answers(practice_a, gad, [2, 2, 2, 2, 1, 1, 0])  # 10
    after = services.score_answers(practice_a, gad, [1, 1, 1, 1, 1, 0, 0])  # 5
    # SE_diff = 4 x sqrt(2) x sqrt(.17) = 2.332; RCI = -5 / 2.332 = -2.14.
    assert (
        services.compare_results(practice_a, gad, before, after)["subscales"]["total"]["label"]
        == "improved"
    )
    as_alice.post(url("settings", "gad-7"), {**data, "rci_critical_value": "2.5"})
    assert (
        services.compare_results(practice_a, gad, before, after)["subscales"]["total"]["label"]
        == "no reliable change"
    )


ECR_R_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}


def ecr_keyed(anxiety, avoidance):
    return {
        n: (8 - (anxiety if n <= 18 else avoidance))
        if n in ECR_R_REVERSED
        else (anxiety if n <= 18 else avoidance)
        for n in range(1, 37)
    }


def test_discarding_checks_the_instrument_is_the_practices_own(alice, charlie, practice_b):
    """The page finds instruments among the practice's own (another practice's is a 404), and
    the service refuses one of another practice by itself too: an owner of A cannot remove B's
    upload whatever path reaches it (no test failed when the service's check was removed)."""
    theirs = custom_instrument_for(practice_b, charlie)
    theirs.acknowledgements.all().delete()  # not yet cleared for use: B itself could discard it
    request = RequestFactory().post("/")
    request.user, request.membership = alice, alice.memberships.get()
    request.practice = request.membership.practice
    with pytest.raises(PermissionDenied):
        services.discard_custom_instrument(request, theirs)
    assert Instrument.objects.filter(pk=theirs.pk, practice=practice_b).exists()
