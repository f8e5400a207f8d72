"""Attune's URLs. Every route here is walked by the permission test in tests/test_permissions.py."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from practice.converters import DatabaseIdConverter
from practice.views import (
    account,
    audit_log,
    dashboard,
    health,
    members,
    metrics,
    outbox,
    practice_settings,
    safety,
    session_lock,
    switch,
)

# Before the include()s below load the apps' URLconfs, which write <id:pk> for database ids.
register_converter(DatabaseIdConverter, "id")

# A URL under /api/ that no route matches answers JSON, like the rest of the API.
handler404 = "practice.views.errors.page_not_found"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/guide/close/", dashboard.dismiss_guide, name="dashboard_guide_dismiss"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.healthz, name="readyz"),
    path("livez", health.livez, name="livez"),
    path("metrics", metrics.metrics, name="metrics"),
    path("clients/", include("clients.urls")),
    path("instruments/", include("assessments.urls")),
    path("q/", include("assessments.urls_client")),
    path("practice/team/", members.team, name="practice_members"),
    path(
        "practice/team/invitations/<id:pk>/resend/",
        members.invitation_resend,
        name="practice_invitation_resend",
    ),
    path(
        "practice/team/invitations/<id:pk>/revoke/",
        members.invitation_revoke,
        name="practice_invitation_revoke",
    ),
    path("practice/team/<id:pk>/role/", members.member_role, name="practice_member_role"),
    path(
        "practice/team/<id:pk>/deactivate/",
        members.member_deactivate,
        name="practice_member_deactivate",
    ),
    path(
        "practice/team/<id:pk>/reactivate/",
        members.member_reactivate,
        name="practice_member_reactivate",
    ),
    path("invite/<str:token>/", members.invitation_accept, name="invitation_accept"),
    path("practice/audit/", audit_log.audit_log, name="practice_audit"),
    path("practice/settings/", practice_settings.practice_settings, name="practice_settings"),
    path("practice/safety/", safety.safety_settings, name="safety_settings"),
    path("practice/switch/", switch.practice_switch, name="practice_switch"),
    path("practice/webhooks/", include("practice.urls_webhooks")),
    path("account/", account.account_security, name="account_security"),
    path("account/unlock/", session_lock.session_unlock, name="session_unlock"),
    path("account/tokens/new/", account.token_create, name="account_token_create"),
    path("account/tokens/<id:pk>/revoke/", account.token_revoke, name="account_token_revoke"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("practice.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file of its own (?script), so the
    # page needs no inline script under the Content-Security-Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]


def admin_urls() -> list:
    """``/admin/`` only with ADMIN_ENABLED (default: DEBUG); without it the admin is a 404 like
    any unknown path. Signing in goes through allauth and two-factor (practice/admin_site.py)."""
    return [path("admin/", admin.site.urls)] if settings.ADMIN_ENABLED else []


urlpatterns += admin_urls()

if settings.DEBUG:
    urlpatterns += [
        path("dev/outbox/", outbox.outbox_list, name="dev_outbox"),
        path("dev/outbox/<str:name>/", outbox.outbox_message, name="dev_outbox_message"),
    ]
