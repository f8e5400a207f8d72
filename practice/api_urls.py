"""The ``/api/v1/`` router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from assessments.api import AssignmentViewSet, InstrumentViewSet, InvitationViewSet
from clients.api import ClientViewSet
from clients.note_api import NoteTagViewSet, SessionNoteViewSet
from clients.report_api import ReportViewSet

router = DefaultRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("notes", SessionNoteViewSet, basename="note")
router.register("note-tags", NoteTagViewSet, basename="note-tag")
router.register("reports", ReportViewSet, basename="report")
