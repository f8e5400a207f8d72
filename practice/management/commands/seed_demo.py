"""``manage.py seed_demo``: a fictional demo practice for trying Attune locally.

Every name and address here is invented. Refuses to run unless DEBUG is on, so it can never
touch a production database. Running it again changes nothing that already exists.
"""

import datetime
import random
import zoneinfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from assessments import demo as demo_questionnaires
from assessments.models import Instrument, LicenceAcknowledgement, Packet, Response
from clients import notes
from clients import services as client_services
from clients.models import Client, ClientShare, EndReason, Episode, SessionNote
from practice.dashboard.progress import rebuild_progress
from practice.models import Membership, Practice, Role, SafetySettings, User

DEMO_PASSWORD = "attune-demo"  # a published demo login, DEBUG only
DEMO_PRACTICE_PHONE = "01632 960 000"  # Ofcom's drama range: fictional, reaches no one
DEMO_CRISIS_WORDING = (
    "Thank you for telling us how things have been. If you are finding it hard to stay safe, "
    "please call us: we will make time to talk with you today."
)
DEMO_PRACTICE = "Willow Lane Therapy (demo)"
DEMO_USERS = [
    ("owner@example.com", "Olivia Owner", Role.OWNER),
    ("clinician@example.com", "Casey Clinician", Role.CLINICIAN),
    ("clinician2@example.com", "Jordan Clinician", Role.CLINICIAN),
]
# (preferred name, surname, pronouns). Invented; any likeness to real people is chance.
DEMO_CLIENTS = [
    ("Ada", "Quillfeather", "she/her"),
    ("Bram", "Oakhollow", "he/him"),
    ("Cleo", "Marrowby", "she/her"),
    ("Dev", "Tallowick", "they/them"),
    ("Elsie", "Brackenridge", "she/her"),
    ("Finn", "Ashgrove", "he/him"),
    ("Greta", "Lowmoor", "she/her"),
    ("Hal", "Ferncastle", "he/him"),
    ("Isla", "Wrenfield", "she/her"),
    ("Jude", "Pebblestone", "they/them"),
    ("Kit", "Hollowell", "he/him"),
    ("Lena", "Thistlewood", "she/her"),
    ("Milo", "Duskbury", "he/him"),
    ("Nora", "Gleamwater", "she/her"),
    ("Otto", "Brindlecombe", "he/him"),
    ("Pia", "Saltmarsh", "she/her"),
    ("Quinn", "Larkspur", "they/them"),
    ("Rosa", "Emberly", "she/her"),
    ("Saul", "Mistlecroft", "he/him"),
    ("Tess", "Windmere", "she/her"),
    ("Uri", "Coppervale", "he/him"),
    ("Vera", "Nightingale-Moss", "she/her"),
    ("Wes", "Heatherfold", "he/him"),
    ("Yara", "Brookhaven", "she/her"),
    ("Zeke", "Amberlyn", "he/him"),
]
DEMO_SPANISH = {"Rosa"}  # reads her questionnaires and e-mails in Spanish (Client.language)
# Readmitted: her first three administrations fall in an earlier episode of care, which she
# ended; a month later she came back in a new one (the charts grey the earlier episode).
DEMO_READMITTED = "WL-1009"  # Isla


class Command(BaseCommand):
    help = "Create the fictional demo practice, its three users and about 25 clients (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it must never touch real data.")
        with transaction.atomic():
            practice, created = Practice.objects.get_or_create(
                name=DEMO_PRACTICE,
                defaults={
                    "time_zone": "Europe/London",
                    "report_letterhead": "12 Willow Lane, Exampletown\nwillow-lane.example",
                },
            )
            users = [self._user(practice, *spec) for spec in DEMO_USERS]
            self._acknowledge_licences(practice, owner=users[0])
            self._safety_settings(practice)
            if created or not practice.clients.exists():
                self._clients(practice, users)
            if not SessionNote.objects.filter(practice=practice).exists():
                self._session_notes(practice)
            # Months of questionnaires through the real services (assessments/demo.py).
            demo_questionnaires.seed_questionnaires(practice, users[0], DEMO_ARCS)
            self._episodes(practice)
            # The dashboard's rows from everything above (the questionnaire and notes services leave
            # them to their callers, as the pages and tasks do, and the demo also enters the
            # practice's numbers directly).
            rebuild_progress(practice.pk)
            self._sessions_today(practice, users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo practice ready: {practice.clients.count()} clients, "
                f"{SessionNote.objects.filter(practice=practice).count()} session notes, "
                f"{Packet.objects.filter(practice=practice).count()} questionnaire links. "
                f"Log in as {', '.join(u[0] for u in DEMO_USERS)} with password {DEMO_PASSWORD}."
            )
        )

    def _user(self, practice, email, full_name, role) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        Membership.objects.get_or_create(user=user, practice=practice, defaults={"role": role})
        return user

    def _acknowledge_licences(self, practice, owner) -> None:
        """The demo owner has read every shipped licence note, so the demo can assign them."""
        for instrument in Instrument.objects.shipped().select_related("current_version"):
            LicenceAcknowledgement.objects.get_or_create(
                practice=practice,
                instrument=instrument,
                licence_hash=instrument.current_version.licence_hash,
                defaults={"acknowledged_by": owner, "acknowledged_by_email": owner.email},
            )

    def _safety_settings(self, practice) -> None:
        """What a demo client who answers PHQ-9 item 9 above 0 sees next: the practice's own
        wording and phone (a number from Ofcom's range reserved for drama, 01632 960000-960999,
        so it is plainly the demo practice's and reaches no one) and the Samaritans."""
        SafetySettings.objects.get_or_create(
            practice=practice,
            defaults={
                "crisis_wording": DEMO_CRISIS_WORDING,
                "phone": DEMO_PRACTICE_PHONE,
                "hours": "Monday to Friday, 9:00 to 17:00",
                "out_of_hours": "When we are closed, call NHS 111, "
                "or 999 if you are in danger now.",
                "crisis_lines": ["gb-samaritans"],
            },
        )

    def _clients(self, practice, users) -> None:
        rng = random.Random(7)  # noqa: S311 - reproducible demo data, not security
        owner, casey, jordan = users
        for index, (first, surname, pronouns) in enumerate(DEMO_CLIENTS):
            clinician = casey if index % 2 == 0 else jordan
            if index == len(DEMO_CLIENTS) - 1:
                clinician = owner  # owners may keep a small caseload too
            client = Client.objects.create(
                practice=practice,
                preferred_name=first,
                full_name=f"{first} {surname}",
                email=f"{first.lower()}.{surname.lower()}@client.example",
                pronouns=pronouns,
                language="es" if first in DEMO_SPANISH else "en",
                primary_clinician=clinician,
                external_reference=f"WL-{1001 + index}",
                date_of_birth=None if index % 5 == 0 else _birthday(rng),
                status=Client.Status.DISCHARGED if index in (7, 19) else Client.Status.ACTIVE,
            )
            if index in (3, 10):
                ClientShare.objects.create(
                    client=client, clinician=jordan if clinician == casey else casey
                )

    def _episodes(self, practice) -> None:
        """Each demo client's episode of care, from their first answer (made before the
        clients existed in this run's history), as the episodes migration gives real ones; and
        ``DEMO_READMITTED``'s readmission, the first time."""
        first = dict(
            Response.objects.filter(practice=practice)
            .order_by()
            .values("client_id")
            .annotate(first=Min("submitted_at"))
            .values_list("client_id", "first")
        )
        readmitted = practice.clients.filter(
            external_reference=DEMO_READMITTED,
            status=Client.Status.ACTIVE,
            episodes__isnull=True,
        ).first()
        client_services.open_first_episodes(practice.clients.all(), first)
        if readmitted is not None:
            self._readmission(readmitted)

    def _readmission(self, client) -> None:
        """Split ``client``'s one episode as a readmission would have: her first three
        administrations in an earlier episode she ended two days after the third, and a new
        episode from a few days before the fourth. History is written directly, like the rest
        of the demo's past; the discharge and reactivation services act now, not back then."""
        answered = sorted(  # one PHQ-9 per administration (worksheets come on other days)
            Response.objects.filter(client=client, instrument__code="phq-9").values_list(
                "submitted_at", flat=True
            )
        )
        if len(answered) < 5:
            return
        earlier = client.episodes.get()
        earlier.ended_at = answered[2] + datetime.timedelta(days=2)
        earlier.end_reason = EndReason.CLIENT_ENDED
        earlier.save(update_fields=["ended_at", "end_reason"])
        Episode.objects.create(
            practice=client.practice,
            client=client,
            started_at=max(answered[3] - datetime.timedelta(days=3), earlier.ended_at),
        )

    def _sessions_today(self, practice, users) -> None:
        """Three of each clinician's active clients have their next session today (every run
        moves it to the day of the run), so the dashboard's *Today* has a brief to show."""
        zone = zoneinfo.ZoneInfo(practice.time_zone)
        today = timezone.localdate(timezone=zone)
        for clinician in users[1:]:
            clients = practice.clients.filter(
                primary_clinician=clinician, status=Client.Status.ACTIVE
            ).order_by("external_reference")[:3]
            for client, hour in zip(clients, (10, 12, 15), strict=False):
                client.next_session_at = datetime.datetime.combine(today, datetime.time(hour), zone)
                client.save(update_fields=["next_session_at"])

    def _session_notes(self, practice) -> None:
        """Weekly sessions for each demo client, following the client's arc in ``DEMO_ARCS``.

        Written through ``clients.notes`` like a clinician's, so each has its version and audit
        row; all are signed except, for some clients, the latest, left as a draft.
        """
        notes.ensure_default_tags(practice)
        tags = {tag.name: tag for tag in practice.note_tags.all()}
        for index, client in enumerate(practice.clients.order_by("external_reference")):
            arc = DEMO_ARCS[index % len(DEMO_ARCS)]
            clinician = client.primary_clinician
            note_format = CLINICIAN_FORMATS.get(clinician.email, SessionNote.Format.FREE)
            today = notes.local_today(client.effective_time_zone)
            # Discharged clients finished about three months ago; everyone else was seen last week.
            last = today - datetime.timedelta(days=91 if not client.is_active else 7 - index % 5)
            phases = ARC_PHASES[arc].split()
            for week, phase in enumerate(phases):
                session_date = last - datetime.timedelta(weeks=len(phases) - 1 - week)
                note = notes.create_note(
                    clinician,
                    client,
                    notes.NoteInput(
                        session_date=session_date,
                        start_time=datetime.time(9 + index % 8, 0 if index % 2 else 30),
                        duration_minutes=80 if phase == "crisis" else 50,
                        modality=SessionNote.Modality.VIDEO
                        if (index + week) % 4 == 0
                        else SessionNote.Modality.IN_PERSON,
                        note_format=note_format,
                        content=_note_content(note_format, phase, client.preferred_name),
                        tag_ids=[tags[name].pk for name in PHASE_TAGS[phase]],
                    ),
                )
                is_latest = week == len(phases) - 1
                if not (is_latest and client.is_active and index % 3 == 0):
                    note = notes.sign_note(clinician, note)
                if phase == "crisis" and note.is_signed:
                    notes.add_addendum(
                        clinician,
                        note,
                        "Phoned two days later as agreed: sleeping better, safety plan in use, "
                        "no thoughts of harming self since the session.",
                    )


# How each demo client's therapy unfolds, session by session. The assessments seeder gives the
# same client (by position, via DEMO_ARCS) scores that move the same way: toward security, slowly,
# through a crisis and repair, or not at all.
DEMO_ARCS = ["toward_security", "slow_progress", "crisis_and_repair", "toward_security", "stuck"]
# Each arc's sessions in order, one phase per week.
ARC_PHASES = {
    "toward_security": "opening history belief belief support support consolidating consolidating",
    "slow_progress": "opening history history belief regulation belief regulation support belief "
    "consolidating",
    "crisis_and_repair": "opening history regulation crisis repair belief support consolidating",
    "stuck": "opening history belief regulation belief stuck stuck",
}
PHASE_TAGS = {
    "opening": ["Attachment history", "Psychoeducation"],
    "history": ["Attachment history", "Abandonment fears"],
    "belief": ["Limiting belief challenged", "Self-worth"],
    "regulation": ["Emotion regulation"],
    "support": ["Alternative support figure", "Mentalising"],
    "crisis": ["Crisis", "Safety planning"],
    "repair": ["Rupture and repair"],
    "consolidating": ["Alternative support figure", "Homework reviewed"],
    "stuck": ["Self-worth", "Homework reviewed"],
}
CLINICIAN_FORMATS = {
    "clinician@example.com": SessionNote.Format.SOAP,
    "clinician2@example.com": SessionNote.Format.DAP,
}
# Per phase: (what the client brought, what was observed, the clinician's reading, the plan).
PHASE_TEXT = {
    "opening": (
        "{name} described feeling on edge whenever people close to them are slow to reply, and "
        "wanting to understand why.",
        "Engaged and thoughtful; tearful briefly when describing home as a child.",
        "A pattern consistent with attachment anxiety; good capacity to reflect.",
        "Agreed goals; explained how the questionnaires will track change.",
    ),
    "history": (
        "{name} talked about growing up with a parent whose moods were hard to predict.",
        "Spoke slowly, checked my reactions often.",
        "Early experience of unpredictable care seems to shape current expectations of others.",
        "Continue the history; notice moments of reaching out or holding back this week.",
    ),
    "belief": (
        "{name} noticed the thought 'I am too much for people' before cancelling plans.",
        "Animated when weighing the evidence; some relief visible.",
        "The belief loosened when tested against recent, concrete examples.",
        "Homework: the limiting-beliefs worksheet for one situation this week.",
    ),
    "regulation": (
        "{name} reported two evenings of feeling overwhelmed after conflict at work.",
        "Restless at first; settled after paced breathing in the session.",
        "Arousal rises quickly and stays high; skills help once practised.",
        "Practise the grounding exercise daily and note what helps.",
    ),
    "support": (
        "{name} spoke warmly about a friend who has been steady and reliable for years.",
        "Softer tone, more eye contact than usual.",
        "An alternative support figure is becoming available in {name}'s mind.",
        "Notice one moment of leaning on this friend and what it felt like.",
    ),
    "crisis": (
        "{name} came after a painful argument and a night without sleep, feeling hopeless.",
        "Distressed, tearful; able to engage with the risk assessment.",
        "Passive thoughts of not wanting to be here; no plan or intent; protective factors in "
        "place.",
        "Safety plan written together with two named contacts; check-in call in two days.",
    ),
    "repair": (
        "{name} said they felt brushed aside when I moved on quickly last week.",
        "Hesitant to raise it, then clearer and more confident.",
        "A rupture named and repaired in the room; a new experience of conflict going well.",
        "Keep checking in about how our sessions feel.",
    ),
    "consolidating": (
        "{name} asked a colleague for help directly for the first time and it went well.",
        "Relaxed, reflective, humour returning.",
        "Gains are generalising outside the room.",
        "Review progress against goals; begin to plan spacing out sessions.",
    ),
    "stuck": (
        "{name} felt nothing had changed and wondered whether therapy is worth it.",
        "Flat, brief answers.",
        "Progress has stalled; the critic may be turning on the therapy itself.",
        "Review the questionnaires together next time and revisit goals.",
    ),
}


def _note_content(note_format, phase, name) -> dict[str, str]:
    brought, observed, reading, plan = (text.format(name=name) for text in PHASE_TEXT[phase])
    if note_format == SessionNote.Format.SOAP:
        return {"subjective": brought, "objective": observed, "assessment": reading, "plan": plan}
    if note_format == SessionNote.Format.DAP:
        return {"data": f"{brought} {observed}", "assessment": reading, "plan": plan}
    return {"text": f"{brought} {observed} {reading} Plan: {plan}"}


def _birthday(rng):
    return datetime.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
