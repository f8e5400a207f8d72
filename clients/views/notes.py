"""Session note pages: a client's notes and timeline, writing, signing and amending a note, its
versions, search across one's caseload, and the practice's tag list (owners).

Every page that shows a note's text records a read through ``notes.read_note``. Invalid
submissions redraw the form with their messages and status 400; a signed note asked to change
answers 409 with a page that explains what to do instead.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import notes
from clients.models import NoteLocked, NoteTag, SessionNote
from clients.note_forms import (
    AddendumForm,
    NoteFilterForm,
    NoteForm,
    NoteSearchForm,
    TagChangeForm,
    TagForm,
    add_service_errors,
    new_note_defaults,
)
from clients.views.records import _querystring_without_page, visible_client
from practice import audit
from practice.dashboard import progress, timeline
from practice.models import AuditAction
from practice.permissions import member_required, owner_required

PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 20


def visible_note(request, pk, note_pk) -> SessionNote:
    """The note ``note_pk`` about client ``pk`` if the user may read it; 404 otherwise."""
    return get_object_or_404(
        SessionNote.objects.visible_to(request.user).select_related(
            "client", "client__practice", "author", "signed_by"
        ),
        pk=note_pk,
        client_id=pk,
    )


def _locked(request, note: SessionNote, error: NoteLocked):
    return render(
        request,
        "clients/notes/note_locked.html",
        {"note": note, "message": error.message},
        status=409,
    )


@member_required
def note_list(request, pk):
    client = visible_client(request, pk)
    filters = NoteFilterForm(request.GET or None, practice=client.practice)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = Paginator(notes.client_notes(request.user, client, **chosen), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit.record(request, AuditAction.LIST, client, fields=["session_notes"])
    return render(
        request,
        "clients/notes/note_list.html",
        {
            "client": client,
            "filters": filters,
            "page_obj": page,
            "querystring_without_page": _querystring_without_page(request),
        },
    )


def _create_note(request, client, data) -> SessionNote:
    """Write the note, then refresh the client's dashboard row (its last session): the
    dashboard sits above the notes, so the page makes that call, as the API does."""
    note = notes.create_note(request.user, client, data, request=request)
    progress.refresh_client_progress(client)
    return note


def _update_draft(request, note, data, expected_version) -> SessionNote:
    """Save the draft; when something was saved (its version went up), refresh the client's
    dashboard row."""
    saved = notes.update_draft(
        request.user, note, data, expected_version=expected_version, request=request
    )
    if saved.version != note.version:
        progress.refresh_client_progress(saved.client_id)
    return saved


def _save_and_maybe_sign(request, form, save):
    """Run ``save`` (create or update); sign too when the "Save and sign" button was used."""
    try:
        note = save(form.to_input())
        if "sign" in request.POST:
            note = notes.sign_note(request.user, note, request=request)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    return note


@member_required
def note_create(request, pk):
    client = visible_client(request, pk)
    if request.method == "POST" and NoteForm.wants_new_format(request.POST):
        form = NoteForm(
            initial=NoteForm.switched_initial(request.POST),
            client=client,
            note_format=request.POST.get("note_format"),
        )
        return render(request, "clients/notes/note_form.html", {"client": client, "form": form})
    if request.method == "POST":
        form = NoteForm(request.POST, client=client)
        if form.is_valid():
            note = _save_and_maybe_sign(
                request, form, lambda data: _create_note(request, client, data)
            )
            if note is not None:
                messages.success(request, _saved_message(note))
                return redirect("clients:note_detail", pk=client.pk, note_pk=note.pk)
        return render(
            request, "clients/notes/note_form.html", {"client": client, "form": form}, status=400
        )
    defaults = new_note_defaults(client, notes.latest_note(request.user, client), timezone.now())
    if request.GET.get("format") in SessionNote.Format.values:
        defaults["note_format"] = request.GET["format"]
    form = NoteForm(initial=defaults, client=client)
    return render(request, "clients/notes/note_form.html", {"client": client, "form": form})


def _saved_message(note: SessionNote) -> str:
    if note.is_signed:
        return _("The note is signed and locked. Add an addendum if anything needs adding.")
    return _("Draft saved. Sign it when it is complete; until then you can edit it.")


@member_required
def note_detail(request, pk, note_pk):
    note = visible_note(request, pk, note_pk)
    return _render_detail(request, note, AddendumForm())


def _render_detail(request, note, addendum_form, status=200):
    notes.read_note(request.user, note, request=request)
    return render(
        request,
        "clients/notes/note_detail.html",
        {
            "client": note.client,
            "note": note,
            "tags": note.tags.order_by("name"),
            "assessments": notes.linked_assessments(note),
            "addenda": note.addenda.select_related("author"),
            "addendum_form": addendum_form,
            "can_edit": notes.can_edit(request.user, note),
        },
        status=status,
    )


@member_required
def note_edit(request, pk, note_pk):
    note = visible_note(request, pk, note_pk)
    try:
        notes.require_editable(request.user, note)
    except NoteLocked as error:
        return _locked(request, note, error)
    context = {"client": note.client, "note": note}
    if request.method == "POST" and NoteForm.wants_new_format(request.POST):
        context["form"] = NoteForm(
            initial=NoteForm.switched_initial(request.POST),
            client=note.client,
            note=note,
            note_format=request.POST.get("note_format"),
        )
        return render(request, "clients/notes/note_form.html", context)
    if request.method == "POST":
        form = NoteForm(request.POST, client=note.client, note=note)
        if form.is_valid():
            try:
                saved = _save_and_maybe_sign(
                    request,
                    form,
                    lambda data: _update_draft(
                        request, note, data, form.cleaned_data.get("version")
                    ),
                )
            except NoteLocked as error:  # signed in another tab since the form was opened
                return _locked(request, note, error)
            if saved is not None:
                messages.success(request, _saved_message(saved))
                return redirect("clients:note_detail", pk=pk, note_pk=note.pk)
        return render(
            request, "clients/notes/note_form.html", {**context, "form": form}, status=400
        )
    notes.read_note(request.user, note, request=request)
    context["form"] = NoteForm(
        initial=NoteForm.initial_for(note, note.client, {}),
        client=note.client,
        note=note,
        note_format=note.note_format,
    )
    return render(request, "clients/notes/note_form.html", context)


@member_required
@require_POST
def note_sign(request, pk, note_pk):
    note = visible_note(request, pk, note_pk)
    try:
        note = notes.sign_note(request.user, note, request=request)
    except NoteLocked as error:
        return _locked(request, note, error)
    messages.success(request, _saved_message(note))
    return redirect("clients:note_detail", pk=pk, note_pk=note.pk)


@member_required
@require_POST
def note_addendum(request, pk, note_pk):
    note = visible_note(request, pk, note_pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            notes.add_addendum(request.user, note, form.cleaned_data["text"], request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Addendum added."))
            return redirect("clients:note_detail", pk=pk, note_pk=note.pk)
    return _render_detail(request, note, form, status=400)


@member_required
def note_versions(request, pk, note_pk):
    note = visible_note(request, pk, note_pk)
    notes.read_note(request.user, note, request=request, part="versions")
    return render(
        request,
        "clients/notes/note_versions.html",
        {
            "client": note.client,
            "note": note,
            "versions": notes.versions_with_assessments(note),
        },
    )


@member_required
def client_timeline(request, pk):
    client = visible_client(request, pk)
    page = timeline.timeline(request.user, client, request.GET.get("page"), TIMELINE_PAGE_SIZE)
    audit.record(request, AuditAction.LIST, client, fields=["timeline"])
    return render(
        request,
        "clients/notes/timeline.html",
        {"client": client, "page_obj": page, "querystring_without_page": ""},
    )


@member_required
def note_search(request):
    form = NoteSearchForm(request.POST or None, practice=request.practice)
    context = {"form": form, "searched": False}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "clients/notes/search.html", context, status=400)
        found = notes.search_notes(
            request.user,
            request.practice,
            form.cleaned_data["q"],
            tags=form.cleaned_data["tags"],
        )
        context["page_obj"] = Paginator(found, PAGE_SIZE).get_page(form.cleaned_data["page"])
        context["searched"] = True
        audit.record_list(request, "sessionnote", request.practice)
    return render(request, "clients/notes/search.html", context)


@owner_required
def tag_list(request):
    form = TagForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                tag = notes.add_tag(
                    request.user,
                    request.practice,
                    form.cleaned_data["name"],
                    form.cleaned_data["kind"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Tag “%(name)s” added.") % {"name": tag.name})
                return redirect("clients:note_tags")
        status = 400
    else:
        status = 200
    tags = notes.practice_tags(request.practice, include_archived=True).order_by(
        "-is_active", "kind", "name"
    )
    return render(request, "clients/notes/tags.html", {"form": form, "tags": tags}, status=status)


@owner_required
def tag_edit(request, tag_pk):
    tag = get_object_or_404(NoteTag, pk=tag_pk, practice=request.practice)
    form = TagChangeForm(
        request.POST or None,
        initial={"name": tag.name, "kind": tag.kind, "is_active": tag.is_active},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                notes.change_tag(request.user, tag, **form.cleaned_data, request=request)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Tag saved."))
                return redirect("clients:note_tags")
        return render(
            request, "clients/notes/tag_form.html", {"form": form, "tag": tag}, status=400
        )
    return render(request, "clients/notes/tag_form.html", {"form": form, "tag": tag})
