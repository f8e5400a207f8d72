"""Celery tasks of the clients app: thin wrappers around ``clients.reports.services`` and
``clients.exports.services``.

Arguments are row ids only (JSON); the rows hold everything else, and tasks return no health
data. ``render_report`` and ``build_export`` are declared in their services modules (requesting
and sweeping enqueue them) under their names here, ``clients.tasks.render_report`` and
``clients.tasks.build_export``, and imported here so this module lists every task. The reports'
sweep and expiry also sweep and expire export jobs (same retention, same beat entries).
The caseload import's tasks are declared in ``clients.import_tasks`` under names here and
re-exported, so the workers that load this module know them.
"""

from celery import shared_task
from celery.signals import worker_process_init

from clients.exports import services as exports
from clients.exports.services import build_export
from clients.import_tasks import import_clients, sweep_client_imports
from clients.reports import pdf
from clients.reports import services as reports
from clients.reports.services import render_report

__all__ = [
    "build_export",
    "expire_reports",
    "import_clients",
    "render_report",
    "sweep_client_imports",
    "sweep_reports",
    "warm_up_reports",
]


@worker_process_init.connect
def warm_up_reports(**kwargs) -> None:
    """Load WeasyPrint and the report fonts as each worker process starts, so the first report
    it renders is as quick as the rest."""
    pdf.warm_up()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_reports() -> int:
    """Re-enqueue reports and exports whose worker died or whose message was lost (beat: every
    minute, ``sweep-reports``)."""
    return len(reports.sweep()) + len(exports.sweep())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_reports() -> int:
    """Delete report files and export archives past the practice's retention (beat: hourly,
    ``expire-reports``)."""
    return reports.expire() + exports.expire()
