"""``/api/v1/notes/``: record sessions, list them per client with filters, read, change drafts,
sign, add and read addenda, read versions, search; ``/api/v1/note-tags/``: the practice's tags.

Lists and search results carry no note text: the text comes one note at a time from
``GET /api/v1/notes/<id>/``, and each such read is an audit event.

Scoped like the pages: the queryset starts from ``SessionNote.objects.visible_to(user)``, which
goes through ``Client.objects.visible_to(user)``, so out-of-scope notes are 404. Every read of a
note's text is audited. Bad input is 400 with a message per field; changing a signed note 409.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Exists, Prefetch
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.models import Response as QuestionnaireResponse
from clients import notes
from clients.models import Client, NoteLocked, NoteTag, SessionNote
from clients.note_serializers import (
    AddendumSerializer,
    NoteSearchSerializer,
    NoteTagSerializer,
    NoteVersionSerializer,
    SessionNoteSerializer,
    SessionNoteSummarySerializer,
    SessionNoteWriteSerializer,
)
from practice import audit
from practice.api import ScopedViewSetMixin
from practice.converters import LARGEST_ID
from practice.dashboard import progress
from practice.models import Membership, User

SIGNED = "The note is signed and locked: add an addendum instead."


class NoteConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This note is signed and locked; add an addendum instead.")
    default_code = "note_locked"


def _practice_members(request):
    """The author filter's choices: people of the practice the request acts under. Any other
    id, of a user elsewhere or of nobody, is the same 400, so the answer tells nothing about
    accounts outside the practice."""
    practice = getattr(request, "practice", None)
    if practice is None:
        return User.objects.none()
    return User.objects.filter(memberships__practice=practice).distinct()


class SessionNoteFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id", label=gettext_lazy("Client id"))
    author = django_filters.ModelChoiceFilter(
        queryset=_practice_members, label=gettext_lazy("Author id")
    )
    # Bounded, so an id past a database integer is a 400, not an OverflowError from SQLite.
    tag = django_filters.NumberFilter(
        method="with_tag", label=gettext_lazy("Tag id"), min_value=1, max_value=LARGEST_ID
    )
    date_from = django_filters.DateFilter(field_name="session_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="session_date", lookup_expr="lte")

    class Meta:
        model = SessionNote
        fields = ["client", "status", "session_type", "modality", "note_format", "author"]

    def with_tag(self, queryset, name, value):
        return queryset.filter(Exists(notes.tagged_with(int(value))))


@extend_schema_view(
    partial_update=extend_schema(
        request=SessionNoteWriteSerializer,
        responses={200: SessionNoteSerializer, 409: OpenApiResponse(description=SIGNED)},
    )
)
class SessionNoteViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SessionNoteSerializer
    filterset_class = SessionNoteFilter

    def scoped_queryset(self, user):
        found = (
            SessionNote.objects.visible_to(user)
            .select_related("author")
            .prefetch_related(Prefetch("tags", queryset=NoteTag.objects.order_by("name")))
            .annotate(addenda_count=Count("addenda"))
            .order_by("-started_at", "-created_at")
        )
        if self.action == "list":  # summaries leave the linked questionnaires out
            return found
        linked = QuestionnaireResponse.objects.select_related("instrument").only(
            "pk", "submitted_at", "instrument", "instrument__code"
        )
        return found.prefetch_related(
            Prefetch("assessments", queryset=linked.order_by("submitted_at", "pk"))
        )

    def handle_exception(self, exc):
        """The services speak Django: a rule broken is 400, a signed note asked to change 409."""
        if isinstance(exc, NoteLocked):
            exc = NoteConflict(exc.message)
        elif isinstance(exc, DjangoValidationError):
            detail = (
                exc.message_dict
                if hasattr(exc, "error_dict")
                else {"non_field_errors": exc.messages}
            )
            exc = exceptions.ValidationError(detail)
        return super().handle_exception(exc)

    def _respond(self, note, status_code=status.HTTP_200_OK):
        note = self.get_queryset().get(pk=note.pk)
        return Response(SessionNoteSerializer(note).data, status=status_code)

    def get_serializer_class(self):
        return SessionNoteSummarySerializer if self.action == "list" else SessionNoteSerializer

    def list(self, request, *args, **kwargs):
        """Notes without their text, newest first; filter by client, tag, dates, status."""
        audit.record_list(request, "sessionnote", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        note = self.get_object()
        notes.read_note(request.user, note, request=request)
        return Response(self.get_serializer(note).data)

    @extend_schema(request=SessionNoteWriteSerializer, responses={201: SessionNoteSerializer})
    def create(self, request, *args, **kwargs):
        clients = Client.objects.visible_to(request.user)
        writer = SessionNoteWriteSerializer(data=request.data, clients=clients)
        writer.is_valid(raise_exception=True)
        client = writer.validated_data["client"]
        note = notes.create_note(request.user, client, writer.to_input(), request=request)
        progress.refresh_client_progress(client)
        return self._respond(note, status.HTTP_201_CREATED)

    @extend_schema(
        request=SessionNoteWriteSerializer,
        responses={200: SessionNoteSerializer, 409: OpenApiResponse(description=SIGNED)},
    )
    def update(self, request, *args, **kwargs):
        note = self.get_object()
        notes.require_editable(request.user, note)
        writer = SessionNoteWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        writer.is_valid(raise_exception=True)
        saved = notes.update_draft(
            request.user,
            note,
            writer.to_input(base=notes.NoteInput.from_note(note)),
            expected_version=writer.validated_data.get("version"),
            request=request,
        )
        if saved.version != note.version:  # something was saved
            progress.refresh_client_progress(saved.client_id)
        return self._respond(saved)

    @extend_schema(
        request=None,
        responses={200: SessionNoteSerializer, 409: OpenApiResponse(description=SIGNED)},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Sign and lock a draft (its author only). 409 if it is already signed."""
        note = notes.sign_note(request.user, self.get_object(), request=request)
        return self._respond(note)

    @extend_schema(methods=["GET"], request=None, responses={200: AddendumSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=AddendumSerializer, responses={201: AddendumSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def addenda(self, request, pk=None):
        """GET: the note's addenda, oldest first. POST ``{"text": …}``: add one to a signed note."""
        note = self.get_object()
        if request.method == "GET":
            notes.read_note(request.user, note, request=request, part="addenda")
            addenda = note.addenda.select_related("author")
            return Response(AddendumSerializer(addenda, many=True).data)
        writer = AddendumSerializer(data=request.data)
        writer.is_valid(raise_exception=True)
        addendum = notes.add_addendum(
            request.user, note, writer.validated_data["text"], request=request
        )
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: NoteVersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        """Every saved version of the note, newest first."""
        note = self.get_object()
        notes.read_note(request.user, note, request=request, part="versions")
        versions = note.versions.select_related("saved_by").order_by("-number")
        return Response(NoteVersionSerializer(versions, many=True).data)

    @extend_schema(
        request=NoteSearchSerializer, responses={200: SessionNoteSummarySerializer(many=True)}
    )
    # The list's filters do not apply here (the body says what to find), so none is documented.
    @action(detail=False, methods=["post"], filter_backends=[])
    def search(self, request):
        """Search the caller's caseload in the current practice by words and tags (POST body,
        so the words stay out of URLs). Paginated like the list."""
        query = NoteSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        client = None
        if query.validated_data["client"]:
            client = (
                Client.objects.visible_to(request.user)
                .filter(pk=query.validated_data["client"])
                .first()
            )
            if client is None:
                raise exceptions.ValidationError({"client": gettext("No such client.")})
        found = notes.search_notes(
            request.user,
            request.practice,
            query.validated_data["q"],
            tags=query.validated_data["tags"],
            client=client,
        )
        audit.record_list(request, "sessionnote", request.practice)
        page = self.paginate_queryset(found)
        return self.get_paginated_response(SessionNoteSummarySerializer(page, many=True).data)


class NoteTagViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tags of the caller's current practice, archived ones included (``is_active``)."""

    serializer_class = NoteTagSerializer
    pagination_class = None

    def scoped_queryset(self, user):
        practice = getattr(self.request, "practice", None)
        if practice is None:
            return NoteTag.objects.none()
        notes.ensure_default_tags(practice)
        member_of = Membership.objects.active().filter(user=user).values("practice_id")
        return NoteTag.objects.filter(practice=practice, practice__in=member_of).order_by(
            "kind", "name"
        )
