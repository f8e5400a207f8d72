"""Client pages: list, create, view, edit, discharge, reactivate, share."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import services as questionnaires
from clients import services
from clients.forms import ClientForm, DischargeForm, ReactivateForm, ShareForm
from clients.models import Client, ClientShare
from practice import audit
from practice.dashboard import client_page, overview_counts, progress
from practice.models import AuditAction
from practice.permissions import member_required
from practice.views.confirm import Confirmation, ask

PAGE_SIZE = 25


def visible_client(request, pk) -> Client:
    """The client ``pk`` if the user may see it; 404 otherwise, as if it did not exist."""
    try:
        return Client.objects.select_related("practice", "primary_clinician").get_visible(
            request.user, pk=pk
        )
    except (Client.DoesNotExist, ValidationError):
        raise Http404(_("No client found.")) from None


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


@member_required
def client_list(request):
    status = request.GET.get("status", "active")
    clients = Client.objects.visible_to(request.user).filter(practice=request.practice)
    if status in Client.Status.values:
        clients = clients.filter(status=status)
    if request.GET.get("mine"):
        clients = clients.filter(primary_clinician=request.user)
    query = request.GET.get("q", "")
    clients = clients.ranked_search(query).select_related("primary_clinician")
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_list(request, "client", request.practice)
    return render(
        request,
        "clients/client_list.html",
        {
            "page_obj": page,
            "query": query,
            "status": status,
            "mine": bool(request.GET.get("mine")),
            "querystring_without_page": _querystring_without_page(request),
        },
    )


@member_required
def client_create(request):
    form = ClientForm(
        request.POST or None,
        practice=request.practice,
        membership=request.membership,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        fields = {
            name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data
        }
        client = services.create_client(request, request.practice, **fields)
        messages.success(
            request, _("%(name)s's record was created.") % {"name": client.preferred_name}
        )
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "creating": True})


@member_required
def client_detail(request, pk):
    client = client_page.visible_client(request.user, pk)
    audit.record(request, AuditAction.VIEW, client)
    page = client_page.gather(request.user, client)
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "page": page,
            "shares": page.shares,
            "can_manage": services.can_manage(request.membership, client),
            "unseen_report_count": page.unseen_reports,
        },
    )


@member_required
def client_edit(request, pk):
    client = visible_client(request, pk)
    form = ClientForm(
        request.POST or None,
        instance=client,
        practice=client.practice,
        membership=request.membership,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        changed = [name for name in form.changed_data if name != "confirm_duplicate"]
        services.update_client(request, form.instance, changed)
        overview_counts.sync_overview([client.pk])  # counted under a new primary clinician
        messages.success(request, _("Changes saved."))
        return redirect("clients:detail", pk=client.pk)
    if request.method == "GET":
        audit.record(request, AuditAction.VIEW, client)  # the form shows the whole record
    return render(
        request, "clients/client_form.html", {"form": form, "client": client, "creating": False}
    )


def _discharged_message(client, closed) -> str:
    ended = []
    if closed.schedules:
        ended.append(
            ngettext("%(count)d schedule ended", "%(count)d schedules ended", closed.schedules)
            % {"count": closed.schedules}
        )
    if closed.links:
        ended.append(
            ngettext(
                "%(count)d questionnaire link revoked",
                "%(count)d questionnaire links revoked",
                closed.links,
            )
            % {"count": closed.links}
        )
    if not ended:
        return _("%(name)s was discharged. The record is kept.") % {"name": client.preferred_name}
    if len(ended) == 2:
        ended = [_("%(first)s and %(second)s") % {"first": ended[0], "second": ended[1]}]
    return _("%(name)s was discharged (%(closed)s). The record is kept.") % {
        "name": client.preferred_name,
        "closed": ended[0],
    }


def close_open_work(request, client):
    """Discharge's closing step: end the client's schedules and revoke their open links, then,
    when anything was closed, refresh the client's dashboard row (the dashboard sits above the
    questionnaire services), in the discharge's transaction."""
    closed = questionnaires.end_client_questionnaires(request.user, client, request=request)
    if closed.schedules or closed.links:
        progress.refresh_client_progress(client)
    else:  # out of the owners' overview all the same
        overview_counts.sync_overview([client.pk])
    return closed


@member_required
def client_discharge(request, pk):
    """GET asks (saying what will end, and why the episode of care ends), POST discharges:
    schedules ended, links revoked, the current episode of care ended."""
    client = visible_client(request, pk)
    if not services.can_manage(request.membership, client):
        raise PermissionDenied(_("Only the client's primary clinician or an owner can discharge."))
    form = DischargeForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(
            request,
            "clients/client_discharge.html",
            {"client": client, "open_work": questionnaires.open_work(client), "form": form},
            status=400 if form.errors else 200,
        )
    discharge = services.discharge_client(
        request,
        client,
        close_open_work=lambda client: close_open_work(request, client),
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, _discharged_message(client, discharge.closed))
    return redirect("clients:detail", pk=client.pk)


@member_required
def client_reactivate(request, pk):
    """GET asks whether a new episode of care starts or the last one resumes; POST
    reactivates as chosen. An active client has nothing to reactivate: back to their page."""
    client = visible_client(request, pk)
    if not services.can_manage(request.membership, client):
        raise PermissionDenied(_("Only the client's primary clinician or an owner can reactivate."))
    if client.is_active:
        return redirect("clients:detail", pk=client.pk)
    form = ReactivateForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(
            request,
            "clients/client_reactivate.html",
            {"client": client, "form": form, "last": services.current_episode(client)},
            status=400 if form.errors else 200,
        )
    resume = form.cleaned_data["episode"] == ReactivateForm.RESUME
    services.reactivate_client(request, client, resume=resume)
    progress.refresh_client_progress(client)  # a new episode starts the baselines anew
    if resume:
        message = _("%(name)s is active again, their last episode of care resumed.")
    else:
        message = _("%(name)s is active again, in a new episode of care.")
    messages.success(request, message % {"name": client.preferred_name})
    return redirect("clients:detail", pk=client.pk)


@member_required
def client_share(request, pk):
    client = visible_client(request, pk)
    if not services.can_manage(request.membership, client):
        raise PermissionDenied(
            _("Only the client's primary clinician or an owner can share the record.")
        )
    form = ShareForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            services.share_client(request, client, form.cleaned_data["clinician"])
        except ValidationError as error:
            form.add_error("clinician", error)
        else:
            messages.success(
                request,
                _("Shared with %(clinician)s.") % {"clinician": form.cleaned_data["clinician"]},
            )
            return redirect("clients:share", pk=client.pk)
    return render(
        request,
        "clients/client_share.html",
        {"client": client, "form": form, "shares": client.shares.select_related("clinician")},
        status=400 if form.errors else 200,
    )


@member_required
def client_unshare(request, pk, user_id: int):
    """GET asks, POST stops sharing the record with that clinician."""
    client = visible_client(request, pk)
    if not services.can_manage(request.membership, client):
        raise PermissionDenied(
            _("Only the client's primary clinician or an owner can share the record.")
        )
    if request.method == "POST":
        services.unshare_client(request, client, user_id)  # already not shared: nothing to do
        messages.success(request, _("Sharing removed."))
        return redirect("clients:share", pk=client.pk)
    share = get_object_or_404(
        ClientShare.objects.select_related("clinician"), client=client, clinician_id=user_id
    )
    audit.record(request, AuditAction.VIEW, client)
    return ask(
        request,
        Confirmation(
            title=_("Stop sharing %(name)s's record with %(clinician)s?")
            % {"name": client.preferred_name, "clinician": share.clinician},
            consequences=[
                _("%(clinician)s no longer sees the record, its notes, answers or reports.")
                % {"clinician": share.clinician},
                _("You can share it with them again later."),
            ],
            button=_("Stop sharing"),
            cancel_url=reverse("clients:share", args=[client.pk]),
        ),
    )
