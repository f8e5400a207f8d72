"""API groundwork: the scoped viewset base every API view over client data inherits."""

from rest_framework import viewsets


class ScopedViewSetMixin:
    """Every API viewset over client data inherits this.

    ``get_queryset`` always starts from ``scoped_queryset(user)``, so an object outside the
    caller's scope is simply not found (404), and no filter backend can widen it.
    """

    def scoped_queryset(self, user):
        raise NotImplementedError(f"{type(self).__name__} must define scoped_queryset()")

    def get_queryset(self):
        return self.scoped_queryset(self.request.user)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass
