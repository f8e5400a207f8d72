"""Celery tasks of the clients app: thin wrappers around ``clients.reports.services``.

Arguments are row ids only (JSON); the rows hold everything else, and tasks return no health
data.
"""

from celery import shared_task
from celery.signals import worker_process_init

from clients.reports import pdf
from clients.reports import services as reports


@worker_process_init.connect
def warm_up_reports(**kwargs) -> None:
    """Load WeasyPrint and the report fonts as each worker process starts, so the first report
    it renders is as quick as the rest."""
    pdf.warm_up()


@shared_task(
    autoretry_for=(reports.TransientReportError,),
    retry_backoff=reports.RETRY_BACKOFF,
    retry_backoff_max=reports.RETRY_BACKOFF_MAX,
    retry_jitter=True,
    # The row's attempt count decides when to give up (reports.MAX_ATTEMPTS); this is a backstop.
    max_retries=reports.MAX_ATTEMPTS,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=reports.task_soft_time_limit(),
    time_limit=reports.task_time_limit(),
)
def render_report(report_id: str) -> None:
    """Generate one queued report. Running it twice for the same id renders it once."""
    reports.render(report_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_reports() -> int:
    """Re-enqueue reports whose worker died or whose message was lost (beat: every minute)."""
    return len(reports.sweep())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_reports() -> int:
    """Delete report files past the practice's retention (beat: hourly)."""
    return reports.expire()
