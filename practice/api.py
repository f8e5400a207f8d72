"""API groundwork: the scoped viewset base every API view over client data inherits."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import renderers, views, viewsets
from rest_framework.exceptions import ValidationError

from practice.idempotency import IdempotentCreateMixin


class ScopedViewSetMixin(IdempotentCreateMixin):
    """Every API viewset over client data inherits this.

    ``get_queryset`` always starts from ``scoped_queryset(user)``, so an object outside the
    caller's scope is simply not found (404), and no filter backend can widen it. Every POST
    honours ``Idempotency-Key`` (``practice.idempotency``).
    """

    def scoped_queryset(self, user):
        raise NotImplementedError(f"{type(self).__name__} must define scoped_queryset()")

    def get_queryset(self):
        return self.scoped_queryset(self.request.user)


class FileRenderer(renderers.BaseRenderer):
    """Lets ``Accept: <a file's type>`` reach a download action; errors still carry JSON text.
    Subclasses name the ``media_type`` and ``format``."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


def exception_handler(exc, context):
    """DRF's handler, plus Django's ``ValidationError`` from a service (a rule that lives below
    the serializer, e.g. ``update_client``'s) as a 400 with its messages per field, never a
    500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    return views.exception_handler(exc, context)
