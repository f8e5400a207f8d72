"""``manage.py create_practice "Name" owner@email``: a new practice and its owner's invitation.

The first step of a fresh install: it prints the acceptance link instead of e-mailing it, so it
works before e-mail is set up.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from practice import services
from practice.models import StaffInvitation


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{field.replace('_', ' ')}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Create a practice and print a one-time link for its owner to set a password."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The practice's name.")
        parser.add_argument("owner_email", help="The owner's e-mail address (their sign-in).")
        parser.add_argument(
            "--time-zone", default="Europe/London", help="For example Europe/London (default)."
        )

    def handle(self, *args, name, owner_email, time_zone, **options):
        try:
            validate_email(owner_email.strip())
            practice, token = services.create_practice(name, owner_email, time_zone)
        except ValidationError as error:
            raise CommandError(_describe(error)) from None
        self.stdout.write(f"Created practice “{practice.name}” (id {practice.pk}).")
        self.stdout.write(
            f"Send this link to {owner_email.strip().lower()}; it works once, within "
            f"{StaffInvitation.VALID_FOR.days} days, to set the owner's password:"
        )
        self.stdout.write(services.invitation_url(token))
