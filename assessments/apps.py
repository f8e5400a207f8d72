from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext, ngettext

from assessments.charts import use_translation
from assessments.scoring import words


def _month_abbreviations() -> tuple[str, ...]:
    """January to December as ``|date:"M"`` writes them in the active language."""
    return tuple(str(MONTHS_3[number]).title() for number in range(1, 13))


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        # The charts are plain Python: they translate their words with Django's functions, and
        # write scores for people with the active language's decimal mark.
        use_translation(
            gettext,
            ngettext,
            get_language,
            _month_abbreviations,
            decimal_mark=lambda: get_format("DECIMAL_SEPARATOR"),
        )
        # So are the schedules' descriptions and the instrument loader's problems.
        words.use_translation(gettext, ngettext, month_name=lambda number: str(MONTHS[number]))
        # The one signal we use, on purpose: every `migrate` ends by loading the shipped
        # instrument files (see services.sync_after_migrate for why not a data migration).
        from assessments.services import sync_after_migrate

        post_migrate.connect(
            sync_after_migrate, sender=self, dispatch_uid="assessments.sync_after_migrate"
        )
