"""The dashboard's first-run guide for a new practice's owner: invite a clinician, add or import
clients, assign a first questionnaire. Each step ticks itself from the records (one query for
all three); the guide shows until the owner closes it or every step is done, which is stored on
their membership (``Membership.guide_dismissed_at``), so a settled practice pays no query."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from assessments.models import Assignment, Packet
from clients.models import Client
from practice.models import Membership, Practice, StaffInvitation


@dataclass
class Step:
    key: str
    title: str
    hint: str
    links: list[tuple[str, str]]  # (label, URL)
    done: bool


def _progress(practice_id, user) -> dict:
    """Whether each step is done, in one query."""
    practice = OuterRef("pk")
    found = (
        Practice.objects.filter(pk=practice_id)
        .annotate(
            colleague=Exists(Membership.objects.filter(practice=practice).exclude(user=user)),
            invitation=Exists(StaffInvitation.objects.filter(practice=practice)),
            client=Exists(Client.objects.filter(practice=practice)),
            assignment=Exists(Assignment.objects.filter(practice=practice)),
            packet=Exists(Packet.objects.filter(practice=practice)),
        )
        .values("colleague", "invitation", "client", "assignment", "packet")
        .get()
    )
    return {
        "invited": found["colleague"] or found["invitation"],
        "has_clients": found["client"],
        "assigned": found["assignment"] or found["packet"],
    }


def first_run_steps(membership) -> list[Step] | None:
    """The guide's steps for this member, or ``None`` when it is not shown: to clinicians, to
    owners who closed it, and once every step is done (then recorded as closed)."""
    if not membership.is_owner or membership.guide_dismissed_at is not None:
        return None
    done = _progress(membership.practice_id, membership.user_id)
    steps = [
        Step(
            "invite",
            gettext("Invite a clinician"),
            gettext("Colleagues get an e-mailed link; each sees their own caseload."),
            [(gettext("Invite a clinician"), reverse("practice_members"))],
            done["invited"],
        ),
        Step(
            "clients",
            gettext("Add or import clients"),
            gettext("Add one client by hand, or import a spreadsheet of your caseload."),
            [
                (gettext("Add a client"), reverse("clients:create")),
                (gettext("Import clients"), reverse("clients:import")),
            ],
            done["has_clients"],
        ),
        Step(
            "assign",
            gettext("Assign a first questionnaire"),
            gettext("Open a client and choose a questionnaire to send now or on a schedule."),
            [(gettext("Choose clients"), reverse("assessments:assign_many"))],
            done["assigned"],
        ),
    ]
    if all(step.done for step in steps):
        dismiss_guide(membership)
        return None
    return steps


def dismiss_guide(membership) -> None:
    """Close the guide for this member, for good."""
    if membership.guide_dismissed_at is None:
        membership.guide_dismissed_at = timezone.now()
        Membership.objects.filter(pk=membership.pk).update(
            guide_dismissed_at=membership.guide_dismissed_at
        )
