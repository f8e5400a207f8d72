"""Gunicorn's logger with link tokens redacted (``--logger-class`` in the Dockerfile).

Gunicorn writes request paths in its error log ("Error handling request /q/...") and, when an
operator turns it on (``--access-logfile -``), in every access log line. Its loggers do not
propagate to Django's, so they get the same ``RedactLinkTokens`` filter here, on the loggers
themselves: that covers every handler gunicorn or a logging config gives them.
"""

from gunicorn.glogging import Logger

from practice.log_redaction import RedactLinkTokens


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactLinkTokens) for f in log.filters):
                log.addFilter(RedactLinkTokens())
