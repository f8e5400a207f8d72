"""``manage.py score <code> --answers 1,2,3,...``: score answers and print the result as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from assessments import services
from assessments.models import Instrument
from assessments.scoring import AnswerError
from practice.models import Practice


class Command(BaseCommand):
    help = (
        "Score answers on an instrument and print subscales, total, band, style and alerts as "
        "JSON - the same result the API's POST /api/v1/instruments/<code>/score/ returns."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="Instrument code, for example phq-9 or ecr-r.")
        parser.add_argument(
            "--answers",
            required=True,
            help="Answers in item order, separated by commas; leave a position empty for a "
            "missing answer (1,2,,0).",
        )
        parser.add_argument(
            "--practice",
            type=int,
            help="Practice id: use its custom instruments and its classification rule.",
        )

    def handle(self, *args, code, answers, practice=None, **options):
        chosen = None
        if practice is not None:
            chosen = Practice.objects.filter(pk=practice).first()
            if chosen is None:
                raise CommandError(f"There is no practice {practice}.")
        scope = Instrument.objects.available_to(chosen) if chosen else Instrument.objects.shipped()
        instrument = scope.select_related("current_version").filter(code=code).first()
        if instrument is None:
            known = ", ".join(scope.order_by("code").values_list("code", flat=True))
            raise CommandError(f"No instrument {code!r}. Known codes: {known}.")
        values = [value.strip() or None for value in answers.split(",")]
        try:
            result = services.score_answers(chosen, instrument, values)
        except AnswerError as error:
            raise CommandError("Cannot score these answers: " + "; ".join(error.problems)) from None
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
