"""The whole questionnaire journey in real Chromium: a clinician assigns from the client's page,
the scheduler runs, the e-mail lands, the client answers on a phone-sized screen from the link,
and the clinician sees the scores."""

import re

import pytest
from django.core import mail

from assessments import services
from practice import emails
from practice.models import OutboundEmail
from tests.assessments.assign_helpers import LINK, cleared
from tests.factories import PASSWORD


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")


def answer_page(phone, answers: dict[int, str]):
    """Tap one answer per question, by the question's number and the answer's label."""
    for number, label in answers.items():
        question = phone.get_by_role("group", name=re.compile(rf"^{number}\. "))
        question.get_by_role("radio", name=label, exact=True).check()


@pytest.mark.django_db(transaction=True)
def test_assign_email_answer_on_a_phone_and_see_the_scores(page, phone_page, bob, erin):
    cleared(erin.practice, "phq-9", "gad-7")

    # The clinician assigns the PHQ-9 from Erin's page, to be sent now.
    sign_in(page, bob)
    page.get_by_role("link", name="Erin Fictional", exact=True).click()
    page.get_by_role("link", name="Assign questionnaires").click()
    page.get_by_label("Patient Health Questionnaire-9 (PHQ-9)").check()
    page.get_by_label("Send now").check()
    page.get_by_role("button", name="Assign").click()
    assert page.get_by_text("Questionnaires sent to Erin.").is_visible()

    # The scheduler runs (nothing else is due), and the queued e-mail is delivered.
    assert services.dispatch_due_occasions().packets == []
    queued = OutboundEmail.objects.get(kind="questionnaire_invitation")
    emails.deliver_email(queued.pk)
    (message,) = mail.outbox
    assert message.to == [erin.email]
    assert "PHQ" not in message.subject + message.body
    link = LINK.search(message.body).group(0)

    # The client opens the link on a phone, starts, and answers two pages.
    phone = phone_page
    phone.goto(link)
    assert phone.get_by_role("heading", name="Your questionnaires").is_visible()
    phone.get_by_role("button", name="Start").click()
    assert phone.get_by_text("Questionnaire 1 of 1 · page 1 of 2").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the form scrolls sideways on a phone ({width}px)"
    option = phone.locator(".q-option").first.bounding_box()
    assert option["height"] >= 44, "answers must be large touch targets"

    # Trying to go on with nothing answered lists the questions, linked to them.
    phone.get_by_role("button", name="Save and continue").click()
    summary = phone.get_by_role("alert")
    assert summary.get_by_role("link", name="Choose an answer for question 1.").is_visible()

    answer_page(phone, dict.fromkeys(range(1, 6), "Several days"))
    phone.get_by_role("button", name="Save and continue").click()
    assert phone.get_by_text("Questionnaire 1 of 1 · page 2 of 2").is_visible()
    answer_page(
        phone,
        {6: "More than half the days", 7: "Several days", 8: "Not at all", 9: "Not at all"},
    )
    answer_page(phone, {10: "Somewhat difficult"})
    phone.get_by_role("button", name="Send my answers").click()
    assert phone.get_by_role("heading", name="Thank you").is_visible()

    # The clinician sees the scored result on Erin's page.
    page.reload()
    results = page.locator("#results")
    assert results.get_by_text("Total:").is_visible()
    assert "Total: 8 (Mild)" in " ".join(results.inner_text().split())
    assert page.get_by_text("Completed").first.is_visible()
