"""The practice's audit log (owners only): who did what to which record, and when.

Events name clients by id only (the log holds no personal data); the page shows each client's
name beside it and finds events by a client's name or reference, looking the practice's
clients up at display time (one query each)."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from clients.models import Client
from practice.forms import AuditEventFilter, record_type_label
from practice.models import AuditEvent, Membership
from practice.permissions import owner_required

PAGE_SIZE = 50


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


@owner_required
def audit_log(request):
    # Account events (sign-ins, two-factor changes) belong to no practice: an owner sees those
    # of the people who are or were members of hers.
    members = Membership.objects.filter(practice=request.practice).values("user_id")
    events = AuditEvent.objects.filter(
        Q(practice=request.practice) | Q(practice__isnull=True, actor_id__in=members)
    ).order_by("-at", "-id")
    # Discharged clients included: their history stays readable.
    clients = Client.objects.visible_to(request.user).filter(practice=request.practice)
    filterset = AuditEventFilter(
        request.GET or None,
        queryset=events,
        practice=request.practice,
        find_clients=lambda text: clients.search(text).values("pk"),
    )
    valid = not filterset.is_bound or filterset.is_valid()
    page = Paginator(filterset.qs if valid else events.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = dict(
        clients.filter(pk__in={e.client_id for e in page if e.client_id}).values_list(
            "pk", "full_name"
        )
    )
    for event in page:
        event.client_name = names.get(event.client_id, "")
        event.record_type = record_type_label(event.object_type)
    history_of = None
    if valid and filterset.is_bound and filterset.form.cleaned_data.get("client_id"):
        history_of = clients.filter(pk=filterset.form.cleaned_data["client_id"]).first()
    return render(
        request,
        "practice/audit_log.html",
        {
            "filter_form": filterset.form,
            "page_obj": page,
            "history_of": history_of,
            "querystring_without_page": _querystring_without_page(request),
        },
        status=200 if valid else 400,
    )
