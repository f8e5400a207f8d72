"""Writing the audit trail. Callers say who did what to which record; never what it said."""

from collections.abc import Iterable

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from practice.models import AuditAction, AuditEvent, Practice


def client_ip(request) -> str | None:
    """The caller's address, found as the login rate limits find it (see TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        return None  # no trustworthy address (e.g. fewer X-Forwarded-For entries than proxies)


def record(
    request,
    action: AuditAction | str,
    obj,
    *,
    practice: Practice | None = None,
    client_id=None,
    fields: Iterable[str] = (),
    actor=None,
) -> AuditEvent:
    """Append one audit event for ``obj`` (a model instance) done by the request's user.

    ``client_id`` defaults to ``obj.pk`` when ``obj`` is a client, else ``obj.client_id``.
    ``fields`` are the names of changed fields, never their values.
    """
    user = actor or (request.user if request is not None else None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if client_id is None:
        client_id = obj.pk if obj._meta.model_name == "client" else getattr(obj, "client_id", None)
    via = "api" if request is not None and request.path.startswith("/api/") else "web"
    if request is None:
        via = "system"
    return AuditEvent.objects.create(
        practice=practice or obj.practice,
        actor=user,
        actor_email=user.email if user else "",
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        client_id=client_id,
        fields=sorted(fields),
        via=via,
        ip_address=client_ip(request),
    )


def record_list(request, object_type: str, practice: Practice) -> AuditEvent:
    """Append one event for a list or search page: who looked, not which rows they saw."""
    return AuditEvent.objects.create(
        practice=practice,
        actor=request.user,
        actor_email=request.user.email,
        action=AuditAction.LIST,
        object_type=object_type,
        via="api" if request.path.startswith("/api/") else "web",
        ip_address=client_ip(request),
    )
