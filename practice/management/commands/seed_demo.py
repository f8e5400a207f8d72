"""``manage.py seed_demo``: a fictional demo practice for trying Attune locally.

Every name and address here is invented. Refuses to run unless DEBUG is on, so it can never
touch a production database. Running it again changes nothing that already exists.
"""

import datetime
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clients.models import Client, ClientShare
from practice.models import Membership, Practice, Role, User

DEMO_PASSWORD = "attune-demo"  # a published demo login, DEBUG only
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
            if created or not practice.clients.exists():
                self._clients(practice, users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo practice ready: {practice.clients.count()} clients. "
                f"Log in as {', '.join(u[0] for u in DEMO_USERS)} with password {DEMO_PASSWORD}."
            )
        )

    def _user(self, practice, email, full_name, role) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        Membership.objects.get_or_create(user=user, practice=practice, defaults={"role": role})
        return user

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
                primary_clinician=clinician,
                external_reference=f"WL-{1001 + index}",
                date_of_birth=None if index % 5 == 0 else _birthday(rng),
                status=Client.Status.DISCHARGED if index in (7, 19) else Client.Status.ACTIVE,
            )
            if index in (3, 10):
                ClientShare.objects.create(
                    client=client, clinician=jordan if clinician == casey else casey
                )


def _birthday(rng):
    return datetime.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
