"""``manage.py backup DIR``: a consistent backup of the database and every stored file."""

from django.core.management.base import BaseCommand, CommandError

from practice import backups


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump's custom format; SQLite: its online backup) "
        "and every file in the storage into DIR, a new or empty directory, with manifest.json "
        "giving each file's size and SHA-256. The backup holds health data: encrypt it."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new or empty directory")

    def handle(self, *args, directory, **options):
        try:
            summary = backups.backup(directory)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up the database ({summary.database}) and {summary.files} file(s), "
            f"{summary.bytes} bytes, into {directory}."
        )
