"""``manage.py restore DIR``: restore a backup into an empty database and storage."""

from django.core.management.base import BaseCommand, CommandError

from practice import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into this installation's database and "
        "storage, after checking every file against the manifest. Refuses a database holding "
        "people, practices or audit events, or a storage holding files, unless --replace. "
        "Use the SECRET_KEY of the backed-up installation, then run `manage.py verify_audit`."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by `manage.py backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite a database that holds data and delete every stored file first.",
        )

    def handle(self, *args, directory, replace, **options):
        try:
            summary = backups.restore(directory, replace=replace)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored the database ({summary.database}) and {summary.files} file(s), "
            f"{summary.bytes} bytes. Now run `manage.py verify_audit`."
        )
