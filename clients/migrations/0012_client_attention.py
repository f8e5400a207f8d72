# The caseload dashboard's "who needs attention" key on each client (issue 17), filled in from
# the progress rows that exist, with the formula of practice.dashboard.attention.attention_key.

from django.db import migrations, models
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Least
from django.utils import timezone

CHANGE_RANK = {"deteriorated": 0, "improved": 1, "no_change": 2, "not_available": 3}


def fill_attention(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    ClientProgress = apps.get_model("practice", "ClientProgress")
    now = timezone.now()
    overdue = Q(missed_since__isnull=False) | Q(link_expires_at__lte=now)
    key = (
        Value(10) * (Value(999) - Least(F("open_alerts"), Value(999)))
        + Case(When(overdue, then=Value(0)), default=Value(5))
        + Case(
            *(When(change=change, then=Value(rank)) for change, rank in CHANGE_RANK.items()),
            default=Value(4),
        )
    )
    rows = ClientProgress.objects.filter(client=OuterRef("pk"))
    Client.objects.filter(pk__in=ClientProgress.objects.values("client_id")).update(
        attention=Subquery(rows.annotate(key=key).values("key")[:1], output_field=IntegerField()),
        attention_until=Subquery(
            rows.filter(missed_since__isnull=True, link_expires_at__gt=now).values(
                "link_expires_at"
            )[:1]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0011_episodes"),
        ("practice", "0005_client_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="attention",
            field=models.PositiveSmallIntegerField(
                default=10000,
                editable=False,
                help_text="Sort key: open alerts, then overdue, then change since baseline "
                "(lowest first); 10000 while the client has no progress row.",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="attention_until",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When an open link expires and the client becomes overdue: the key is "
                "brought up to date then.",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "status", "attention", "full_name", "id"],
                name="client_attention_practice",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "primary_clinician", "status", "attention", "full_name", "id"],
                name="client_attention_clinician",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                condition=models.Q(attention_until__isnull=False),
                fields=["practice", "attention_until"],
                name="client_attention_until",
            ),
        ),
        migrations.RunPython(fill_attention, migrations.RunPython.noop, elidable=True),
    ]
