"""``manage.py create_api_token <email> [--name NAME]``: a personal API token, printed once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from practice import services
from practice.models import User


class Command(BaseCommand):
    help = "Create a personal API token for a practice member and print its key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The member's sign-in e-mail address.")
        parser.add_argument("--name", default="Command line", help="What the token is for.")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No account has the e-mail address {email!r}.")
        try:
            token, key = services.create_api_token(None, user, name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Created token “{token.name}” for {user.email}. Copy the key now: it is not "
            "stored and cannot be shown again."
        )
        self.stdout.write(key)
