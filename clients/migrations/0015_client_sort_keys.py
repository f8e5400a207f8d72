# The dashboard's other sorts as keys on each client (issue 17), filled in from the progress
# rows that exist, with the formulas of practice.dashboard.attention.sort_keys as they stand.

from django.conf import settings
from django.db import migrations, models

LAST = 2**63 - 1
STYLE_ORDER = ["anxious-preoccupied", "dismissive-avoidant", "fearful-avoidant", "secure"]
CHANGE_RANK = {"deteriorated": 0, "improved": 1, "no_change": 2, "not_available": 3}
EARNED_RANK = {"earned": 0, "quadrant_move_only": 1, "not_earned": 2}
SPAN = 10**5
FIELDS = ["sort_style", "sort_change", "sort_earned", "sort_alerts"]


def _score(value):
    return SPAN - 1 if value is None else min(max(round(value * 10**4), 0), SPAN - 1)


def fill_sort_keys(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    ClientProgress = apps.get_model("practice", "ClientProgress")
    rows = ClientProgress.objects.values_list(
        "client_id", "style", "anxiety", "avoidance", "change", "earned_security", "open_alerts"
    ).order_by("pk")
    batch = []
    for client_id, style, anxiety, avoidance, change, earned, alerts in rows.iterator(2000):
        style_key = LAST
        if style:
            rank = STYLE_ORDER.index(style) if style in STYLE_ORDER else len(STYLE_ORDER)
            style_key = (rank * SPAN + _score(anxiety)) * SPAN + _score(avoidance)
        batch.append(
            Client(
                pk=client_id,
                sort_style=style_key,
                sort_change=CHANGE_RANK.get(change, LAST),
                sort_earned=EARNED_RANK.get(earned, LAST),
                sort_alerts=-alerts,
            )
        )
        if len(batch) == 2000:
            Client.objects.bulk_update(batch, FIELDS)
            batch = []
    Client.objects.bulk_update(batch, FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0014_client_name_indexes"),
        ("practice", "0017_progress_sort_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="sort_alerts",
            field=models.BigIntegerField(
                default=9223372036854775807,
                editable=False,
                help_text="Sort key: open alerts, most first.",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="sort_change",
            field=models.BigIntegerField(
                default=9223372036854775807,
                editable=False,
                help_text="Sort key: change since baseline.",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="sort_earned",
            field=models.BigIntegerField(
                default=9223372036854775807, editable=False, help_text="Sort key: earned security."
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="sort_style",
            field=models.BigIntegerField(
                default=9223372036854775807,
                editable=False,
                help_text="Sort key: style, anxiety, avoidance.",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "status", "sort_style", "full_name", "id"],
                name="client_sort_style",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "status", "sort_change", "full_name", "id"],
                name="client_sort_change",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "status", "sort_earned", "full_name", "id"],
                name="client_sort_earned",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "status", "sort_alerts", "full_name", "id"],
                name="client_sort_alerts",
            ),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop, elidable=True),
    ]
