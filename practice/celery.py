"""The Celery application. Tasks live in each app's ``tasks.py`` and are discovered here."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from practice.log_redaction import redact_handlers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

app = Celery("attune")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_link_tokens(logger, **kwargs) -> None:
    """Celery's worker and beat replace the root logger's handlers with their own; those get the
    same link-token filter as Django's (practice/log_redaction.py)."""
    redact_handlers(logger)
