"""The practice's audit log (owners only): who did what to which record, and when."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from practice.forms import AuditEventFilter
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
    filterset = AuditEventFilter(request.GET or None, queryset=events, practice=request.practice)
    valid = not filterset.is_bound or filterset.is_valid()
    page = Paginator(filterset.qs if valid else events.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "practice/audit_log.html",
        {
            "filter_form": filterset.form,
            "page_obj": page,
            "querystring_without_page": _querystring_without_page(request),
        },
        status=200 if valid else 400,
    )
