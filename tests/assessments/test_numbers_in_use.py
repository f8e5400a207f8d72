"""The numbers reliable change uses, where owners look (issue 16): the instrument page shows the
numbers actually in use with their source (the practice's own once entered, not the file's),
the citation a number needs is not labelled optional, and Practice settings leads to them."""

import re

import pytest

pytestmark = pytest.mark.django_db

GAD7 = "/instruments/gad-7/"
SETTINGS = "/instruments/gad-7/settings/"


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_page_shows_the_files_numbers_until_the_practice_enters_its_own(as_alice):
    before = text(as_alice.get(GAD7).content.decode())
    assert (
        "Reliability in use 0.83 (test-retest intraclass correlation) cited in the file:" in before
    )
    assert "Reliable change: |RCI| above 1.96 (Jacobson" in before
    response = as_alice.post(
        SETTINGS,
        {
            "total__reliability": "0.91",
            "total__reliability__citation": "Fictional et al. (2020), table 2",
            "rci_critical_value": "2.58",
        },
    )
    assert response.status_code == 302
    after = text(as_alice.get(GAD7).content.decode())
    assert (
        "Reliability in use 0.91 entered by your practice, from Fictional et al. (2020), table 2; "
        "the file cites 0.83" in after
    )
    assert "Reliable change: |RCI| above 2.58 (set by your practice)" in after
    assert "Reliability in use 0.83" not in after


def test_a_subscale_with_no_cited_sd_says_so(as_alice):
    page = text(as_alice.get(GAD7).content.decode())
    assert "Reference SD in use None cited" in page
    assert "baseline SD is used once 30 clients have a baseline" in page


def test_the_citation_is_not_labelled_optional(as_alice):
    html = as_alice.get(SETTINGS).content.decode()
    labels = re.findall(r'<label for="id_total__reliability__citation">(.*?)</label>', html)
    assert labels == ["Citation"]
    assert "Needed with the number" in html
    # A number without its citation is refused, as the label now says.
    response = as_alice.post(SETTINGS, {"total__reliability": "0.9"})
    assert response.status_code == 400
    assert "Give the source of this number." in response.content.decode()


def test_practice_settings_lead_to_each_instruments_numbers(as_alice, as_bob):
    html = as_alice.get("/practice/settings/").content.decode()
    assert "Reliable change and style classification" in html
    assert f'href="{SETTINGS}"' in html
    owner_link = 'href="/instruments/gad-7/settings/">Change your practice'
    assert owner_link in as_alice.get(GAD7).content.decode()
    assert owner_link not in as_bob.get(GAD7).content.decode()
