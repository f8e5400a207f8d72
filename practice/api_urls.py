"""The ``/api/v1/`` URLs: each app registers its viewsets on the router; views that are not a
viewset's come first, as explicit paths, so no router pattern can take them."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assessments.administration_api import AdministrationViewSet, AlertViewSet
from assessments.api import AssignmentViewSet, InstrumentViewSet, InvitationViewSet
from assessments.fhir_api import (
    ClientBundleView,
    ClientResponseImportView,
    InstrumentQuestionnaireView,
    QuestionnaireImportView,
)
from clients.api import ClientViewSet
from clients.export_api import ExportViewSet
from clients.import_api import ClientImportDetailView, ClientImportView
from clients.note_api import NoteTagViewSet, SessionNoteViewSet
from clients.report_api import ReportViewSet
from practice.safety_api import SafetySettingsView
from practice.webhook_api import WebhookEndpointViewSet

router = DefaultRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("notes", SessionNoteViewSet, basename="note")
router.register("note-tags", NoteTagViewSet, basename="note-tag")
router.register("reports", ReportViewSet, basename="report")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("administrations", AdministrationViewSet, basename="administration")
router.register("alerts", AlertViewSet, basename="alert")
router.register("exports", ExportViewSet, basename="export")

urlpatterns = [
    path("clients/import/", ClientImportView.as_view(), name="client-import"),
    path(
        "clients/import/<uuid:pk>/", ClientImportDetailView.as_view(), name="client-import-detail"
    ),
    path("clients/<uuid:pk>/fhir/", ClientBundleView.as_view(), name="client-fhir-bundle"),
    path(
        "clients/<uuid:pk>/fhir/questionnaire-responses/",
        ClientResponseImportView.as_view(),
        name="client-fhir-import",
    ),
    path("instruments/fhir/", QuestionnaireImportView.as_view(), name="instrument-fhir-import"),
    path(
        "instruments/<slug:code>/fhir/",
        InstrumentQuestionnaireView.as_view(),
        name="instrument-fhir-questionnaire",
    ),
    path("safety-settings/", SafetySettingsView.as_view(), name="safety-settings"),
    *router.urls,
]
