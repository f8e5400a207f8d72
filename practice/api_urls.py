"""The ``/api/v1/`` router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from clients.api import ClientViewSet

router = DefaultRouter()
router.register("clients", ClientViewSet, basename="client")
