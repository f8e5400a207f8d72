"""django-allauth adapter: accounts are created only through an owner's invitation."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError

from practice import auth_audit


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth refuses here, before any password check, once the failure limit is reached;
        no signal says so, hence the audit call."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            auth_audit.record_lockout(request, credentials)
            raise
