# The dashboard's open-alerts panel (issue 17): the practice's open alerts newest first, read in
# order from this partial index with LIMIT instead of checking every client of the caseload.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_in_session"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                condition=models.Q(acknowledged_at__isnull=True),
                fields=["practice", "-raised_at", "-id"],
                name="alert_open_newest",
            ),
        ),
    ]
