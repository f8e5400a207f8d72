"""Questionnaires answered in session, on the clinician's device (a tablet handed across the room).

From the client page, "Start in session" (``start``) builds a packet of the questionnaires the
clinician chooses (``packets.open_in_session``: no link, no e-mail), or takes one of the client's
open links (``packets.continue_in_session``), and locks the signed-in session
(``practice.session_lock``) to that packet's pages. The client answers on the client
questionnaire's own full-screen pages (``client_form.serve_page``: the same pages, checks,
scoring, alerts and crisis page as an e-mailed link; the responses' source is "in session").
A submission that raised a critical alert leads to the crisis support page (``support``, a GET
under the lock, so a reload shows it again), with a link to hand back. On finishing, or on
"hand back", the client meets the lock screen, and every other page of the
session answers with it until the clinician's password or authenticator code unlocks it.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from assessments.forms import InSessionForm
from assessments.models import Packet
from assessments.services import packets as packet_service
from assessments.views.client_form import (
    Flow,
    marked_packet_id,
    render_crisis,
    serve_page,
    support_mark,
)
from clients.models import Client
from practice import session_lock
from practice.permissions import member_required


def _client(request, pk) -> Client:
    return get_object_or_404(
        Client.objects.visible_to(request.user).select_related("practice", "primary_clinician"),
        pk=pk,
    )


def _open_packets(client):
    return Packet.objects.filter(
        client=client, status__in=Packet.OPEN_STATUSES, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-pk")


def _lock(request, packet: Packet) -> None:
    first_page = reverse("assessments:in_session_page", args=[packet.pk, 1])
    session_lock.lock(
        request,
        allowed_prefix=first_page.removesuffix("1/"),  # every page of this packet
        return_to=reverse("clients:detail", args=[packet.client_id]),
    )


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request, client_pk):
    """Choose what the client answers now: questionnaires the practice may use, or one of the
    client's open links. POST starts it and locks this session to its pages."""
    client = _client(request, client_pk)
    open_packets = _open_packets(client).prefetch_related("items__instrument")
    form = InSessionForm(
        request.POST if request.method == "POST" else None,
        practice=client.practice,
        packets=open_packets,
        client=client,
    )
    if request.method == "POST" and form.is_valid():
        try:
            packet = _begin(request, client, form)
        except packet_service.PacketClosed:
            form.add_error("packet", gettext("That link has just closed; choose again."))
        else:
            _lock(request, packet)
            return redirect("assessments:in_session_page", pk=packet.pk, step=1)
    return render(
        request,
        "assessments/kiosk/start.html",
        {"client": client, "form": form},
        status=400 if form.errors else 200,
    )


def _begin(request, client, form) -> Packet:
    if form.cleaned_data.get("packet"):
        return packet_service.continue_in_session(form.cleaned_data["packet"], request=request)
    return packet_service.open_in_session(client, form.cleaned_data["instruments"], request=request)


def _flow(packet: Packet) -> Flow:
    def to_lock_screen(request, packet):
        return redirect("session_unlock")

    return Flow(
        page_url=lambda step: reverse("assessments:in_session_page", args=[packet.pk, step]),
        start=lambda: redirect("assessments:in_session_page", pk=packet.pk, step=1),
        saved=to_lock_screen,
        done=to_lock_screen,
        crisis=lambda request, packet: redirect(
            f"{reverse('assessments:in_session_support', args=[packet.pk])}"
            f"?mark={support_mark(packet)}"
        ),
        context={"kiosk": True},
    )


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def page(request, pk, step: int):
    """One page of the questionnaire answered in session: the client questionnaire's page,
    with no way out but handing back. Opening it locks the session, whoever opened it."""
    packet = (
        Packet.objects.filter(
            client__in=Client.objects.visible_to(request.user),
            in_session=True,
            status__in=Packet.OPEN_STATUSES,
            expires_at__gt=timezone.now(),
        )
        .select_related("practice", "client__practice", "client__primary_clinician")
        .filter(pk=pk)
        .first()
    )
    if packet is None:
        if session_lock.current(request):
            return redirect("session_unlock")  # submitted meanwhile: hand back
        raise Http404(gettext("No such questionnaire."))
    _lock(request, packet)
    return serve_page(request, packet, step, _flow(packet))


@member_required
@require_http_methods(["GET", "HEAD"])
def support(request, pk):
    """The crisis support page after an in-session submission that raised a critical alert (the
    signed mark says so), inside the session's lock; a reload shows it again."""
    packet = (
        Packet.objects.filter(
            client__in=Client.objects.visible_to(request.user),
            in_session=True,
            status=Packet.Status.COMPLETED,
        )
        .select_related("practice", "client")
        .filter(pk=pk)
        .first()
    )
    if packet is None or marked_packet_id(request.GET.get("mark", "")) != packet.pk:
        raise Http404(gettext("No such page."))
    return render_crisis(request, packet, kiosk=True)
