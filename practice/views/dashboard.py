"""The home page: the signed-in clinician's caseload."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from clients.models import Client
from practice import audit
from practice.permissions import member_required


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


@member_required
def dashboard(request):
    clients = (
        Client.objects.visible_to(request.user)
        .filter(practice=request.practice)
        .active()
        .select_related("primary_clinician")
        .order_by("full_name", "pk")
    )
    scope = request.GET.get("scope", "mine")
    if scope == "mine" or not request.membership.is_owner:
        scope = "mine"
        clients = clients.filter(primary_clinician=request.user) | clients.filter(
            shares__clinician=request.user
        )
    page = Paginator(clients.distinct(), 25).get_page(request.GET.get("page"))
    audit.record_list(request, "client", request.practice)
    return render(
        request,
        "practice/dashboard.html",
        {"page_obj": page, "scope": scope, "querystring_without_page": f"scope={scope}&"},
    )
