"""The client's form: pages of questions, saved as the client goes, resumable from the same link
another day, refusing blank and out-of-range answers with linked messages, submitted once."""

import datetime
import re

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse

from assessments.models import Alert, Packet, PacketItem, Response
from tests.assessments.assign_helpers import at, send_now, token_of

SENT = at(2025, 3, 3, 10)
MONDAY = SENT + datetime.timedelta(hours=1)
WEDNESDAY = SENT + datetime.timedelta(days=2)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.fixture
def visit(erin, bob):
    """GAD-7 (one page of 8) and PHQ-9 (two pages of 5), started by the client on Monday."""
    _, packet = send_now(erin, "phq-9", "gad-7", actor=bob, now=SENT)
    token = token_of(packet)
    browser = Browser()
    with time_machine.travel(MONDAY, tick=False):
        browser.post(reverse("questionnaire:landing", args=[token]))
    return packet, token, browser


def page(token, step):
    return reverse("questionnaire:page", args=[token, step])


def ecr_r_pages(client, *steps) -> list[str]:
    """The HTML of the ECR-R's pages ``steps``, opened by ``client`` after starting the visit."""
    _, packet = send_now(client, "ecr-r", now=SENT)
    token = token_of(packet)
    browser = Browser()
    with time_machine.travel(MONDAY, tick=False):
        browser.post(reverse("questionnaire:landing", args=[token]))
        return [browser.get(page(token, step)).content.decode() for step in steps]


def answers(numbers, value=1, **extra):
    return {**{f"item-{n}": str(value) for n in numbers}, **extra}


@pytest.mark.django_db
def test_each_page_shows_progress_and_one_fieldset_per_question(visit):
    _, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        html = browser.get(page(token, 2)).content.decode()
    assert "Questionnaire 2 of 2 · page 1 of 2" in html
    assert "Patient Health Questionnaire-9" in html
    assert "Over the last 2 weeks" in html  # the instructions, on a questionnaire's first page
    assert html.count("<fieldset") == 5 and html.count("<legend") == 5
    assert html.count('type="radio"') == 5 * 4
    for value, label in ((0, "Not at all"), (3, "Nearly every day")):
        assert re.search(
            rf'<label class="q-option" for="id_item-1_{value}"><input type="radio" '
            rf'id="id_item-1_{value}" name="item-1" value="{value}">.*?{label}</span></label>',
            html,
        )
    assert "Developed by Drs. Robert L. Spitzer" in html  # the PHQ's attribution line
    assert "<script" not in html


@pytest.mark.django_db
def test_unlabelled_scale_points_show_their_number(erin):
    (html,) = ecr_r_pages(erin, 1)
    assert "Questionnaire 1 of 1 · page 1 of 5" in html
    assert html.count("<fieldset") == 8
    assert re.search(
        r'value="1">\s*<span class="q-option-number">1</span>\s*'
        r'<span class="q-option-label">Strongly disagree</span>',
        html,
    )
    assert re.search(r'value="2">\s*<span class="q-option-number">2</span></label>', html)


@pytest.mark.django_db
def test_answers_are_saved_per_page_and_the_client_resumes_another_day(visit):
    packet, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        response = browser.post(page(token, 1), answers(range(1, 9), 2, action="next"))
        assert response.status_code == 302 and response["Location"] == page(token, 2)
        response = browser.post(page(token, 2), answers(range(1, 4), 1, action="save"))
        assert response.status_code == 200
        assert "Your answers are saved" in response.content.decode()
    packet.refresh_from_db()
    assert packet.status == Packet.Status.IN_PROGRESS
    phq = packet.items.get(instrument__code="phq-9")
    assert phq.draft_answers == {"1": 1, "2": 1, "3": 1}

    later = Browser()  # Wednesday, on another device, from the same link
    with time_machine.travel(WEDNESDAY, tick=False):
        landing = later.get(reverse("questionnaire:landing", args=[token])).content.decode()
        assert ">Continue<" in landing
        response = later.post(reverse("questionnaire:landing", args=[token]))
        assert response["Location"] == page(token, 2)  # the first page with a gap
        html = later.get(page(token, 2)).content.decode()
    assert 'name="item-1" value="1" checked' in html
    assert 'name="item-4" value="1" checked' not in html


@pytest.mark.django_db
def test_the_whole_journey_submits_scores_and_thanks(visit, erin):
    packet, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        browser.post(page(token, 1), answers(range(1, 9), 1, action="next"))
        browser.post(page(token, 2), answers(range(1, 6), 2, action="next"))
        response = browser.post(page(token, 3), answers(range(6, 11), 0, action="submit"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("questionnaire:thanks") + "?from=")
        thanks = browser.get(response["Location"])
    assert "Your answers have been sent to Harbour Therapy." in thanks.content.decode()
    packet.refresh_from_db()
    assert packet.status == Packet.Status.COMPLETED
    scores = dict(Response.objects.filter(client=erin).values_list("instrument__code", "total"))
    assert scores == {"gad-7": 7, "phq-9": 10}
    with time_machine.travel(MONDAY, tick=False):  # the link is now spent
        assert browser.get(reverse("questionnaire:landing", args=[token])).status_code == 404


@pytest.mark.django_db
def test_next_with_unanswered_questions_lists_them_linked_to_the_fields(visit):
    packet, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        response = browser.post(page(token, 1), answers([1, 2, 3], 1, action="next"))
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="error-summary" role="alert"' in html
    for number in (4, 5, 6, 7):
        assert f'<a href="#id_item-{number}_0">Choose an answer for question {number}.</a>' in html
        assert f'aria-describedby="id_item-{number}-error"' in html
    assert "question 8" not in html  # the functional question is optional
    assert 'value="1" checked' in html  # what was given is kept on the page
    assert not PacketItem.objects.filter(packet=packet).exclude(draft_answers={}).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", [{"item-1": "7"}, {"item-1": "-1"}, {"item-1": "abc"}, {"item-1": "1.5"}, {"item-1": ""}]
)
def test_tampered_or_out_of_range_answers_are_refused_not_saved(visit, bad):
    packet, token, browser = visit
    data = {**answers(range(2, 9), 1, action="next"), **bad}
    with time_machine.travel(MONDAY, tick=False):
        response = browser.post(page(token, 1), data)
    assert response.status_code == 400
    assert "question 1" in response.content.decode()
    assert not PacketItem.objects.filter(packet=packet).exclude(draft_answers={}).exists()


@pytest.mark.django_db
def test_unknown_fields_and_actions_are_ignored_and_a_bad_step_goes_home(visit):
    packet, token, browser = visit
    data = answers(range(1, 9), 1, action="launch", **{"item-99": "3", "item-x": "y"})
    with time_machine.travel(MONDAY, tick=False):
        response = browser.post(page(token, 1), data)
        assert response.status_code == 302 and response["Location"] == page(token, 2)
        assert browser.get(page(token, 9)).status_code == 302
        assert browser.get(page(token, 0)).status_code == 302
        # "submit" before the last page only moves on.
        assert browser.post(page(token, 2), answers(range(1, 6), 1, action="submit"))[
            "Location"
        ] == page(token, 3)
    gad = packet.items.get(instrument__code="gad-7")
    assert gad.draft_answers == {str(n): 1 for n in range(1, 9)}
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_submitting_with_a_gap_elsewhere_links_to_that_page(visit):
    packet, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        browser.post(page(token, 1), answers(range(1, 8), 1, action="save"))  # no item 8 (optional)
        browser.post(page(token, 2), answers([1, 2, 3, 5], 1, action="save"))  # 4 missing
        response = browser.post(page(token, 3), answers(range(6, 11), 0, action="submit"))
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f'<a href="{page(token, 2)}#q-4">Questionnaire 2: Question 4 is not answered.</a>' in html
    )
    assert not Response.objects.exists()
    packet.refresh_from_db()
    assert packet.status == Packet.Status.IN_PROGRESS
    assert packet.items.get(instrument__code="phq-9").draft_answers["6"] == 0  # page 3 was kept


@pytest.mark.django_db
def test_back_keeps_the_page_and_goes_back_without_requiring_answers(visit):
    packet, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        response = browser.post(page(token, 2), answers([1], 3, action="back"))
    assert response["Location"] == page(token, 1)
    assert packet.items.get(instrument__code="phq-9").draft_answers == {"1": 3}


@pytest.mark.django_db
def test_free_text_is_accepted_and_an_overlong_answer_is_refused(erin):
    _, packet = send_now(erin, "limiting-beliefs", now=SENT)
    token = token_of(packet)
    browser = Browser()
    with time_machine.travel(MONDAY, tick=False):
        browser.post(reverse("questionnaire:landing", args=[token]))
        html = browser.get(page(token, 1)).content.decode()
        # Version 2026.1: three questions, then optional belief/challenge pairs on page 2.
        assert html.count("<textarea") == 6 and '<label for="id_item-1"' in html
        too_long = browser.post(
            page(token, 1), {"item-1": "x" * 2001, "item-2": "b", "item-3": "c", "action": "submit"}
        )
        assert too_long.status_code == 400
        assert "2000 characters or fewer" in too_long.content.decode()
        browser.post(
            page(token, 1),
            {
                "item-1": "I am too much.",
                "item-2": "Friends <stayed>.",
                "item-3": "Some stay.",
                "action": "next",
            },
        )
        done = browser.post(page(token, 2), {"action": "submit"})  # the optional pairs left empty
    assert done.status_code == 302
    assert Response.objects.get().answers["2"] == "Friends <stayed>."


@pytest.mark.django_db
def test_a_double_submit_stores_one_response(visit):
    _, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        browser.post(page(token, 1), answers(range(1, 9), 1, action="next"))
        browser.post(page(token, 2), answers(range(1, 6), 1, action="next"))
        final = {**answers(range(6, 11), 1, action="submit"), "item-9": "0"}  # no crisis page
        first = browser.post(page(token, 3), final)
        second = browser.post(page(token, 3), final)
    assert first.status_code == 302
    assert second.status_code == 404
    assert "If you have just sent your answers, they have been received" in (
        second.content.decode()
    )
    assert Response.objects.count() == 2  # one per questionnaire, not four


@pytest.mark.django_db
def test_an_alert_is_raised_from_the_form(visit):
    _, token, browser = visit
    with time_machine.travel(MONDAY, tick=False):
        browser.post(page(token, 1), answers(range(1, 9), 0, action="next"))
        browser.post(page(token, 2), answers(range(1, 6), 0, action="next"))
        browser.post(
            page(token, 3), {**answers([6, 7, 8, 10], 0), "item-9": "2", "action": "submit"}
        )
    assert Alert.objects.get().rule_label == "Item 9 answered above 0"


@pytest.mark.django_db
def test_the_form_is_refused_once_the_link_expires_mid_visit(visit):
    packet, token, browser = visit
    with time_machine.travel(SENT + datetime.timedelta(days=7), tick=False):
        response = browser.post(page(token, 1), answers(range(1, 9), 1, action="next"))
    assert response.status_code == 404
    assert not PacketItem.objects.filter(packet=packet).exclude(draft_answers={}).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?from=", "?from=MQ:forged:signature", "?from=" + "9" * 40])
def test_the_thank_you_page_without_a_valid_practice_mark_still_thanks(query):
    """The thank-you page carries no token: without a practice it names none, never a 500."""
    response = Browser().get(reverse("questionnaire:thanks") + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your answers have been sent to your practice." in html
    assert "Harbour Therapy" not in html


@pytest.mark.django_db
def test_ecr_r_shows_our_neutral_instructions_on_its_first_page_only(erin):
    first, second = ecr_r_pages(erin, 1, 2)
    instructions = re.search(r'<p class="q-instructions">(.*?)</p>', first, re.S)
    assert instructions and "close relationships" in instructions.group(1)
    assert "Strongly disagree" in instructions.group(1)
    assert 'class="q-instructions"' not in second


@pytest.mark.django_db
def test_a_scale_renders_as_one_fieldset_per_item_with_a_row_of_options(erin):
    """The compact scale is the same markup as the stacked one (the stylesheet lays it out by
    the width available): a fieldset and legend per item, its options in one ``q-scale`` group
    with the end labels, and the questionnaire's own stylesheet linked."""
    (html,) = ecr_r_pages(erin, 1)
    assert re.search(r'<link rel="stylesheet" href="[^"]*css/questionnaire\.css">', html)
    fieldsets = re.findall(r"<fieldset class=\"question[^>]*>(.*?)</fieldset>", html, re.S)
    assert len(fieldsets) == 8
    for fieldset in fieldsets:
        assert fieldset.count("<legend") == 1
        (group,) = re.findall(r'<div class="q-options q-scale">(.*?)</div>', fieldset, re.S)
        assert group.count('type="radio"') == 7
        labels = re.findall(r'<span class="q-option-label">([^<]*)</span>', group)
        assert labels == ["Strongly disagree", "Neutral/mixed", "Strongly agree"]
    actions = re.search(r'<div class="q-actions">(.*?)</div>', html, re.S).group(1)
    assert 'value="next" class="client-primary">Save and continue<' in actions
    assert re.search(r'value="save" class="q-secondary">Save and finish later<', actions)
