"""``manage.py sync_instruments``: load the shipped instrument files into the database."""

from django.core.management.base import BaseCommand, CommandError

from assessments import loader, services


class Command(BaseCommand):
    help = (
        "Validate every file in assessments/instruments/ and load it: new instruments are "
        "added, changed files get a new version, unchanged files change nothing. `migrate` "
        "runs this too."
    )

    def handle(self, *args, **options):
        try:
            report = services.sync_shipped_instruments()
        except loader.InstrumentFileError as error:
            raise CommandError(f"The instrument library has errors:\n{error}") from None
        self.stdout.write(str(report))
