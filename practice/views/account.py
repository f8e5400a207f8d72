"""The signed-in person's own account: password, two-factor authentication, API tokens."""

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from practice import services
from practice.forms import ApiTokenForm
from practice.permissions import member_required
from practice.views.confirm import Confirmation, ask


def _account_page(request, form, *, new_key: str = "", new_token=None, status: int = 200):
    has_totp = Authenticator.objects.filter(
        user=request.user, type=Authenticator.Type.TOTP
    ).exists()
    return render(
        request,
        "practice/account.html",
        {
            "form": form,
            "tokens": services.active_api_tokens(request.user),
            "has_totp": has_totp,
            "new_key": new_key,
            "new_token": new_token,
        },
        status=status,
    )


@member_required
def account_security(request):
    return _account_page(request, ApiTokenForm())


@never_cache  # the response carries the new key: no cache may keep it
@member_required
@require_POST
def token_create(request):
    """The key is rendered in this response only; it is never put in a URL or the session."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.create_api_token(
                request,
                request.user,
                form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                last_day=form.cleaned_data["last_day"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _account_page(request, ApiTokenForm(), new_key=key, new_token=token)
    return _account_page(request, form, status=400)


@member_required
def token_revoke(request, pk: int):
    """GET asks, POST revokes the token at once."""
    token = get_object_or_404(services.active_api_tokens(request.user), pk=pk)
    if request.method != "POST":
        return ask(
            request,
            Confirmation(
                title=gettext("Revoke the token “%(name)s”?") % {"name": token.name},
                consequences=[
                    gettext("Scripts using it are refused from now on; this cannot be undone."),
                    gettext("You can create a new token whenever you need one."),
                ],
                button=gettext("Revoke the token"),
                cancel_url=reverse("account_security"),
            ),
        )
    services.revoke_api_token(request, token)
    messages.success(
        request,
        gettext("The token “%(name)s” was revoked and no longer works.") % {"name": token.name},
    )
    return redirect("account_security")
