"""The audit-log page (owners only, own practice only, filterable, paged) and its admin."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from practice.models import AuditAction, AuditEvent
from tests.conftest import logged_in
from tests.factories import UserFactory

AUDIT = reverse("practice_audit")
LONDON = ZoneInfo("Europe/London")


def event(practice, actor=None, *, at=None, action=AuditAction.VIEW, object_type="client", **kw):
    fields = {
        "practice": practice,
        "actor": actor,
        "actor_email": actor.email if actor else "",
        "action": action,
        "object_type": object_type,
        "object_id": kw.pop("object_id", "1"),
        **kw,
    }
    if at is not None:
        fields["at"] = at
    return AuditEvent.objects.create(**fields)


def shown(response) -> list[AuditEvent]:
    return list(response.context["page_obj"].object_list)


@pytest.mark.django_db
def test_owner_sees_only_her_practices_events_newest_first(
    as_alice, alice, bob, charlie, practice_a, practice_b
):
    old = event(practice_a, bob, at=datetime(2026, 1, 5, 9, tzinfo=LONDON))
    new = event(practice_a, alice, at=datetime(2026, 2, 5, 9, tzinfo=LONDON))
    event(practice_b, charlie, object_id="secret-b")

    response = as_alice.get(AUDIT)

    assert response.status_code == 200
    assert shown(response) == [new, old]
    html = response.content.decode()
    assert "charlie@example.com" not in html and "secret-b" not in html


@pytest.mark.django_db
def test_charlie_never_sees_practice_a_events_even_when_filtering_for_them(
    as_charlie, bob, practice_a, erin
):
    event(practice_a, bob, client_id=erin.pk)
    response = as_charlie.get(AUDIT, {"client_id": str(erin.pk)})
    assert shown(response) == []
    # Bob is not one of Charlie's people, so filtering by him is not even a valid choice.
    by_bob = as_charlie.get(AUDIT, {"actor": bob.pk})
    assert by_bob.status_code == 400
    assert shown(by_bob) == []


@pytest.mark.django_db
def test_filters_by_actor_action_object_type_and_client(as_alice, alice, bob, practice_a, erin):
    bob_views_erin = event(practice_a, bob, client_id=erin.pk)
    bob_updates_erin = event(practice_a, bob, action=AuditAction.UPDATE, client_id=erin.pk)
    alice_lists = event(practice_a, alice, action=AuditAction.LIST)
    alice_role = event(practice_a, alice, action=AuditAction.UPDATE, object_type="membership")

    def results(**params):
        response = as_alice.get(AUDIT, params)
        assert response.status_code == 200, response.context["filter_form"].errors
        return set(shown(response))

    assert results(actor=bob.pk) == {bob_views_erin, bob_updates_erin}
    assert results(action="update") == {bob_updates_erin, alice_role}
    assert results(object_type="membership") == {alice_role}
    assert results(client_id=str(erin.pk)) == {bob_views_erin, bob_updates_erin}
    assert results(actor=alice.pk, action="list") == {alice_lists}
    assert results(client_id=str(uuid.uuid4())) == set()


@pytest.mark.django_db
def test_date_range_is_whole_days_in_the_practice_time_zone(as_alice, bob, practice_a):
    # 23:30 UTC on 31 May is already 1 June in London (summer time).
    late_may_utc = event(practice_a, bob, at=datetime(2026, 5, 31, 23, 30, tzinfo=ZoneInfo("UTC")))
    june_2 = event(practice_a, bob, at=datetime(2026, 6, 2, 23, 59, tzinfo=LONDON))
    june_3 = event(practice_a, bob, at=datetime(2026, 6, 3, 0, 0, tzinfo=LONDON))

    response = as_alice.get(AUDIT, {"date_from": "2026-06-01", "date_to": "2026-06-02"})
    assert set(shown(response)) == {late_may_utc, june_2}
    response = as_alice.get(AUDIT, {"date_from": "2026-06-03"})
    assert shown(response) == [june_3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"client_id": "not-a-uuid"}, "client_id", "A client id looks like"),
        ({"date_from": "31/02/2026"}, "date_from", "Enter a valid date."),
        ({"action": "hack"}, "action", "Select a valid choice."),
        ({"date_from": "2026-06-02", "date_to": "2026-06-01"}, "date_to", "before the start"),
    ],
)
def test_bad_filters_get_a_clear_message_and_400(as_alice, bob, practice_a, params, field, message):
    event(practice_a, bob)
    response = as_alice.get(AUDIT, params)
    assert response.status_code == 400
    assert any(message in e for e in response.context["filter_form"].errors[field])
    assert "Please correct the filters above." in response.content.decode()
    assert shown(response) == []


@pytest.mark.django_db
def test_pages_hold_fifty_events_and_keep_the_filters(as_alice, bob, practice_a):
    for _ in range(51):
        event(practice_a, bob, action=AuditAction.LIST)
    event(practice_a, bob, action=AuditAction.VIEW)

    first = as_alice.get(AUDIT, {"action": "list"})
    assert len(shown(first)) == 50
    assert first.context["page_obj"].paginator.count == 51
    assert 'href="?action=list&amp;page=2"' in first.content.decode()
    second = as_alice.get(AUDIT, {"action": "list", "page": 2})
    assert len(shown(second)) == 1


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(
    as_alice, alice, bob, practice_a, django_assert_max_num_queries
):
    for _ in range(3):
        event(practice_a, bob)
    with django_assert_max_num_queries(15) as few:
        as_alice.get(AUDIT, {"action": "view"})
    baseline = len(few.captured_queries)

    for i in range(60):
        actor = UserFactory() if i % 10 == 0 else bob
        event(practice_a, actor, object_type=f"type{i % 7}")
    with django_assert_max_num_queries(baseline):
        response = as_alice.get(AUDIT, {"action": "view"})
    assert len(shown(response)) == 50


@pytest.mark.django_db
def test_audit_events_are_read_only_in_the_admin(alice, practice_a, admin_mounted, support_user):
    admin_user = support_user
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = site._registry[AuditEvent]
    row = event(practice_a, alice)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    assert model_admin.has_view_permission(request, row)

    web = logged_in(admin_user)
    assert web.get(reverse("admin:practice_auditevent_changelist")).status_code == 200
    detail = web.get(reverse("admin:practice_auditevent_change", args=[row.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert web.get(reverse("admin:practice_auditevent_add")).status_code == 403
    assert web.post(reverse("admin:practice_auditevent_delete", args=[row.pk])).status_code == 403
    assert AuditEvent.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["user", "practice", "membership", "staffinvitation", "apitoken", "auditevent"]
)
def test_admin_pages_load(model, alice, admin_mounted, support_user):
    web = logged_in(support_user)
    assert web.get(reverse(f"admin:practice_{model}_changelist")).status_code == 200


@pytest.mark.django_db
def test_admin_creates_a_user_by_email(admin_mounted, support_user):
    web = logged_in(support_user)
    response = web.post(
        reverse("admin:practice_user_add"),
        {
            "email": "Support@Example.com",
            "full_name": "Sam Support",
            "usable_password": "true",
            "password1": "a-long-fresh-passphrase",
            "password2": "a-long-fresh-passphrase",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    from practice.models import User

    assert User.objects.get(email="support@example.com").check_password("a-long-fresh-passphrase")
