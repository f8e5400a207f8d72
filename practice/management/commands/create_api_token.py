"""``manage.py create_api_token <email> [--name NAME] [--practice ID]``: a personal API token,
printed once. The token sees one practice only: the member's only one, or the one named."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from practice import services
from practice.models import Practice, User


class Command(BaseCommand):
    help = "Create a personal API token for a practice member and print its key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The member's sign-in e-mail address.")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument(
            "--practice",
            type=int,
            help="The id of the practice the token acts in (needed for members of several).",
        )

    def handle(self, *args, email, name, practice=None, **options):
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No account has the e-mail address {email!r}.")
        try:
            chosen = Practice.objects.filter(pk=practice).first() if practice else None
            if practice and chosen is None:
                raise CommandError(f"No practice has the id {practice}.")
            token, key = services.create_api_token(None, user, name, practice=chosen)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Created token “{token.name}” for {user.email} in practice {token.practice_id}. "
            "Copy the key now: it is not "
            "stored and cannot be shown again."
        )
        self.stdout.write(key)
