"""Reports render (and export archives are built), and webhooks are delivered, on queues of their own, so a large batch or a
receiver that is down cannot hold back e-mail."""

from practice.celery import app


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_reports_go_to_the_reports_queue_and_everything_else_to_the_default_one():
    assert queue_of("clients.tasks.render_report") == "reports"
    assert queue_of("clients.tasks.build_export") == "reports"
    assert queue_of("practice.webhooks.deliver_webhook") == "webhooks"
    for name in (
        "practice.tasks.sweep_webhook_deliveries",
        "practice.tasks.send_outbound_email",
        "assessments.tasks.dispatch_due_questionnaires",
        "clients.tasks.sweep_reports",
    ):
        assert queue_of(name) == "celery", name


def test_a_worker_started_without_queues_consumes_them_all():
    # `celery worker` without -Q consumes every queue in task_queues (make run's worker does).
    assert {queue.name for queue in app.conf.task_queues} == {"celery", "reports", "webhooks"}


def test_a_report_message_reaches_the_reports_queue_only():
    from clients.tasks import render_report

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        # The two queues as a worker declares them (with the defaults Celery fills in); other
        # tests add queues of their own to the app, which are not this test's business.
        queues = [app.amqp.queues[name](channel) for name in ("celery", "reports")]
        for queue in queues:
            queue.declare()
            queue.purge()
        render_report.apply_async(args=["00000000-0000-0000-0000-000000000000"])
        sizes = {queue.name: queue.queue_declare(passive=True).message_count for queue in queues}
        for queue in queues:
            queue.purge()
    assert sizes == {"celery": 0, "reports": 1}
