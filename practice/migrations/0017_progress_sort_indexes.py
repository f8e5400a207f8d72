# The caseload dashboard's sorts by next due and last session (issue 17): their first page read
# from an index on the progress rows that leads with the practice, as the sort by last
# completed reads (practice, last_completed_at), instead of sorting every client.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0016_practice_overview_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="clientprogress",
            index=models.Index(fields=["practice", "next_due_at"], name="progress_next_due"),
        ),
        migrations.AddIndex(
            model_name="clientprogress",
            index=models.Index(
                fields=["practice", "last_session_at"], name="progress_last_session"
            ),
        ),
    ]
