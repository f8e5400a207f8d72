"""The team page (owners only) and accepting an e-mailed staff invitation."""

from urllib.parse import urlencode

from allauth.account.utils import perform_login
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clients import services as client_services
from clients.models import Client
from practice import services
from practice.dashboard import overview_counts
from practice.forms import AcceptInvitationForm, DeactivateForm, InviteForm, RoleForm
from practice.middleware import CURRENT_PRACTICE_SESSION_KEY
from practice.models import Membership, Role
from practice.permissions import owner_required
from practice.views.confirm import Confirmation, ask


def _team_page(request, form=None, error: str = "", status: int = 200):
    return render(
        request,
        "practice/members.html",
        {
            "form": form or InviteForm(),
            "error": error,
            "members": services.team_members(request.practice),
            "invitations": services.open_invitations(request.practice),
            "roles": Role.choices,
        },
        status=status,
    )


def _member(request, pk) -> Membership:
    """A membership of the owner's own practice; any other id is 404."""
    queryset = Membership.objects.filter(practice=request.practice).select_related("user")
    return get_object_or_404(queryset, pk=pk)


def _invitation(request, pk):
    return get_object_or_404(services.open_invitations(request.practice), pk=pk)


def _act(request, action, success: str):
    """Run a team action; a refused one re-renders the team page with the reason (400)."""
    try:
        action()
    except ValidationError as error:
        return _team_page(request, error=" ".join(error.messages), status=400)
    messages.success(request, success)
    return redirect("practice_members")


@owner_required
def team(request):
    if request.method != "POST":
        return _team_page(request)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite_staff(request, request.practice, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                gettext("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("practice_members")
    return _team_page(request, form=form, status=400)


@owner_required
@require_POST
def invitation_resend(request, pk):
    invitation = _invitation(request, pk)
    return _act(
        request,
        lambda: services.resend_invitation(request, invitation),
        gettext("A new link was sent to %(email)s; the old one no longer works.")
        % {"email": invitation.email},
    )


@owner_required
def invitation_revoke(request, pk):
    """GET asks, POST withdraws the invitation (its link stops working)."""
    invitation = _invitation(request, pk)
    if request.method != "POST":
        return ask(
            request,
            Confirmation(
                title=gettext("Withdraw the invitation to %(email)s?")
                % {"email": invitation.email},
                consequences=[
                    gettext("The link in the invitation e-mail stops working."),
                    gettext("You can invite the same address again later."),
                ],
                button=gettext("Withdraw the invitation"),
                cancel_url=reverse("practice_members"),
            ),
        )
    return _act(
        request,
        lambda: services.revoke_invitation(request, invitation),
        gettext("The invitation to %(email)s was withdrawn.") % {"email": invitation.email},
    )


@owner_required
@require_POST
def member_role(request, pk):
    membership = _member(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _team_page(request, error=gettext("Choose a role from the list."), status=400)
    role = form.cleaned_data["role"]
    return _act(
        request,
        lambda: services.change_role(request, membership, role),
        gettext("%(user)s is now %(role)s.")
        % {"user": membership.user, "role": Role(role).label.lower()},
    )


def _hand_over(request, leaving: Membership, successor) -> int:
    """Hand the leaving member's active clients over (``hand_over_clients``) and count them
    under their new clinician in the owners' overview, in the same transaction."""
    moving = list(
        Client.objects.filter(practice=leaving.practice, primary_clinician=leaving.user)
        .active()
        .values_list("pk", flat=True)
    )
    handed = client_services.hand_over_clients(request, leaving.practice, leaving.user, successor)
    overview_counts.sync_overview(moving)
    return handed


@owner_required
def member_deactivate(request, pk):
    """GET asks, saying how many clients the member holds and who should take over the active
    ones; POST hands them over and deactivates (``services.deactivate_member``)."""
    membership = _member(request, pk)
    if not membership.is_active:
        messages.info(
            request, gettext("%(user)s is already deactivated.") % {"user": membership.user}
        )
        return redirect("practice_members")
    held = Client.objects.filter(practice=request.practice, primary_clinician=membership.user)
    active = held.active().count()
    form = DeactivateForm(
        request.POST if request.method == "POST" else None,
        membership=membership,
        active_clients=active,
    )
    if form.is_valid():
        successor = form.cleaned_data.get("successor")
        try:
            result = services.deactivate_member(
                request,
                membership,
                hand_over=lambda leaving: _hand_over(request, leaving, successor),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _deactivated_message(result, successor))
            return redirect("practice_members")
    context = {
        "membership": membership,
        "form": form,
        "active_clients": active,
        "discharged_clients": held.count() - active,
    }
    status = 400 if form.errors else 200
    return render(request, "practice/member_deactivate.html", context, status=status)


def _deactivated_message(result, successor) -> str:
    user = result.membership.user
    parts = [gettext("%(user)s can no longer sign in to this practice.") % {"user": user}]
    if result.handed_over:
        count = result.handed_over
        parts.append(
            ngettext(
                "%(count)d active client moved to %(successor)s.",
                "%(count)d active clients moved to %(successor)s.",
                count,
            )
            % {"count": count, "successor": successor}
        )
    if result.sessions_ended or result.tokens_revoked:
        sessions, tokens = result.sessions_ended, result.tokens_revoked
        parts.append(
            ngettext(
                "Signed out of %(count)d open session;",
                "Signed out of %(count)d open sessions;",
                sessions,
            )
            % {"count": sessions}
        )
        parts.append(
            ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", tokens)
            % {"count": tokens}
        )
    parts.append(gettext("Their records are kept."))
    return " ".join(parts)


@owner_required
@require_POST
def member_reactivate(request, pk):
    membership = _member(request, pk)
    return _act(
        request,
        lambda: services.reactivate_member(request, membership),
        gettext("%(user)s can sign in to this practice again.") % {"user": membership.user},
    )


# --- Accepting an invitation (no login required) ----------------------------------------------


def _invalid_link(request):
    """The one answer for unknown, expired, withdrawn and used links: it tells nothing."""
    return render(request, "practice/invitation_invalid.html", status=404)


def _joined(request, acceptance) -> None:
    request.session[CURRENT_PRACTICE_SESSION_KEY] = acceptance.membership.practice_id
    messages.success(
        request, gettext("Welcome to %(practice)s.") % {"practice": acceptance.membership.practice}
    )


def _accept_page(request, context, status=200):
    return render(request, "practice/invitation_accept.html", context, status=status)


@never_cache
def invitation_accept(request, token: str):
    """GET shows what accepting will do; only POST changes anything."""
    invitation = services.usable_invitation(token)
    if invitation is None:
        return _invalid_link(request)
    context = {"invitation": invitation, "practice": invitation.practice}
    account = services.existing_account(invitation)
    if request.user.is_authenticated and request.user != account:
        return _accept_page(request, {**context, "state": "other"})
    if account is not None and not request.user.is_authenticated:
        login_url = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
        return _accept_page(request, {**context, "state": "login", "login_url": login_url})
    if account is not None:
        return _join_with_account(request, token, context)
    return _join_with_new_account(request, token, context)


def _join_with_account(request, token: str, context):
    """The signed-in person already has an account with the invited address."""
    if request.method != "POST":
        return _accept_page(request, {**context, "state": "join"})
    acceptance = services.accept_invitation(request, token, user=request.user)
    if acceptance is None:
        return _invalid_link(request)
    _joined(request, acceptance)
    return redirect("dashboard")


def _join_with_new_account(request, token: str, context):
    """Nobody has the invited address yet: choose a name and password, then sign in."""
    invitation = context["invitation"]
    form = AcceptInvitationForm(
        request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            acceptance = services.accept_invitation(
                request,
                token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError:  # an account with this address appeared meanwhile
            return redirect("invitation_accept", token=token)
        if acceptance is None:
            return _invalid_link(request)
        response = perform_login(
            request, acceptance.user, email_verification="none", redirect_url=reverse("dashboard")
        )
        _joined(request, acceptance)
        return response
    status = 400 if form.errors else 200
    return _accept_page(request, {**context, "state": "new", "form": form}, status=status)
