"""Django's admin behind the same door as everything else, when it is mounted at all.

The admin is mounted only with ``ADMIN_ENABLED`` (default: DEBUG), so production has no
``/admin/`` unless the operator asks for one. When mounted it has no password form of its own:
Django's admin login authenticates a password directly, which skipped allauth's lockout after
repeated failures and its two-factor step. Here signing in always goes through allauth's login
(``/accounts/login/?next=/admin/``), and the admin opens only for active staff who have an
authenticator app: a superuser sees every practice, so the strictest policy of any practice
applies to them.
"""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from practice import mfa


class AdminSite(admin.AdminSite):
    site_header = "Attune support"
    site_title = "Attune support"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and mfa.has_totp(request.user)

    def login(self, request, extra_context=None):
        """Never Django's password form. Signed out: allauth's login (``secure_admin_login``);
        signed in but not staff: 403; staff without an authenticator app: set one up first."""
        return secure_admin_login(self._signed_in)(request)

    def _signed_in(self, request):
        if not mfa.has_totp(request.user):
            messages.info(
                request, gettext("The admin needs two-factor authentication: set it up first.")
            )
            return redirect("mfa_activate_totp")
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index", current_app=self.name)
        return redirect(target)
