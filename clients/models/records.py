"""Clients, and who may see them: ``Client.objects.visible_to(user)``, the one entry point, and
``ClientRowsQuerySet``, the base of every queryset of rows about clients."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from practice.acting import UNBOUND, bound_membership, default_memberships
from practice.crisis_lines import country_choices
from practice.models import Practice, Role, validate_time_zone

# The attribute ``ClientQuerySet.get_visible`` sets on a client it returns: the id of the user it
# was checked for. Rows about that client need no second visibility check for the same user.
_CHECKED_FOR = "_visible_to_user_id"


def checked_for(client, user) -> bool:
    """True when ``client`` came from ``Client.objects.get_visible(user, ...)``."""
    return (
        client is not None
        and getattr(user, "is_authenticated", False)
        and getattr(client, _CHECKED_FOR, None) == user.pk
    )


def mark_checked(client, user):
    """Mark ``client``, just loaded through ``Client.objects.visible_to(user)``, as checked for
    ``user``; returns it. Only for that case: the mark lets ``of_client`` skip the check."""
    setattr(client, _CHECKED_FOR, user.pk)
    return client


def _acting(user, membership) -> bool:
    """Whether ``membership`` is ``user``'s own, active, with ``user`` active."""
    return (
        membership is not None
        and membership.is_active
        and membership.user_id == getattr(user, "pk", None)
        and user.is_active
    )


class ClientRowsQuerySet(models.QuerySet):
    """Base of the querysets of rows about clients (notes, reports, questionnaire rows), each
    with a non-null ``practice`` that is its client's: subclasses define ``visible_to(user)``."""

    def visible_in(self, user, membership):
        """Rows about the clients ``Client.objects.visible_in(user, membership)`` returns. An
        owner's are every row of the practice, which the rows' own ``practice`` says."""
        if not _acting(user, membership):
            return self.none()
        if membership.role == Role.OWNER:
            return self.filter(practice_id=membership.practice_id)
        # A clinician's: ``Client.objects.visible_in``'s conditions on the row's own client,
        # joined, rather than ``client IN (their clients)``. PostgreSQL planned that semi-join
        # from the clinician's clients (2,000 at 20,000 in the practice) before the rows, and
        # took longer to plan it than to run it (issue 17).
        shared = ClientShare.objects.filter(client=OuterRef("client_id"), clinician=user)
        return self.filter(
            Q(client__primary_clinician=user) | Exists(shared),
            practice_id=membership.practice_id,
            client__practice_id=membership.practice_id,
        )

    def visible_to(self, user):
        """Rows about clients ``Client.objects.visible_to(user)`` returns; nothing else."""
        membership = bound_membership(user)
        if membership is not UNBOUND:
            return self.visible_in(user, membership)
        return self.filter(client__in=Client.objects.visible_to(user).values("pk"))

    def of_client(self, user, client):
        """``visible_to(user).filter(client=client)``. When ``client`` was itself loaded through
        ``Client.objects.get_visible(user, ...)`` (every client page does), the client is known
        to be visible and every row about it is too, so the visibility subqueries are skipped."""
        if checked_for(client, user):
            return self.filter(client=client)
        return self.visible_to(user).filter(client=client)


SEARCH_WORDS = 8  # words of a search that count; more only lengthen the SQL


class ClientQuerySet(models.QuerySet):
    def get_visible(self, user, **lookup):
        """The one client ``visible_to(user)`` finds with ``lookup`` (``DoesNotExist`` if none),
        marked as checked for ``user`` so rows about it can skip the check (``of_client``)."""
        return mark_checked(self.visible_to(user).get(**lookup), user)

    def visible_to(self, user):
        """The one entry point for client visibility.

        A user acts under exactly one membership (``practice.acting``): the one their request,
        token or task is bound to. Under it, an owner sees every client of that practice and a
        clinician the clients whose primary clinician they are or who were shared with them.
        Clients of the user's other practices are invisible (404) until they switch. Anyone
        without an active membership sees nothing.
        """
        membership = bound_membership(user)
        if membership is not UNBOUND:
            return self.visible_in(user, membership)
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        # Unbound (a test or shell): the default membership, decided inside this query.
        default = default_memberships(user)
        owned = default.filter(role=Role.OWNER).values("practice_id")
        shared = ClientShare.objects.filter(client=OuterRef("pk"), clinician=user)
        return self.filter(
            Q(practice__in=owned)
            | (
                Q(practice__in=default.values("practice_id"))
                & (Q(primary_clinician=user) | Exists(shared))
            )
        )

    def visible_in(self, user, membership):
        """The clients ``user`` sees acting under ``membership`` (one of their own, active):
        every client of the practice for an owner; for a clinician, their own clients and those
        shared with them. ``visible_to(user)`` is this under the membership bound to ``user``."""
        if not _acting(user, membership):
            return self.none()
        clients = self.filter(practice_id=membership.practice_id)
        if membership.role == Role.OWNER:
            return clients
        shared = ClientShare.objects.filter(client=OuterRef("pk"), clinician=user)
        return clients.filter(Q(primary_clinician=user) | Exists(shared))

    def active(self):
        return self.filter(status=Client.Status.ACTIVE)

    def search(self, query: str):
        """Clients matching every word of ``query``, each word found in any order in the full
        or preferred name, the e-mail address or the reference ("1003" finds WL-1003,
        "Brackenridge Elsie" and "elsie brack" find Elsie Brackenridge)."""
        words = query.split()[:SEARCH_WORDS]
        found = self
        for word in words:
            found = found.filter(
                Q(full_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(email__icontains=word)
                | Q(external_reference__icontains=word)
            )
        return found

    def ranked_search(self, query: str):
        """``search(query)``, best matches first: the exact reference, then an exact name, then
        names or references that start with the first word, then the rest; by name within each."""
        query = query.strip()
        if not query:
            return self.order_by("full_name", "pk")
        first = query.split()[0]
        rank = Case(
            When(external_reference__iexact=query, then=Value(0)),
            When(Q(full_name__iexact=query) | Q(preferred_name__iexact=query), then=Value(1)),
            When(
                Q(full_name__istartswith=first)
                | Q(preferred_name__istartswith=first)
                | Q(external_reference__istartswith=first),
                then=Value(2),
            ),
            default=Value(3),
            output_field=IntegerField(),
        )
        return self.search(query).alias(search_rank=rank).order_by("search_rank", "full_name", "pk")


class Client(models.Model):
    """A person in therapy. Identified in URLs only by a random UUID."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DISCHARGED = "discharged", _("Discharged")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    preferred_name = models.CharField(
        max_length=80, help_text=_("What the client likes to be called; used in e-mails.")
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text=_("Where questionnaire links are sent."))
    date_of_birth = models.DateField(null=True, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Leave blank to use the practice's time zone."),
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        choices=country_choices,
        help_text=_(
            "Where the client lives, if you know: after a safety answer they are shown "
            "the national crisis lines your practice chose for that country."
        ),
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of the questionnaire pages and e-mails the client receives."),
    )
    primary_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_clients"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    external_reference = models.CharField(
        max_length=64, blank=True, help_text=_("Your own record number, if you use one.")
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    next_session_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "The next session, if you keep it here: the 'Today' brief lists the client on that day."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The caseload dashboard's "who needs attention" order, kept by practice.dashboard.attention
    # with the client's progress row, so the dashboard's first page is read from an index
    # (below) instead of sorting the whole caseload on every request.
    attention = models.PositiveSmallIntegerField(
        default=10000,
        editable=False,
        help_text=_(
            "Sort key: open alerts, then overdue, then change since baseline (lowest "
            "first); 10000 while the client has no progress row."
        ),
    )
    attention_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When an open link expires and the client becomes overdue: the key is "
            "brought up to date then."
        ),
    )

    # The dashboard's sorts by a column of the progress row, kept with ``attention`` (same
    # module) so the whole practice's page is read from an index in order; SORT_LAST (the
    # default) while the row has no such value, which every sort puts last.
    SORT_LAST = 2**63 - 1
    sort_style = models.BigIntegerField(
        default=SORT_LAST, editable=False, help_text=_("Sort key: style, anxiety, avoidance.")
    )
    sort_change = models.BigIntegerField(
        default=SORT_LAST, editable=False, help_text=_("Sort key: change since baseline.")
    )
    sort_earned = models.BigIntegerField(
        default=SORT_LAST, editable=False, help_text=_("Sort key: earned security.")
    )
    sort_alerts = models.BigIntegerField(
        default=SORT_LAST, editable=False, help_text=_("Sort key: open alerts, most first.")
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        indexes = [
            # The dashboard's sort by name, read in order with LIMIT (either direction).
            models.Index(
                fields=["practice", "status", "full_name", "id"], name="client_name_practice"
            ),
            models.Index(
                fields=["practice", "primary_clinician", "status", "full_name", "id"],
                name="client_name_clinician",
            ),
            models.Index(fields=["primary_clinician", "status"]),
            models.Index(
                fields=["practice", "status", "attention", "full_name", "id"],
                name="client_attention_practice",
            ),
            models.Index(
                fields=["practice", "primary_clinician", "status", "attention", "full_name", "id"],
                name="client_attention_clinician",
            ),
            *(
                models.Index(
                    fields=["practice", "status", f"sort_{key}", "full_name", "id"],
                    name=f"client_sort_{key}",
                )
                for key in ("style", "change", "earned", "alerts")
            ),
            models.Index(
                fields=["practice", "attention_until"],
                condition=Q(attention_until__isnull=False),
                name="client_attention_until",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "external_reference"],
                condition=~Q(external_reference=""),
                name="unique_external_reference_per_practice",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def effective_time_zone(self) -> str:
        return self.time_zone or self.practice.time_zone

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ClientShare(models.Model):
    """A client shared with a clinician other than the primary one."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="shares")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_clients"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "clinician"], name="one_share_per_clinician")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} shared with {self.clinician_id}"
