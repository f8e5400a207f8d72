"""The audit log cannot be quietly changed: the database refuses it (PostgreSQL), and the hash
chain checked by ``manage.py verify_audit`` names the first event changed or removed."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from practice import audit, audit_chain, audit_hash
from practice.models import AuditAction, AuditChainHead, AuditEvent
from practice.tasks import seal_audit_log

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
TABLE = AuditEvent._meta.db_table


def write_events(practice, actor, n: int) -> list[AuditEvent]:
    return [
        AuditEvent.objects.create(
            practice=practice,
            actor=actor,
            actor_email=actor.email,
            action=AuditAction.VIEW,
            object_type="client",
            object_id=str(i),
            ip_address="2001:db8::1",
        )
        for i in range(n)
    ]


def raw(sql: str, params=()) -> None:
    """Raw SQL as someone with database access would run it. On PostgreSQL the trigger is
    disabled first, to show what the chain catches when the trigger is not there."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE wants no pending checks
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER practice_auditevent_append_only")
        cursor.execute(sql, params)


def shell(name: str) -> None:
    """Run a command as ``manage.py <name>`` does (errors to stderr, exit status 1), without
    setting Django up again, which would rebind logging to this test's captured streams."""
    load_command_class("practice", name).run_from_argv(["manage.py", name])


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def events(practice_a, alice):
    return write_events(practice_a, alice, 5)


@pytest.mark.django_db
def test_writing_an_event_is_one_insert(practice_a, alice, erin, django_assert_num_queries):
    with django_assert_num_queries(1):
        audit.record(None, AuditAction.VIEW, erin, actor=alice)


@pytest.mark.django_db
def test_the_row_hash_written_at_insert_matches_the_row_read_back(practice_a, alice):
    written = AuditEvent.objects.create(
        practice=practice_a,
        actor=alice,
        actor_email=alice.email,
        action=AuditAction.UPDATE,
        object_type="client",
        object_id="7",
        fields=("status", "email"),
        ip_address="::ffff:192.0.2.1",
        at=datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=ZoneInfo("Europe/London")),
    )
    stored = AuditEvent.objects.get(pk=written.pk)
    assert len(stored.row_hash) == 64
    assert audit_hash.row_hash(stored.hashed_content()) == stored.row_hash


@pytest.mark.django_db
def test_intact_log_verifies_and_sealing_numbers_the_chain_without_gaps(events, practice_a, bob):
    assert "Audit log intact: 5 events, sealed to seq 5" in verify()
    write_events(practice_a, bob, 3)
    assert seal_audit_log() == 3  # the beat task seals only what is new
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 9)
    )
    assert AuditChainHead.objects.get().last_seq == 8
    assert "8 events, sealed to seq 8" in verify()


@pytest.mark.django_db
def test_verify_exits_0_when_intact_and_1_naming_the_changed_event(events, capsys, monkeypatch):
    # As from the shell, minus closing the test's database connection when the command ends.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    shell("verify_audit")  # returns: exit status 0
    assert "Audit log intact" in capsys.readouterr().out
    changed = events[2]
    raw(f"UPDATE {TABLE} SET actor_email = %s WHERE id = %s", ["mallory@example.com", changed.pk])

    with pytest.raises(SystemExit) as broken:
        shell("verify_audit")
    assert broken.value.code == 1
    assert f"Event {changed.pk} (seq 3) was changed" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_change_to_a_field_or_the_chain_of_a_sealed_event_is_found(events):
    verify()
    raw(f"UPDATE {TABLE} SET object_id = %s WHERE id = %s", ["999", events[1].pk])
    with pytest.raises(CommandError, match=rf"Event {events[1].pk} \(seq 2\) was changed"):
        verify()


@pytest.mark.django_db
def test_a_rewritten_chain_hash_is_found(events):
    verify()
    raw(f"UPDATE {TABLE} SET chain_hash = %s WHERE id = %s", ["f" * 64, events[3].pk])
    with pytest.raises(CommandError, match=rf"Event {events[3].pk} \(seq 4\) does not link"):
        verify()


@pytest.mark.django_db
def test_an_event_changed_before_it_was_sealed_is_found(events):
    raw(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["list", events[0].pk])
    with pytest.raises(CommandError, match=rf"Event {events[0].pk} \(seq 1\) was changed"):
        verify()


@pytest.mark.django_db
def test_a_removed_middle_event_is_found(events):
    verify()
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=rf"Event {events[3].pk}\b.* follows a gap"):
        verify()


on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL sequences skip ids on rollback; there the trigger refuses the removal",
)


@on_sqlite
@pytest.mark.django_db
def test_sqlite_an_event_removed_before_it_was_sealed_is_found(events):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])
    with pytest.raises(
        CommandError, match=rf"Event {events[2].pk} follows a gap in ids: event {events[1].pk}"
    ):
        call_command("verify_audit", "--no-seal", stdout=StringIO())
    with pytest.raises(CommandError, match=rf"Event {events[2].pk}\b.* follows a gap"):
        verify()  # and once sealed


@on_sqlite
@pytest.mark.django_db
def test_sqlite_the_newest_events_removed_before_they_were_sealed_are_found(events):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[-1].pk])
    with pytest.raises(CommandError, match=rf"Events up to id {events[-1].pk} were written"):
        verify()


@pytest.mark.django_db
def test_removing_the_newest_events_is_found(events):
    verify()
    raw(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [events[3].pk, events[4].pk])
    with pytest.raises(
        CommandError, match=rf"sealed to seq 5: the newest events after event {events[2].pk}"
    ):
        verify()


@pytest.mark.django_db
def test_removing_every_event_is_found(events):
    verify()
    raw(f"DELETE FROM {TABLE}")
    with pytest.raises(CommandError, match="ends at seq 0 but was sealed to seq 5"):
        verify()


@pytest.mark.django_db
def test_a_chain_forged_without_the_key_does_not_verify(events, settings):
    """Someone with only the database cannot recompute the hashes: they are keyed."""
    verify()
    settings.SECRET_KEY = "another-key-" + "y" * 40
    with pytest.raises(CommandError, match=rf"Event {events[0].pk} \(seq 1\) was changed"):
        call_command("verify_audit", "--no-seal", stdout=StringIO())
    # Rotating the key: the old one, kept as a fallback, still verifies the old events.
    settings.SECRET_KEY_FALLBACKS = ["test-secret-key-" + "x" * 40]
    assert "intact" in verify()


@on_postgresql
@pytest.mark.django_db
def test_postgresql_refuses_updates_and_deletes_of_audit_rows_by_any_route(events):
    target = events[1]

    def refused(attempt) -> None:
        with (
            pytest.raises(DatabaseError, match=r"append-only|only moves forward"),
            transaction.atomic(),
        ):
            attempt()

    refused(lambda: AuditEvent._base_manager.filter(pk=target.pk).update(object_id="x"))
    refused(lambda: AuditEvent._base_manager.filter(pk=target.pk)._raw_delete(connection.alias))
    with connection.cursor() as cursor:
        refused(
            lambda: cursor.execute(f"UPDATE {TABLE} SET via = 'api' WHERE id = %s", [target.pk])
        )
        refused(lambda: cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [target.pk]))
    # Sealing is the one update allowed, once; re-sealing or moving a row is not.
    assert audit_chain.seal() == 5
    refused(lambda: AuditEvent._base_manager.filter(pk=target.pk).update(seq=99))
    refused(lambda: AuditEvent._base_manager.filter(pk=target.pk).update(chain_hash="0" * 64))
    refused(lambda: AuditChainHead.objects.update(last_seq=1))
    refused(lambda: AuditChainHead.objects.all()._raw_delete(connection.alias))
    assert AuditEvent.objects.get(pk=target.pk).object_id == target.object_id
    assert "intact" in verify()


@on_postgresql
@pytest.mark.django_db
def test_postgresql_refuses_an_update_that_seals_and_changes_content_together(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=events[0].pk).update(
            seq=1, chain_hash="0" * 64, actor_email="mallory@example.com"
        )
