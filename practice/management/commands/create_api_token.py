"""``manage.py create_api_token <email> [--name NAME] [--practice ID] [--read-only]
[--last-day YYYY-MM-DD]``: a personal API token, printed once. The token sees one practice only:
the member's only one, or the one named.

``--list`` lists the member's tokens instead (never a key: it is not stored), and
``--revoke PREFIX`` revokes the one whose key starts with ``PREFIX``."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from practice import services
from practice.models import ApiToken, Practice, User


def day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date as YYYY-MM-DD.") from None


def terms(token: ApiToken) -> str:
    """What the token may do and until when: "read only, works until 2027-01-01 00:00 UTC"."""
    if token.expires_at is None:
        until = "until revoked"
    else:
        state = "expired" if token.is_expired else "works until"
        until = f"{state} {token.expires_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    return f"{token.get_scope_display().lower()}, {until}"


def describe(token: ApiToken) -> str:
    last_used = token.last_used_at
    used = f"{last_used.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC" if last_used else "never"
    return (
        f"{token.prefix}…  {token.name}  practice {token.practice_id}  {terms(token)}  "
        f"last used {used}"
    )


class Command(BaseCommand):
    help = (
        "Create a personal API token for a practice member and print its key (shown once); "
        "or list or revoke the member's tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The member's sign-in e-mail address.")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument(
            "--practice",
            type=int,
            help="The id of the practice the token acts in (needed for members of several).",
        )
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="The token may only read (GET); without it, it may read and write.",
        )
        parser.add_argument(
            "--last-day",
            type=day,
            help="The last day the token works (YYYY-MM-DD, the practice's time zone).",
        )
        actions = parser.add_mutually_exclusive_group()
        actions.add_argument(
            "--list", action="store_true", help="List the member's tokens not revoked instead."
        )
        actions.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the member's token whose key starts so."
        )

    def handle(self, *args, email, name, practice=None, **options):
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No account has the e-mail address {email!r}.")
        if options["list"]:
            for token in services.active_api_tokens(user):
                self.stdout.write(describe(token))
            return
        if options["revoke"]:
            self._revoke(user, options["revoke"])
            return
        try:
            chosen = Practice.objects.filter(pk=practice).first() if practice else None
            if practice and chosen is None:
                raise CommandError(f"No practice has the id {practice}.")
            token, key = services.create_api_token(
                None,
                user,
                name,
                practice=chosen,
                scope=ApiToken.Scope.READ if options["read_only"] else ApiToken.Scope.READ_WRITE,
                last_day=options["last_day"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Created token “{token.name}” for {user.email} in practice {token.practice_id} "
            f"({terms(token)}). Copy the key now: it is not "
            "stored and cannot be shown again."
        )
        self.stdout.write(key)

    def _revoke(self, user: User, prefix: str) -> None:
        matches = [t for t in services.active_api_tokens(user) if t.prefix.startswith(prefix)]
        if len(prefix) < 4 or len(matches) != 1:
            raise CommandError(
                f"No single token of {user.email} starts with {prefix!r} "
                "(give at least 4 characters; --list shows them)."
            )
        services.revoke_api_token(None, matches[0])
        self.stderr.write(f"Revoked token “{matches[0].name}” ({matches[0].prefix}…).")
