"""``manage.py rebuild_progress``: recompute the caseload dashboard's rows from scratch."""

from django.core.management.base import BaseCommand, CommandError

from practice.dashboard.progress import rebuild_progress
from practice.models import Practice


class Command(BaseCommand):
    help = (
        "Recompute every client's caseload-dashboard row (and each practice's baseline sample "
        "for reliable change) from the stored responses, alerts, questionnaires and notes. "
        "Safe to run at any time; the services keep the rows current between runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practice", type=int, help="Only this practice (its id).")

    def handle(self, *args, **options):
        practice_id = options.get("practice")
        if practice_id is not None and not Practice.objects.filter(pk=practice_id).exists():
            raise CommandError(f"There is no practice with id {practice_id}.")
        written = rebuild_progress(practice_id)
        self.stdout.write(f"Rebuilt {written} client progress row{'s' if written != 1 else ''}.")
