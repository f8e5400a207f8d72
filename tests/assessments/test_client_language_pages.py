"""A client's e-mails and questionnaire pages in their language (issue 15): a Spanish client's
invitation, reminder and pages are in Spanish, an English client's stay English, the client may
switch on the page with a ``?lang=`` flag that follows them from page to page, and the crisis page
speaks Spanish too. The questions themselves stay in English (no instrument ships a validated
Spanish version), and the page says so in Spanish."""

import datetime

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse
from django.utils import translation

from assessments.services import packets as packet_service
from practice.models import OutboundEmail, SafetySettings
from tests.assessments.assign_helpers import at, send_now, token_of

SENT = at(2025, 3, 3, 10)  # a Monday
LATER = SENT + datetime.timedelta(hours=1)
NOTE = "Las preguntas de este cuestionario se muestran en inglés"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.fixture
def rosa(erin):
    erin.language = "es"
    erin.save(update_fields=["language"])
    return erin


def landing(token):
    return reverse("questionnaire:landing", args=[token])


def page(token, step):
    return reverse("questionnaire:page", args=[token, step])


def start(client, *codes, query=""):
    """Send ``codes`` (a PHQ-9 by default) and start the visit through the link (with ``query``
    on the landing page's address); the token, the client's browser and the start's answer."""
    _, packet = send_now(client, *(codes or ("phq-9",)), now=SENT)
    token = token_of(packet)
    browser = Browser()
    with time_machine.travel(LATER, tick=False):
        response = browser.post(landing(token) + query)
    return token, browser, response


@pytest.mark.django_db
class TestEmails:
    def test_a_spanish_clients_invitation_is_in_spanish(self, rosa):
        _, packet = send_now(rosa, "phq-9", now=SENT)
        email = OutboundEmail.objects.get(kind="questionnaire_invitation")
        assert email.subject == f"{rosa.practice.name}: Bob Clinician le ha enviado cuestionarios"
        assert email.text_body.startswith("Hola, Erin:\n")
        assert "le pide que responda unos breves cuestionarios" in email.text_body
        assert "Abra este enlace para empezar:" in email.text_body
        with translation.override("es"):
            expires = packet_service.local_day_text(packet.expires_at, rosa.effective_time_zone)
        assert expires == "lunes 10 de marzo" and f"hasta el {expires}." in email.text_body
        assert '<html lang="es">' in email.html_body
        assert "Hola, Erin:" in email.html_body and "Abrir sus cuestionarios" in email.html_body
        assert "Si el botón no funciona" in email.html_body
        assert "Hello" not in email.text_body + email.html_body

    def test_the_day_the_link_expires_is_written_in_spanish(self):
        tuesday = at(2025, 3, 11, 12)
        with translation.override("es"):
            assert packet_service.local_day_text(tuesday, "Europe/Madrid") == "martes 11 de marzo"
        assert packet_service.local_day_text(tuesday, "Europe/London") == "Tuesday 11 March"

    def test_an_english_clients_invitation_stays_english(self, erin):
        send_now(erin, "phq-9", now=SENT)
        email = OutboundEmail.objects.get(kind="questionnaire_invitation")
        assert email.subject.endswith("Bob Clinician has sent you questionnaires")
        assert email.text_body.startswith("Hello Erin,\n")
        assert '<html lang="en' in email.html_body and "Open your questionnaires" in email.html_body

    def test_a_spanish_clients_reminder_is_in_spanish(self, rosa, practice_a):
        practice_a.questionnaire_reminder_days = [2]
        practice_a.save(update_fields=["questionnaire_reminder_days"])
        _, packet = send_now(rosa, "phq-9", now=SENT)
        with translation.override("en"):  # whatever language the sender runs in
            reminded = packet_service.send_reminders(SENT + datetime.timedelta(days=2, hours=1))
        assert reminded == [packet.pk]
        email = OutboundEmail.objects.get(kind="questionnaire_reminder")
        assert (
            email.subject == f"Recordatorio de {rosa.practice.name}: sus cuestionarios le esperan"
        )
        assert "Un recordatorio amable" in email.text_body
        assert "Abra este enlace para seguir donde lo dejó:" in email.text_body


@pytest.mark.django_db
class TestPages:
    def test_a_spanish_clients_landing_page_is_in_spanish(self, rosa):
        _, packet = send_now(rosa, "phq-9", "gad-7", now=SENT)
        with time_machine.travel(LATER, tick=False):
            html = Browser().get(landing(token_of(packet))).content.decode()
        assert '<html lang="es">' in html
        assert "<h1>Sus cuestionarios</h1>" in html
        assert "le pide que responda 2 cuestionarios (18 preguntas en total)." in html
        assert ">Empezar</button>" in html
        assert "Sus respuestas solo llegan a" in html
        assert '<a class="skip-link" href="#main">Saltar al contenido</a>' in html
        assert "Start" not in html

    def test_a_spanish_clients_pages_are_in_spanish_with_the_questions_in_english(self, rosa):
        token, browser, started = start(rosa)
        assert started["Location"] == page(token, 1)
        with time_machine.travel(LATER, tick=False):
            html = browser.get(page(token, 1)).content.decode()
        assert "Cuestionario 1 de 1 · página 1 de 2" in html
        assert ">Guardar y continuar</button>" in html
        assert ">Guardar y terminar más tarde</button>" in html
        assert NOTE in html
        assert '<span lang="en">Little interest or pleasure in doing things' in html
        assert '<p class="q-attribution muted" lang="en">Developed by' in html

    def test_errors_are_in_spanish(self, rosa):
        token, browser, _ = start(rosa)
        with time_machine.travel(LATER, tick=False):
            response = browser.post(page(token, 1), {"action": "next"})
        html = response.content.decode()
        assert response.status_code == 400
        assert "Hay un problema" in html
        assert "Elija una respuesta para la pregunta 1." in html

    def test_an_english_clients_pages_stay_english_without_the_note(self, erin):
        token, browser, _ = start(erin)
        with time_machine.travel(LATER, tick=False):
            html = browser.get(page(token, 1)).content.decode()
        assert (
            "Questionnaire 1 of 1 · page 1 of 2" in html and ">Save and continue</button>" in html
        )
        assert NOTE not in html and '<span lang="en">' not in html

    def test_the_switch_links_keep_to_the_page_and_carry_only_the_flag(self, rosa):
        _, packet = send_now(rosa, "phq-9", now=SENT)
        token = token_of(packet)
        with time_machine.travel(LATER, tick=False):
            html = Browser().get(landing(token)).content.decode()
        switch = f'<a href="{landing(token)}?lang=en" lang="en" hreflang="en">English</a>'
        assert switch in html
        assert '<span lang="es" aria-current="true">Español</span>' in html

    def test_a_client_may_read_in_english_and_the_choice_holds_to_the_end(self, rosa):
        token, browser, started = start(rosa, query="?lang=en")
        assert started["Location"] == page(token, 1) + "?lang=en"
        with time_machine.travel(LATER, tick=False):
            html = browser.get(started["Location"]).content.decode()
            assert ">Save and continue</button>" in html and NOTE not in html
            assert f'action="{page(token, 1)}?lang=en"' in html
            first = {f"item-{n}": "1" for n in range(1, 6)}
            moved = browser.post(page(token, 1) + "?lang=en", {**first, "action": "next"})
            assert moved["Location"] == page(token, 2) + "?lang=en"
            rest = {f"item-{n}": "1" for n in range(6, 9)} | {"item-9": "0"}
            done = browser.post(page(token, 2) + "?lang=en", {**rest, "action": "submit"})
            assert done["Location"].endswith("&lang=en")
            thanks = browser.get(done["Location"]).content.decode()
        assert "<h1>Thank you</h1>" in thanks and rosa.practice.name in thanks

    def test_a_spanish_client_is_thanked_in_spanish(self, rosa):
        token, browser, _ = start(rosa)
        with time_machine.travel(LATER, tick=False):
            first = {f"item-{n}": "1" for n in range(1, 6)}
            browser.post(page(token, 1), {**first, "action": "next"})
            rest = {f"item-{n}": "1" for n in range(6, 9)} | {"item-9": "0"}
            done = browser.post(page(token, 2), {**rest, "action": "submit"}, follow=True)
        html = done.content.decode()
        assert "<h1>Gracias</h1>" in html
        assert f"Sus respuestas se han enviado a {rosa.practice.name}." in html
        # Switching language there keeps the practice's signed mark, and nothing else is added.
        thanks = reverse("questionnaire:thanks")
        assert f'<a href="{thanks}?from=' in html and "&amp;lang=en" in html

    def test_an_unknown_flag_is_ignored(self, rosa):
        _, packet = send_now(rosa, "phq-9", now=SENT)
        with time_machine.travel(LATER, tick=False):
            html = Browser().get(landing(token_of(packet)) + "?lang=fr").content.decode()
        assert "<h1>Sus cuestionarios</h1>" in html

    def test_a_dead_link_answers_in_the_chosen_language_and_leaks_none(self, db):
        html = Browser().get(landing("x" * 43) + "?lang=es").content.decode()
        assert "<h1>Este enlace no se puede usar</h1>" in html
        assert translation.get_language() != "es"

    def test_the_threads_language_is_restored_after_a_spanish_page(self, rosa):
        _, packet = send_now(rosa, "phq-9", now=SENT)
        before = translation.get_language()
        with time_machine.travel(LATER, tick=False):
            Browser().get(landing(token_of(packet)))
        assert translation.get_language() == before


def crisis_page(client, practice, lines=("gb-samaritans",)) -> str:
    """The crisis page ``client`` (in Britain) is shown after answering PHQ-9 item 9 above 0,
    with the practice's chosen ``lines``."""
    client.country = "GB"
    client.save(update_fields=["country"])
    SafetySettings.objects.create(practice=practice, crisis_lines=list(lines))
    token, browser, _ = start(client)
    with time_machine.travel(LATER, tick=False):
        first = {f"item-{n}": "2" for n in range(1, 6)}
        browser.post(page(token, 1), {**first, "action": "next"})
        last = {**{f"item-{n}": "2" for n in range(6, 9)}, "item-9": "1", "action": "submit"}
        return browser.post(page(token, 2), last, follow=True).content.decode()


@pytest.mark.django_db
def test_the_crisis_page_is_in_spanish(rosa, practice_a):
    html = crisis_page(rosa, practice_a)
    assert "Gracias. Sus respuestas se han enviado" in html
    assert "Llame ahora al número de emergencias de su zona" in html
    assert "Hable con alguien ahora" in html
    assert "Las 24 horas, todos los días; gratuito desde teléfonos fijos y móviles" in html
    assert "116 123" in html
    assert "Talk to someone now" not in html


@pytest.mark.django_db
def test_the_key_to_an_anchors_only_scale_is_in_spanish_its_words_as_published(rosa):
    token, browser, _ = start(rosa, "ecr-r")
    with time_machine.travel(LATER, tick=False):
        html = browser.get(page(token, 1)).content.decode()
    assert "Responda de 1 a 7. Solo algunas respuestas tienen palabras: 1 " in html
    assert NOTE in html


@pytest.mark.django_db
def test_in_session_the_pages_are_in_the_clients_language_without_a_switch(rosa, bob):
    from tests.assessments.test_in_session import kiosk_url, start_phq9
    from tests.conftest import logged_in

    browser = logged_in(bob)
    packet = start_phq9(browser, rosa)
    html = browser.get(kiosk_url(packet)(1)).content.decode()
    assert ">Guardar y continuar</button>" in html
    assert "Parar y devolver el dispositivo a su terapeuta" in html
    assert "language-switch" not in html
    assert translation.get_language() != "es"
