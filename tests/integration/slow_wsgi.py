"""Test-only WSGI app: Attune's own (``practice.wsgi``), able to pause one request mid-transaction
so a test can stop the server while that request is in flight (tests/integration/
test_web_shutdown.py). Never used outside tests; production code has no slow view.

A request carrying ``X-Test-Delay: <seconds>`` pauses right after its first statement that writes
a questionnaire response row: the client's answers are written in the request's transaction
(``ATOMIC_REQUESTS``) and not yet committed. On pausing it creates the file named by
``SLOW_WSGI_PAUSED``, which tells the test the request is in flight. Other requests run as they
would under ``practice.wsgi:application``.
"""

import os
import time
from pathlib import Path

from django.apps import apps
from django.db import connection

from practice.wsgi import application as attune

DELAY_HEADER = "HTTP_X_TEST_DELAY"


def _pause_after_response_insert(seconds: float):
    table = connection.ops.quote_name(apps.get_model("assessments", "Response")._meta.db_table)
    paused = []

    def pause(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not paused and sql.startswith(f"INSERT INTO {table}"):
            paused.append(True)
            Path(os.environ["SLOW_WSGI_PAUSED"]).touch()
            time.sleep(seconds)
        return result

    return pause


def application(environ, start_response):
    delay = environ.get(DELAY_HEADER)
    if delay is None:
        return attune(environ, start_response)
    with connection.execute_wrapper(_pause_after_response_insert(float(delay))):
        return attune(environ, start_response)
