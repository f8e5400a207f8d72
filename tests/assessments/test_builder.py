"""The instrument builder (issue 16): an owner builds a four-item instrument through the pages,
previews the client's form, scores test answers with the engine, saves it through the upload's
service, acknowledges it and can assign it; every problem is shown at once in the builder's
words; an edit starts from the stored definition and saves a new version; owners only."""

import pytest
import yaml
from django.urls import reverse

from assessments import builder, loader, scoring, services
from assessments.models import Instrument
from practice.models import AuditAction, AuditEvent
from tests.assessments.helpers import custom_definition, custom_instrument_for, load_custom

pytestmark = pytest.mark.django_db

BUILD = reverse("assessments:build")


def management(prefix: str, total: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def four_items(**changes) -> dict:
    """The POST of a filled-in builder: four items on a 0-3 scale, item 1 reverse-keyed, one
    summed score with two bands, and an alert on item 4 above 1."""
    data = {
        "name": "Weekly strain check",
        "code": "weekly-strain",
        "short_name": "",
        "version": "1",
        "language": "en",
        "instructions": "Over the last week, how often did you feel this way?",
        "citation": "Fictional, A. (2024). A weekly strain check. Journal of Examples, 1, 1-2.",
        "licence_note": "Written for this practice; free to use.",
        "scale_min": "0",
        "scale_max": "3",
        **management("labels", 4),
        **management("items", 5),
        **management("subscales", 1),
        **management("bands", 2),
        **management("alerts", 1),
        "subscales-0-key": "strain",
        "subscales-0-label": "Strain",
        "subscales-0-method": "sum",
        "subscales-0-better": "lower",
        "subscales-0-items": "1-4",
        "subscales-0-bands_source": "Fictional (2024), table 1.",
        "bands-0-subscale": "strain",
        "bands-0-min": "0",
        "bands-0-max": "5",
        "bands-0-label": "Low",
        "bands-1-subscale": "strain",
        "bands-1-min": "6",
        "bands-1-max": "12",
        "bands-1-label": "High",
        "alerts-0-item": "4",
        "alerts-0-value": "1",
        "alerts-0-message": "Check in about sleep.",
    }
    for value, label in enumerate(["Not at all", "Sometimes", "Often", "Almost always"]):
        data[f"labels-{value}-value"] = str(value)
        data[f"labels-{value}-label"] = label
    texts = ["I felt calm.", "I felt on edge.", "I found it hard to rest.", "I slept badly."]
    for index, text in enumerate(texts):
        data[f"items-{index}-text"] = text
    data["items-0-reverse"] = "on"
    data["items-4-text"] = ""  # a blank row is ignored
    data.update(changes)
    return data


def test_an_owner_builds_previews_test_scores_saves_acknowledges_and_assigns(as_alice, alice, erin):
    page = as_alice.get(BUILD)
    assert page.status_code == 200
    assert "Build a custom instrument" in page.content.decode()

    preview = as_alice.post(BUILD, four_items(action="preview"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Preview of the client's form" in html
    assert "4. I slept badly." in html
    assert 'name="answer-4" value="3"' in html
    assert "Almost always" in html

    answers = {"answer-1": "0", "answer-2": "2", "answer-3": "3", "answer-4": "2"}
    scored = as_alice.post(BUILD, four_items(action="preview", **answers))
    definition, problems = builder.build(*builder.bound(four_items()).rows())
    assert problems == []
    (loaded,) = builder.check(definition)
    expected = scoring.score(loaded, {1: 0, 2: 2, 3: 3, 4: 2})
    # Item 1 reversed: 3 + 2 + 3 + 2 = 10, in the High band; item 4 above 1 raises the alert.
    assert expected["subscales"]["strain"]["score"] == 10
    assert expected["subscales"]["strain"]["band"] == "High"
    assert scored.context["result"] == expected
    html = scored.content.decode()
    assert "Strain: <strong>10</strong> (band: High)" in html
    assert "Check in about sleep." in html

    saved = as_alice.post(BUILD, four_items(action="save"))
    assert saved.status_code == 302
    instrument = Instrument.objects.get(
        practice=alice.memberships.get().practice, code="weekly-strain"
    )
    assert saved["Location"] == reverse("assessments:detail", args=["weekly-strain"])
    # The same definition the YAML upload of the builder's file gives.
    (uploaded,) = loader.load_text(builder.to_yaml(definition), "weekly-strain.yaml", uploaded=True)
    assert instrument.definition == uploaded
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=str(instrument.pk)
    ).exists()
    practice = instrument.practice
    assert not Instrument.objects.usable_in(practice).filter(pk=instrument.pk).exists()

    acknowledged = as_alice.post(
        reverse("assessments:acknowledge", args=["weekly-strain"]), {"confirm": "on"}
    )
    assert acknowledged.status_code == 302
    assert Instrument.objects.usable_in(practice).filter(pk=instrument.pk).exists()
    assign = as_alice.get(reverse("assessments:assign", args=[erin.pk]))
    assert "Weekly strain check" in assign.content.decode()


def test_htmx_change_returns_the_preview_partial_only(as_alice):
    response = as_alice.post(BUILD, four_items(**{"answer-4": "3"}), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Preview of the client's form" in html
    assert "Check in about sleep." in html


def test_every_problem_is_shown_at_once_in_the_builders_words(as_alice):
    data = four_items(
        action="save",
        name="",
        code="Not A Code",
        **{
            "items-2-text": "",
            "items-3-text": "",
            "labels-2-label": "",
            "subscales-0-items": "1, 7",
            "bands-1-max": "11",
            "alerts-0-value": "lots",
        },
    )
    response = as_alice.post(BUILD, data)
    assert response.status_code == 400
    problems = {(p["where"], p["message"]) for p in response.context["problems"]}
    wheres = {where for where, _ in problems}
    # The schema's wording in the builder's words.
    assert ("Name", "fill this in") in problems
    assert (
        "Code",
        "use lower case letters, digits and single hyphens, starting with a letter "
        "(for example my-check)",
    ) in problems
    assert ("Score 1, items", "there is no item 7") in problems
    assert ("Alert 1, value", "'lots' is not a number") in problems
    assert any(where.startswith("Answer scale") for where in wheres)  # point 2 unlabelled
    assert any(where.startswith("Score 1, bands") for where in wheres)  # range not covered
    html = response.content.decode()
    assert f"{len(response.context['problems'])} things to fix" in html
    assert "items[" not in html and "scoring.subscales" not in html
    assert not Instrument.objects.filter(code="not-a-code").exists()
    # The form keeps what was typed.
    assert "I felt on edge." in html


def test_a_wider_scale_offers_a_label_row_for_each_new_point(as_alice):
    response = as_alice.post(BUILD, four_items(action="preview", scale_max="5"))
    assert ("Answer scale, labels", "Scale points 4 and 5 have no label") in {
        (p["where"], p["message"]) for p in response.context["problems"]
    }
    labels = response.context["forms"].formsets["labels"].initial
    assert [row["value"] for row in labels] == ["0", "1", "2", "3", "4", "5"]
    assert [row["label"] for row in labels][3:] == ["Almost always", "", ""]


def test_yaml_download_is_the_built_file(as_alice):
    response = as_alice.post(BUILD, four_items(action="download"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="weekly-strain.yaml"'
    data = yaml.safe_load(response.content)
    assert data["code"] == "weekly-strain"
    assert [item["text"] for item in data["items"]][:2] == ["I felt calm.", "I felt on edge."]
    (loaded,) = loader.load_bytes(response.content, "weekly-strain.yaml")
    assert loaded["items"][0]["reverse"] is True


def test_a_shipped_code_is_refused_with_the_uploads_message(as_alice):
    response = as_alice.post(BUILD, four_items(action="save", code="phq-9"))
    assert response.status_code == 400
    assert ("Code", "'phq-9' is the code of a shipped instrument; choose another code") in {
        (p["where"], p["message"]) for p in response.context["problems"]
    }


def test_editing_starts_from_the_definition_and_saves_a_new_version(as_alice):
    as_alice.post(BUILD, four_items(action="save"))
    instrument = Instrument.objects.get(code="weekly-strain")
    edit_url = reverse("assessments:rebuild", args=["weekly-strain"])
    page = as_alice.get(edit_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "I slept badly." in html and "Check in about sleep." in html
    _fields, rows = builder.rows_from_definition(instrument.definition)
    assert rows["subscales"][0]["items"] == "1, 2, 3, 4"
    changed = four_items(action="save", code="ignored", **{"items-3-text": "I slept poorly."})
    assert as_alice.post(edit_url, changed).status_code == 302
    instrument.refresh_from_db()
    assert instrument.current_version.number == 2
    assert instrument.definition["items"][3]["text"] == "I slept poorly."
    assert instrument.code == "weekly-strain"
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(instrument.pk)
    ).exists()


def test_an_instrument_the_builder_cannot_express_is_not_trimmed(as_alice, alice):
    practice = alice.memberships.get().practice
    items = custom_definition()["items"] + [
        {"number": 7, "text": "Anything else?", "type": "text", "required": False}
    ]
    definition = load_custom(code="with-text", items=items)
    instrument = Instrument.objects.create(practice=practice, code="with-text", name="With text")
    services._store_definition(instrument, definition, "with-text.yaml")
    response = as_alice.get(reverse("assessments:rebuild", args=["with-text"]), follow=True)
    assert response.redirect_chain == [(reverse("assessments:detail", args=["with-text"]), 302)]
    assert "uses parts the builder does not edit" in response.content.decode()
    assert instrument.versions.count() == 1


def test_clinicians_are_refused_and_other_practices_instruments_are_not_there(
    as_bob, as_charlie, alice
):
    assert as_bob.get(BUILD).status_code == 403
    assert as_bob.post(BUILD, four_items(action="save")).status_code == 403
    assert not Instrument.objects.filter(code="weekly-strain").exists()
    instrument = custom_instrument_for(alice.memberships.get().practice, alice)
    assert as_charlie.get(reverse("assessments:rebuild", args=[instrument.code])).status_code == 404
    assert as_charlie.get(reverse("assessments:rebuild", args=["phq-9"])).status_code == 404
