"""Every destructive or hard-to-undo action asks first (issue 15): the page that offers it links
to a confirmation page, a GET of which changes nothing and shows one button, and only a POST of
that button acts. The confirmation page is scoped like the action (another practice: 404).

Uses the permission walk's world: Erin is Bob's client in practice A, Alice owns A, Charlie owns
B."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from assessments.models import Assignment, Instrument, Packet
from clients.models import ClientShare, Report
from practice.models import ApiToken, StaffInvitation, WebhookEndpoint
from tests import test_permissions
from tests.conftest import logged_in

# The permission walk's world and the fixtures it is built from (``world``, ``*_world``).
globals().update(
    {name: obj for name, obj in vars(test_permissions).items() if name.endswith("world")}
)


@dataclass
class Action:
    actor: str
    url: Callable  # world -> the confirmation page's address
    offered_on: Callable  # world -> the page whose link leads there
    asks: str  # words of the confirmation page
    done: Callable  # world -> has the action happened?


def _share(w):
    ClientShare.objects.get_or_create(client=w["erin"], clinician=w["dana"])
    return reverse("clients:unshare", args=[w["erin"].pk, w["dana"].pk])


def _discharged(w):
    """Erin discharged, so her page offers reactivation."""
    type(w["erin"]).objects.filter(pk=w["erin"].pk).update(status="discharged")
    return reverse("clients:reactivate", args=[w["erin"].pk])


def _uploaded(w):
    """Practice A's uploaded instrument that nobody has been cleared to use yet."""
    instrument = w["custom_a"]
    instrument.acknowledgements.all().delete()
    return instrument


ACTIONS = {
    "discharge": Action(
        "bob",
        lambda w: reverse("clients:discharge", args=[w["erin"].pk]),
        lambda w: reverse("clients:detail", args=[w["erin"].pk]),
        "Discharge Erin Fictional?",
        lambda w: not type(w["erin"]).objects.get(pk=w["erin"].pk).is_active,
    ),
    "reactivate a client": Action(
        "bob",
        _discharged,
        lambda w: reverse("clients:detail", args=[w["erin"].pk]),
        "Start a new episode of care",
        lambda w: type(w["erin"]).objects.get(pk=w["erin"].pk).is_active,
    ),
    "deactivate a member": Action(
        "alice",
        lambda w: reverse("practice_member_deactivate", args=[w["bob_membership"].pk]),
        lambda w: reverse("practice_members"),
        "Deactivate",
        lambda w: not type(w["bob_membership"]).objects.get(pk=w["bob_membership"].pk).is_active,
    ),
    "revoke a link": Action(
        "bob",
        lambda w: reverse("assessments:invitation_revoke", args=[w["erin_packet"].pk]),
        lambda w: reverse("clients:detail", args=[w["erin"].pk]),
        "Revoke the link",
        lambda w: Packet.objects.get(pk=w["erin_packet"].pk).status == Packet.Status.REVOKED,
    ),
    "end a schedule": Action(
        "bob",
        lambda w: reverse("assessments:assignment_end", args=[w["erin_assignment"].pk]),
        lambda w: reverse("clients:detail", args=[w["erin"].pk]),
        "End the schedule",
        lambda w: (
            Assignment.objects.get(pk=w["erin_assignment"].pk).status == Assignment.Status.ENDED
        ),
    ),
    "stop sharing": Action(
        "bob",
        _share,
        lambda w: reverse("clients:share", args=[w["erin"].pk]),
        "Stop sharing Erin&#x27;s record with Dana",
        lambda w: not ClientShare.objects.filter(client=w["erin"], clinician=w["dana"]).exists(),
    ),
    "delete a report": Action(
        "bob",
        lambda w: reverse("clients:report_delete", args=[w["erin"].pk, w["erin_ready_report"].pk]),
        lambda w: reverse("clients:report_detail", args=[w["erin"].pk, w["erin_ready_report"].pk]),
        "Delete the report for Erin Fictional?",
        lambda w: not Report.objects.filter(pk=w["erin_ready_report"].pk).exists(),
    ),
    "withdraw a staff invitation": Action(
        "alice",
        lambda w: reverse("practice_invitation_revoke", args=[w["invitation"].pk]),
        lambda w: reverse("practice_members"),
        "Withdraw the invitation to newcomer@example.com?",
        lambda w: StaffInvitation.objects.get(pk=w["invitation"].pk).revoked_at is not None,
    ),
    "revoke an API token": Action(
        "bob",
        lambda w: reverse("account_token_revoke", args=[w["bob_token"].pk]),
        lambda w: reverse("account_security"),
        "Revoke the token “cli”?",
        lambda w: ApiToken.objects.get(pk=w["bob_token"].pk).revoked_at is not None,
    ),
    "delete a webhook endpoint": Action(
        "alice",
        lambda w: reverse("practice_webhook_delete", args=[w["a_webhook"].pk]),
        lambda w: reverse("practice_webhook_detail", args=[w["a_webhook"].pk]),
        "Delete this webhook endpoint?",
        lambda w: not WebhookEndpoint.objects.filter(pk=w["a_webhook"].pk).exists(),
    ),
    "remove an uploaded instrument": Action(
        "alice",
        lambda w: reverse("assessments:discard", args=[_uploaded(w).code]),
        lambda w: reverse("assessments:detail", args=[_uploaded(w).code]),
        "Remove Local attachment short form?",
        lambda w: not Instrument.objects.filter(pk=w["custom_a"].pk).exists(),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTIONS)
def test_a_get_asks_and_only_the_post_acts(world, name):
    action = ACTIONS[name]
    browser = logged_in(world[action.actor])
    url = action.url(world)
    offering = browser.get(action.offered_on(world)).content.decode()
    assert f'href="{url}"' in offering, "the page offers a link to the confirmation, not a button"

    page = browser.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert action.asks in html
    assert 'method="post"' in html and "Cancel" in html
    assert not action.done(world), "a GET must change nothing"

    data = {}
    if name == "deactivate a member":  # the owner chooses who takes over Bob's clients
        data = {"successor": page.context["form"].fields["successor"].queryset.first().pk}
    if name == "reactivate a client":  # a new episode of care, or the last resumed
        data = {"episode": "new"}
    answer = browser.post(url, data)
    assert answer.status_code == 302
    assert action.done(world)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTIONS)
def test_another_practice_gets_404_from_the_confirmation_page(world, name):
    action = ACTIONS[name]
    url = action.url(world)
    assert logged_in(world["charlie"]).get(url).status_code == 404
    assert not action.done(world)
