from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.dates import MONTHS
from django.utils.translation import gettext, ngettext

from assessments.charts import use_translation
from assessments.scoring import words


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        # The charts are plain Python: they translate their words with Django's functions.
        use_translation(gettext, ngettext)
        # So are the schedules' descriptions and the instrument loader's problems.
        words.use_translation(gettext, ngettext, month_name=lambda number: str(MONTHS[number]))
        # The one signal we use, on purpose: every `migrate` ends by loading the shipped
        # instrument files (see services.sync_after_migrate for why not a data migration).
        from assessments.services import sync_after_migrate

        post_migrate.connect(
            sync_after_migrate, sender=self, dispatch_uid="assessments.sync_after_migrate"
        )
